using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>
/// torch.onnx.export files imported into generated classes reproduce PyTorch (float64 truth) and ONNX Runtime (the
/// same .onnx file), with exactly the module's state_dict tensors.
/// </summary>
public sealed class OnnxParityTests(ITestOutputHelper output)
{
    // The acceptance rule of tests/RnnGen.Tests (ModelParityTests): within max(2 × PyTorch's own float32 error, 2e-6)
    // of the float64 truth, relative to the tensor's largest magnitude (Error.Relative).
    private const double Floor = 2e-6;

    public static TheoryData<string, string> Exported => new()
    {
        { "lstm", "[Lstm(input: 3, hidden: 5)]" },
        { "lstm_l2_bi", "[Lstm(input: 3, hidden: 4, Layers = 2, Bidirectional = true)]" },
        { "gru_l2", "[Gru(input: 3, hidden: 5, Layers = 2)]" },
        { "gru_bi_head", "[Gru(input: 3, hidden: 4, Bidirectional = true)]" + Environment.NewLine + "[Dense(input: 8, output: 2)]" },
        { "lstm_gemm_head", "[Lstm(input: 3, hidden: 4)]" + Environment.NewLine + "[Dense(input: 4, output: 2)]" },
        { "gru_batch_first_head", "[Gru(input: 3, hidden: 4)]" + Environment.NewLine + "[Dense(input: 4, output: 2)]" },
    };

    [Theory]
    [MemberData(nameof(Exported))]
    public void ImportedWeightsReproducePyTorchAndOnnxRuntime(string name, string declaration)
    {
        OnnxFixture fixture = OnnxFixture.Load(name);
        ImportedModel imported = OnnxImport.Read(fixture.Path);
        Assert.Equal(declaration, imported.Declaration);

        IRecurrentModel<float> model = Create(name);
        ModelWeights.Load(model, imported.ToWeightFile(), strict: true);
        double[] actual = Run(model, fixture.X, fixture.Steps);
        double[] onnxRuntime = OnnxRuntimeOracle.Run(fixture.Path, fixture.X, fixture.XShape);

        double pyTorch32 = Error.Relative(fixture.YFloat32, fixture.YFloat64);
        double ortError = Error.Relative(onnxRuntime, fixture.YFloat64);
        double bound = Math.Max(2 * pyTorch32, Floor);
        output.WriteLine(
            $"{name}: vs PyTorch float64 rel {Error.Relative(actual, fixture.YFloat64):E2} (max abs {MaxAbs(actual, fixture.YFloat64):E2}), " +
            $"vs PyTorch float32 rel {Error.Relative(actual, fixture.YFloat32):E2} (max abs {MaxAbs(actual, fixture.YFloat32):E2}), " +
            $"vs ONNX Runtime rel {Error.Relative(actual, onnxRuntime):E2} (max abs {MaxAbs(actual, onnxRuntime):E2}); " +
            $"PyTorch float32 {pyTorch32:E2}, ONNX Runtime {ortError:E2} from float64");

        Assert.Contains(actual, v => v != 0);
        Error.AssertWithin(actual, fixture.YFloat64, bound, $"{name} vs PyTorch float64");
        // Two float32 computations are at most their two errors apart.
        Error.AssertWithin(actual, onnxRuntime, bound + ortError, $"{name} vs ONNX Runtime");
    }

