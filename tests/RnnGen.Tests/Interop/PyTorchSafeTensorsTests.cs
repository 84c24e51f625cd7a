using System.Numerics;
using System.Text.Json;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>
/// Files PyTorch wrote (tests/fixtures/safetensors, from make_fixtures.py) load into generated and reference cells
/// exactly, reproduce PyTorch's outputs and gradients, and come back out byte for byte.
/// </summary>
public class PyTorchSafeTensorsTests
{
    // The acceptance rule of GeneratedParityTests: max(2 × PyTorch's own float32 error, 2e-6) of the float64 truth.
    private const double Floor = 2e-6;

    [Theory]
    [MemberData(nameof(PyTorchFixture.Cases), MemberType = typeof(PyTorchFixture))]
    public void GeneratedCellLoadsThePyTorchExportAndReproducesPyTorch(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        IRecurrentCell<float> cell = GeneratedCells.Create(fixture.Kind, fixture.InputSize, fixture.HiddenSize, new Random(1));
        // Through the generated method itself: LoadWeights(string path, string prefix = "", bool strict = false, int layer = 0).
        cell.GetType().GetMethod("LoadWeights", [typeof(string), typeof(string), typeof(bool), typeof(int)])!
            .Invoke(cell, [SafeTensorsFiles.PathOf(name), "", true, 0]);

        Assert.Equal(FixtureRunner.Convert<float>(fixture.Parameters), cell.Parameters.ToArray());
        AssertMatchesPyTorch(FixtureRunner.Run(cell, fixture), fixture, name);
    }

