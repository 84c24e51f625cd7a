using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Interop;

// The fixtures' shapes that GeneratedModels does not already have (8x16 and the 5x8 without biases it has).
[Gru(input: 5, hidden: 8, Layers = 2, ResetAfter = false)] public partial class OnnxGruRbL2;
[Gru(input: 5, hidden: 8, Bidirectional = true, ResetAfter = false)] public partial class OnnxGruRbBi;
[Gru(input: 7, hidden: 13, Layers = 2, Bidirectional = true, ResetAfter = false)] public partial class OnnxGruRbL2Bi13;

/// <summary>
/// The reset-before GRU against an independent implementation: ONNX Runtime's <c>GRU</c> operator with
/// <c>linear_before_reset = 0</c>, which PyTorch cannot express. tests/fixtures/reset_before/make_reset_before_fixtures.py
/// builds each graph (one node per layer, forward or bidirectional, with and without biases) and writes the same weights
/// in PyTorch's names with the metadata entry "rnngen.gru.reset_after" = "false", plus the input sequence and the initial
/// state; here ONNX Runtime runs the graph and the generated class (and the double reference) runs the file.
/// </summary>
/// <remarks>
/// The rule is the float32 parity rule of the generated cells (GeneratedParityTests): each float32 implementation is
/// within 2e-6 of the largest entry of the float64 truth (Error.Relative: max |a − b| ÷ max |b|), so the two float32
/// implementations agree within 4e-6. Measured: see the test output.
/// </remarks>
public sealed class OnnxRuntimeResetBeforeTests(ITestOutputHelper output)
{
    private const double Floor = 2e-6, BetweenFloats = 2 * Floor;

    private static readonly string Directory = Path.Combine(PyTorchFixture.Directory, "reset_before");

    public static TheoryData<string> Cases => new(["gru_rb_8x16", "gru_rb_nobias_5x8", "gru_rb_l2_5x8", "gru_rb_bi_5x8", "gru_rb_l2_bi_7x13"]);

    private static IRecurrentModel<float> Create(string name) => name switch
    {
        "gru_rb_8x16" => new GruRb8x16(),
        "gru_rb_nobias_5x8" => new GruRbNoBias(),
        "gru_rb_l2_5x8" => new OnnxGruRbL2(),
        "gru_rb_bi_5x8" => new OnnxGruRbBi(),
        "gru_rb_l2_bi_7x13" => new OnnxGruRbL2Bi13(),
        _ => throw new ArgumentException($"no class for fixture '{name}'", nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedClassMatchesOnnxRuntime(string name)
    {
        IRecurrentModel<float> model = Create(name);
        Assert.False(model.Shape.ResetAfter);
        ModelWeights.Load(model, Path.Combine(Directory, name + ".safetensors"), strict: true);
        WeightFile inputs = WeightFile.Load(Path.Combine(Directory, "inputs.safetensors"));
        float[] x = inputs.Read<float>(name + ".x"), initial = inputs.Read<float>(name + ".h0");
        int steps = x.Length / model.InputSize;
        Assert.Equal(model.StateSize, initial.Length);

        // ONNX Runtime: X [T, 1, I] → output [T, D·H], state [L·D·H] (the script lays them out as RnnGen does).
        using var session = new InferenceSession(Path.Combine(Directory, name + ".onnx"));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(
            [NamedOnnxValue.CreateFromTensor("X", new DenseTensor<float>(x, [steps, 1, model.InputSize]))]);
        double[] onnxOutputs = Widen(results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray());
        double[] onnxState = Widen(results.Single(r => r.Name == "state").AsEnumerable<float>().ToArray());

        // RnnGen: the generated float class and the double reference on the same file.
        float[] outputs = new float[steps * model.OutputSize], state = (float[])initial.Clone();
        model.Forward(x, outputs, state, model.CreateWorkspace(steps));
        var reference = new ReferenceModel<double>(model.Shape);
        reference.LoadWeights(Path.Combine(Directory, name + ".safetensors"), strict: true);
        double[] truthOutputs = new double[outputs.Length], truthState = Widen(initial);
        reference.Forward(Widen(x), truthOutputs, truthState, reference.CreateWorkspace(steps));

        Assert.Equal(truthOutputs.Length, onnxOutputs.Length);
        Assert.Equal(truthState.Length, onnxState.Length);
        foreach ((string what, double[] rnnGen, double[] onnx, double[] truth) in new[]
        {
            ("outputs", Widen(outputs), onnxOutputs, truthOutputs),
            ("final state", Widen(state), onnxState, truthState),
        })
        {
            double vsOnnx = Error.Relative(rnnGen, onnx), rnnGenVsTruth = Error.Relative(rnnGen, truth), onnxVsTruth = Error.Relative(onnx, truth);
            output.WriteLine($"{name} {what}: RnnGen vs ONNX Runtime {vsOnnx:E2}, RnnGen vs double reference {rnnGenVsTruth:E2}, ONNX Runtime vs double reference {onnxVsTruth:E2}");
            Error.AssertWithin(onnx, truth, Floor, $"{name}: ONNX Runtime's {what} against the double reference");
            Error.AssertWithin(rnnGen, truth, Floor, $"{name}: RnnGen's {what} against the double reference");
            Error.AssertWithin(rnnGen, onnx, BetweenFloats, $"{name}: RnnGen's {what} against ONNX Runtime's");
        }
    }

    /// <summary>The oracle tells the variants apart: PyTorch's GRU on the same tensors is far from ONNX Runtime's reset-before output.</summary>
    [Fact]
    public void PyTorchsGruOnTheSameTensorsIsFarFromIt()
    {
        const string name = "gru_rb_8x16";
        var reference = new ReferenceGru<double>(8, 16, resetAfter: true);
        WeightFile file = WeightFile.Load(Path.Combine(Directory, name + ".safetensors"));
        file.Metadata.Remove(WeightMetadata.GruResetAfterKey);   // now it reads as PyTorch's file
        reference.LoadWeights(file);
        WeightFile inputs = WeightFile.Load(Path.Combine(Directory, "inputs.safetensors"));
        float[] x = inputs.Read<float>(name + ".x");
        double[] outputs = new double[x.Length / 8 * 16], state = Widen(inputs.Read<float>(name + ".h0"));
        reference.Forward(Widen(x), outputs, state);

        using var session = new InferenceSession(Path.Combine(Directory, name + ".onnx"));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(
            [NamedOnnxValue.CreateFromTensor("X", new DenseTensor<float>(x, [x.Length / 8, 1, 8]))]);
        double[] onnx = Widen(results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray());
        double error = Error.Relative(outputs, onnx);
        output.WriteLine($"PyTorch's GRU vs ONNX Runtime's reset-before GRU on the same tensors: {error:E2}");
        Assert.True(error > 1e-3, $"the variants differ by only {error:E2}");
    }

    private static double[] Widen(ReadOnlySpan<float> values) => FixtureRunner.Widen(values);
}