    [Theory]
    [MemberData(nameof(Exported))]
    public void TensorsAreTheStateDictBitForBit(string name, string declaration)
    {
        _ = declaration;
        OnnxFixture fixture = OnnxFixture.Load(name);
        ImportedModel imported = OnnxImport.Read(fixture.Path);
        WeightFile file = imported.ToWeightFile();

        // Without a head the stack's tensors are the nn.LSTM/nn.GRU's own (no "rnn." prefix).
        var expected = fixture.StateDict.ToDictionary(p => imported.Head is null ? p.Key["rnn.".Length..] : p.Key, p => p.Value);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), imported.TensorNames.Order(StringComparer.Ordinal));
        foreach ((string tensor, (float[] values, int[] shape)) in expected)
        {
            Assert.Equal(shape.Select(d => (long)d), file.GetInfo(tensor).Shape.ToArray());
            float[] read = file.Read<float>(tensor);
            Assert.True(
                values.Select(BitConverter.SingleToInt32Bits).SequenceEqual(read.Select(BitConverter.SingleToInt32Bits)),
                $"{name}: {tensor} differs from the state_dict");
        }
    }

    /// <summary>
    /// Graphs with no PyTorch record: an initial state that is a graph input (sliced per layer), a stored zero one, and a
    /// Gemm head with alpha = 0.5, beta = 2 folded into its weights. Against ONNX Runtime, with RnnGen's float64
    /// reference model as the truth.
    /// </summary>
    [Theory]
    [InlineData("lstm_state_input", "[Lstm(input: 3, hidden: 4, Layers = 2)]", "initial_h comes from 'h0' (a graph input): the caller's state")]
    [InlineData("ok_zero_initial_h", "[Lstm(input: 3, hidden: 4)]", "initial_h is zeros, RnnGen's default initial state")]
    [InlineData("gemm_alpha_beta", "[Lstm(input: 3, hidden: 4)]\n[Dense(input: 4, output: 2)]", "head 'head' (Gemm, transB=0): B 'head_B' [4, 2] → head.weight [2, 4] (transposed), C 'head_C' [2] → head.bias")]
    public void HandBuiltGraphsImportAndMatchOnnxRuntime(string name, string declaration, string note)
    {
        string path = OnnxFixture.PathOf(name);
        ImportedModel imported = OnnxImport.Read(path);
        Assert.Equal(declaration.Replace("\n", Environment.NewLine, StringComparison.Ordinal), imported.Declaration);
        Assert.Contains(imported.Mapping, line => line.Contains(note, StringComparison.Ordinal));

        IRecurrentModel<float> model = Create(name);
        ModelWeights.Load(model, imported.ToWeightFile(), strict: true);
        var reference = new ReferenceModel<double>(model.Shape);
        ModelWeights.Load(reference, imported.ToWeightFile(), strict: true);

        const int Steps = 5;
        float[] x = Enumerable.Range(0, Steps * 3).Select(i => MathF.Sin(0.7f * i + 0.3f)).ToArray();
        double[] actual = Run(model, x, Steps);
        double[] truth = Run(reference, x.Select(v => (double)v).ToArray(), Steps);
        double[] onnxRuntime = OnnxRuntimeOracle.Run(path, x, [Steps, 1, 3]);
        double ortError = Error.Relative(onnxRuntime, truth);
        output.WriteLine($"{name}: vs float64 reference rel {Error.Relative(actual, truth):E2}, vs ONNX Runtime rel {Error.Relative(actual, onnxRuntime):E2} (max abs {MaxAbs(actual, onnxRuntime):E2}); ONNX Runtime {ortError:E2} from float64");
        Error.AssertWithin(actual, truth, Floor, $"{name} vs float64 reference");
        Error.AssertWithin(actual, onnxRuntime, Floor + ortError, $"{name} vs ONNX Runtime");
    }

    [Fact]
    public void MappingNamesTheNodesTheGateOrderAndTheHead()
    {
        ImportedModel imported = OnnxImport.Read(OnnxFixture.PathOf("gru_bi_head"));

        Assert.Equal("ONNX node '/rnn/GRU' (MatMul+Add head)", imported.Origin);
        Assert.Contains(imported.Mapping, l => l.StartsWith("'/rnn/GRU' direction 1: W[1] [12, 3] → weight_ih_l0_reverse", StringComparison.Ordinal) && l.EndsWith("(gates z,r,h → r,z,n)", StringComparison.Ordinal));
        Assert.Contains(imported.Mapping, l => l.StartsWith("head '/head/MatMul' (MatMul):", StringComparison.Ordinal));
        Assert.Equal("true", imported.ToWeightFile().Metadata["rnngen.gru.reset_after"]);
        Assert.Equal("ONNX node '/rnn/LSTM' (+1 stacked)", OnnxImport.Read(OnnxFixture.PathOf("lstm_l2_bi")).Origin);
    }

    internal static IRecurrentModel<float> Create(string name) => name switch
    {
        "lstm" => new OnnxLstm(),
        "lstm_l2_bi" => new OnnxLstmL2Bi(),
        "gru_l2" => new OnnxGruL2(),
        "gru_bi_head" => new OnnxGruBiHead(),
        "lstm_gemm_head" => new OnnxLstmGemmHead(),
        "gru_batch_first_head" => new OnnxGruBatchFirstHead(),
        "lstm_state_input" => new OnnxLstmStateInput(),
        "ok_zero_initial_h" => new OnnxLstmZeroInitialH(),
        "gemm_alpha_beta" => new OnnxLstmGemmHead(),
        _ => throw new ArgumentException($"no generated class for '{name}'", nameof(name)),
    };

    internal static double[] Run(IRecurrentModel<float> model, float[] x, int steps)
    {
        var outputs = new float[steps * model.OutputSize];
        model.Forward(x, outputs, new float[model.StateSize], model.CreateWorkspace(steps));
        return outputs.Select(v => (double)v).ToArray();
    }

    private static double[] Run(IRecurrentModel<double> model, double[] x, int steps)
    {
        var outputs = new double[steps * model.OutputSize];
        model.Forward(x, outputs, new double[model.StateSize], model.CreateWorkspace(steps));
        return outputs;
    }

    internal static double MaxAbs(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();
}