    [Theory]
    [InlineData("lstm_7x13")]
    [InlineData("gru_7x13")]
    public void Float64ExportsLoadIntoFloatAndDoubleCells(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        IRecurrentCell<float> cell = GeneratedCells.Create(fixture.Kind, fixture.InputSize, fixture.HiddenSize);
        CellWeights.Load(cell, SafeTensorsFiles.PathOf(name + "_f64"));
        // The values are float32-exact, so narrowing F64 loses nothing.
        Assert.Equal(FixtureRunner.Convert<float>(fixture.Parameters), cell.Parameters.ToArray());
        AssertMatchesPyTorch(FixtureRunner.Run(cell, fixture), fixture, name + "_f64");

        ReferenceCell<double> reference = fixture.Kind == CellKind.Lstm
            ? new ReferenceLstm<double>(fixture.InputSize, fixture.HiddenSize)
            : new ReferenceGru<double>(fixture.InputSize, fixture.HiddenSize);
        reference.LoadWeights(SafeTensorsFiles.PathOf(name + "_f64"), strict: true);
        Assert.Equal(fixture.Parameters, reference.Parameters.ToArray());
        // The double reference is PyTorch's float64 computation up to summation order.
        CellResults results = FixtureRunner.Run(reference, fixture);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            Error.AssertWithin(results[tensor], fixture.Float64[tensor], 1e-10, $"{name}_f64 reference<double>: {tensor}");
        }
    }

    [Theory]
    [InlineData("lstm_7x13", false)]
    [InlineData("gru_3x5", false)]
    [InlineData("lstm_7x13_f64", true)]
    [InlineData("gru_7x13_f64", true)]
    public void SavingALoadedCellGivesPyTorchsFileByteForByte(string name, bool asDouble)
    {
        // What save_file wrote and what SaveWeights writes are the same bytes: same names, dtype, order and padding.
        byte[] original = SafeTensorsFiles.Bytes(name);
        CellFixture fixture = PyTorchFixture.Load(name.Replace("_f64", ""));
        using var saved = new MemoryStream();
        if (asDouble)
        {
            ReferenceCell<double> reference = fixture.Kind == CellKind.Lstm
                ? new ReferenceLstm<double>(fixture.InputSize, fixture.HiddenSize)
                : new ReferenceGru<double>(fixture.InputSize, fixture.HiddenSize);
            reference.LoadWeights(new MemoryStream(original));
            reference.SaveWeights(saved);
        }
        else
        {
            IRecurrentCell<float> cell = GeneratedCells.Create(fixture.Kind, fixture.InputSize, fixture.HiddenSize);
            CellWeights.Load(cell, new MemoryStream(original));
            cell.GetType().GetMethod("SaveWeights", [typeof(Stream), typeof(string), typeof(int)])!.Invoke(cell, [saved, "", 0]);
        }

        // RnnGen adds one thing to a GRU's file: the metadata entry that says it is PyTorch's GRU. Without it, the same bytes.
        byte[] bytes = saved.ToArray();
        if (fixture.Kind == CellKind.Gru)
        {
            WeightFile file = WeightFile.Load(new MemoryStream(bytes));
            Assert.Equal("true", file.Metadata[WeightMetadata.GruResetAfterKey]);
            file.Metadata.Remove(WeightMetadata.GruResetAfterKey);
            using var withoutEntry = new MemoryStream();
            file.Save(withoutEntry);
            bytes = withoutEntry.ToArray();
        }

        Assert.Equal(original, bytes);
    }

    [Theory]
    [InlineData("tagger")]
    [InlineData("lstm2_5x8")]
    [InlineData("dtypes")]
    [InlineData("gru_8x16")]
    public void AFileReadAndWrittenAgainIsUnchanged(string name)
    {
        // Every tensor (I64 included) and the metadata survive, laid out as the safetensors package lays them out.
        byte[] original = SafeTensorsFiles.Bytes(name);
        Assert.Equal(original, WeightFile.Parse(original).ToArray());
    }

    [Fact]
    public void WholeModelStateDictLoadsWithAPrefixAndTheHeadSharesTheFile()
    {
        CellFixture fixture = PyTorchFixture.Load("lstm_7x13");
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("tagger"));
        var rnn = new Lstm7x13();
        rnn.LoadWeights(file, "rnn.", strict: true);   // strict applies within the prefix: head.* is not rnn.'s business
        Assert.Equal(FixtureRunner.Convert<float>(fixture.Parameters), rnn.Parameters.ToArray());
        AssertMatchesPyTorch(FixtureRunner.Run(rnn, fixture), fixture, "tagger rnn.");

        // The head from the same file, applied to the cell's outputs, gives PyTorch's logits.
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(SafeTensorsFiles.Directory, "tagger.expected.json")));
        JsonElement root = expected.RootElement;
        int steps = root.GetProperty("steps").GetInt32(), classes = root.GetProperty("classes").GetInt32();
        float[] weight = file.Read<float>("head.weight", [classes, Lstm7x13.HiddenSize]);
        float[] bias = file.Read<float>("head.bias", [classes]);
        float[] outputs = new float[steps * Lstm7x13.HiddenSize];
        rnn.Forward(Floats(root.GetProperty("inputs")), outputs, new float[Lstm7x13.StateSize]);
        double[] logits = new double[steps * classes];
        for (int t = 0; t < steps; t++)
        {
            for (int k = 0; k < classes; k++)
            {
                double sum = bias[k];
                for (int j = 0; j < Lstm7x13.HiddenSize; j++)
                {
                    sum += (double)weight[k * Lstm7x13.HiddenSize + j] * outputs[t * Lstm7x13.HiddenSize + j];
                }

                logits[t * classes + k] = sum;
            }
        }

        double[] truth = Doubles(root.GetProperty("float64").GetProperty("logits"));
        double torchError = Error.Relative(Doubles(root.GetProperty("float32").GetProperty("logits")), truth);
        Error.AssertWithin(logits, truth, Math.Max(2 * torchError, Floor), "tagger logits");
    }

    [Fact]
    public void TwoLayerLstmLoadsLayerByLayerAndReproducesPyTorch()
    {
        string path = SafeTensorsFiles.PathOf("lstm2_5x8");
        var layer0 = new Lstm5x8();
        var layer1 = new Lstm8x8();
        layer0.LoadWeights(path, layer: 0);
        layer1.LoadWeights(path, "", false, 1);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(SafeTensorsFiles.Directory, "lstm2_5x8.json")));
        JsonElement root = json.RootElement;
        int steps = root.GetProperty("steps").GetInt32();
        float[] inputs = Floats(root.GetProperty("inputs"));
        float[][] states = Layers(root.GetProperty("initial_state"));
        float[][] stateGradients = Layers(root.GetProperty("state_gradient"));

        // Forward through both layers, then back: layer 1's input gradients are layer 0's output gradients.
        float[] hidden0 = new float[steps * 8], hidden1 = new float[steps * 8];
        Tape<float> tape0 = layer0.CreateTape(steps), tape1 = layer1.CreateTape(steps);
        layer0.Forward(inputs, hidden0, states[0], tape0);
        layer1.Forward(hidden0, hidden1, states[1], tape1);
        float[] dHidden0 = new float[steps * 8], dInputs = new float[steps * 5];
        float[] dParams0 = new float[Lstm5x8.ParameterCount], dParams1 = new float[Lstm8x8.ParameterCount];
        layer1.Backward(tape1, Floats(root.GetProperty("output_gradients")), stateGradients[1], dHidden0, dParams1);
        layer0.Backward(tape0, dHidden0, stateGradients[0], dInputs, dParams0);

        var actual = new (string Name, float[] Values)[]
        {
            ("outputs", hidden1), ("final_state[0]", states[0]), ("final_state[1]", states[1]),
            ("parameter_gradients[0]", dParams0), ("parameter_gradients[1]", dParams1), ("input_gradients", dInputs),
            ("initial_state_gradient[0]", stateGradients[0]), ("initial_state_gradient[1]", stateGradients[1]),
        };
        foreach ((string name, float[] values) in actual)
        {
            double[] truth = Select(root.GetProperty("float64"), name), torch32 = Select(root.GetProperty("float32"), name);
            double bound = Math.Max(2 * Error.Relative(torch32, truth), Floor);
            Error.AssertWithin(values.Select(v => (double)v).ToArray(), truth, bound, $"lstm2_5x8 {name}");
        }
    }

    [Fact]
    public void StrictModeSeesTheOtherLayersUnderTheSamePrefix()
    {
        // strict means "this prefix holds exactly this cell": a 2-layer file under "" holds more.
        var cell = new Lstm5x8(new Random(3));
        float[] before = cell.Parameters.ToArray();
        SafeTensorsFiles.AssertWeightError(() => cell.LoadWeights(SafeTensorsFiles.PathOf("lstm2_5x8"), strict: true),
            WeightFileErrors.MismatchKind, "lstm2_5x8.safetensors", "strict", "4 tensor(s)", "weight_ih_l1");
        Assert.Equal(before, cell.Parameters.ToArray());
    }

    [Theory]
    [InlineData("f16")]
    [InlineData("bf16")]
    [InlineData("f64")]
    public void ConversionsToFloatMatchPyTorchs(string dtype)
    {
        // PyTorch stored each value as F16/BF16/F64 and beside it the float32 it converts that to.
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("dtypes"));
        float[] converted = file.Read<float>($"values_{dtype}");
        float[] torch = file.Read<float>($"values_{dtype}_as_f32", [6, 8]);
        AssertSameFloats(torch, converted);

        // Read as double: F16 and BF16 widen exactly (so they are PyTorch's float32 values); F64 narrows to it.
        double[] widened = file.Read<double>($"values_{dtype}");
        AssertSameFloats(torch, widened.Select(d => (float)d).ToArray());
        if (dtype != "f64")
        {
            Assert.All(widened.Zip(torch), pair => Assert.True(pair.First.Equals((double)pair.Second), $"{pair.First:R} against {pair.Second:R}"));
        }
    }

    [Theory]
    [InlineData("f16", SafeTensorsDType.F16)]
    [InlineData("bf16", SafeTensorsDType.BF16)]
    public void WritingHalfPrecisionRoundsAsPyTorchDoes(string dtype, SafeTensorsDType type)
    {
        // The F64 originals written as F16/BF16 by RnnGen read back as the values PyTorch's .to() produced.
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("dtypes"));
        var written = new WeightFile();
        written.Write<double>("x", file.Read<double>("values_f64"), [6, 8], type);
        WeightFile reread = WeightFile.Parse(written.ToArray());
        Assert.Equal(type, reread.GetInfo("x").DType);
        AssertSameFloats(file.Read<float>($"values_{dtype}_as_f32"), reread.Read<float>("x"));
    }

    [Fact]
    public void MetadataAndNonFloatTensorsAreReadAndANonFloatReadIsRefused()
    {
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("dtypes"));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("RnnGen dtype conversion fixture", file.Metadata["note"]);
        TensorInfo counter = file.GetInfo("counter");
        Assert.Equal(SafeTensorsDType.I64, counter.DType);
        Assert.Empty(counter.Shape);
        Assert.Equal(1, counter.ElementCount);
        SafeTensorsFiles.AssertWeightError(() => file.Read<float>("counter"), WeightFileErrors.MismatchKind,
            "dtypes.safetensors: counter: dtype I64 cannot be read as floating-point");
    }

    internal static void AssertMatchesPyTorch(CellResults actual, CellFixture fixture, string what)
    {
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double bound = Math.Max(2 * fixture.PyTorchFloat32Error(tensor), Floor);
            Error.AssertWithin(actual[tensor], fixture.Float64[tensor], bound, $"{what}: {tensor}");
        }
    }

    private static void AssertSameFloats(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                float.IsNaN(expected[i]) ? float.IsNaN(actual[i]) : BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"[{i}]: {actual[i]:R} against PyTorch's {expected[i]:R}");
        }
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static float[][] Layers(JsonElement array) => array.EnumerateArray().Select(Floats).ToArray();

    /// <summary>"name" or "name[layer]" from a results object.</summary>
    private static double[] Select(JsonElement results, string name)
    {
        int bracket = name.IndexOf('[');
        return bracket < 0
            ? Doubles(results.GetProperty(name))
            : Doubles(results.GetProperty(name[..bracket])[int.Parse(name[(bracket + 1)..^1])]);
    }
}
