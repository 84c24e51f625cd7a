using System.Text.Json;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>The tagger's nn.Linear head ("head." in PyTorch's whole-model state_dict) in a generated [Dense] layer.</summary>
[Dense(input: 13, output: 4)] public partial class TaggerHead;

/// <summary>
/// Dense layers read and write nn.Linear's tensors (<c>{prefix}weight</c> [M, N], <c>{prefix}bias</c> [M]) in the files
/// the cells use: PyTorch's model loads and reproduces PyTorch's logits, saving gives PyTorch's bytes back, and a file
/// that does not fit is refused with the parameters untouched.
/// </summary>
public class DenseWeightsTests
{
    private const double Floor = 2e-6;

    [Fact]
    public void PyTorchHeadLoadsFromTheWholeModelFileAndReproducesItsLogits()
    {
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("tagger"));
        var rnn = new Lstm7x13();
        rnn.LoadWeights(file, "rnn.", strict: true);
        var head = new TaggerHead(new Random(1));
        head.LoadWeights(file, "head.", strict: true);
        Assert.Equal(file.Read<float>("head.weight"), head.Weight.ToArray());
        Assert.Equal(file.Read<float>("head.bias"), head.Bias.ToArray());

        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(SafeTensorsFiles.Directory, "tagger.expected.json")));
        JsonElement root = expected.RootElement;
        int steps = root.GetProperty("steps").GetInt32();
        float[] inputs = root.GetProperty("inputs").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        float[] outputs = new float[steps * Lstm7x13.HiddenSize], logits = new float[steps * TaggerHead.OutputSize];
        rnn.Forward(inputs, outputs, new float[Lstm7x13.StateSize]);
        head.Forward(outputs, logits);   // every step's h in one call

        double[] truth = Doubles(root, "float64"), torch32 = Doubles(root, "float32");
        double bound = Math.Max(2 * Error.Relative(torch32, truth), Floor);
        Error.AssertWithin(FixtureRunner.Widen<float>(logits), truth, bound, "tagger logits through the generated head");
    }

    [Fact]
    public void SavingTheLoadedModelGivesPyTorchsBytesBack()
    {
        byte[] original = SafeTensorsFiles.Bytes("tagger");
        var file = WeightFile.Parse(original);
        var rnn = new Lstm7x13();
        var head = new TaggerHead();
        rnn.LoadWeights(file, "rnn.");
        head.LoadWeights(file, "head.");

        var saved = new WeightFile();
        rnn.SaveWeights(saved, "rnn.");
        head.SaveWeights(saved, "head.");
        Assert.Equal(original, saved.ToArray());
    }

    [Fact]
    public void GeneratedAndReferenceLayersRoundTripThroughAFileAndAStream()
    {
        var source = new Dense13x5(new Random(2));
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-dense-{Guid.NewGuid():N}.safetensors");
        try
        {
            source.SaveWeights(path, "out.");
            var reference = new ReferenceDense<double>(13, 5);
            reference.LoadWeights(path, "out.", strict: true);
            Assert.Equal(FixtureRunner.Widen<float>(source.Parameters), reference.Parameters.ToArray());

            using var stream = new MemoryStream();
            reference.SaveWeights(stream);   // F64
            stream.Position = 0;
            var copy = new Dense13x5(new Random(3));
            copy.LoadWeights(stream);
            Assert.Equal(source.Parameters.ToArray(), copy.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AMissingPrefixIsRefusedWithTheLikelyFix()
    {
        var head = new TaggerHead(new Random(4));
        float[] before = head.Parameters.ToArray();
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("tagger"));
        SafeTensorsFiles.AssertWeightError(() => head.LoadWeights(file), WeightFileErrors.MismatchKind, "weight: not found", "pass prefix \"head.\"?");
        Assert.Equal(before, head.Parameters.ToArray());
    }

    [Fact]
    public void AWrongShapeIsRefusedAndATransposeIsNamed()
    {
        var file = new WeightFile();
        file.Write<float>("head.weight", new float[13 * 4], [13, 4]);
        file.Write<float>("head.bias", new float[4], [4]);
        var head = new TaggerHead(new Random(5));
        float[] before = head.Parameters.ToArray();
        SafeTensorsFiles.AssertWeightError(() => head.LoadWeights(file, "head."), WeightFileErrors.MismatchKind,
            "head.weight: expected [4, 13], found [13, 4]", "transposed?");
        Assert.Equal(before, head.Parameters.ToArray());

        file.Write<float>("head.weight", new float[4 * 13], [4, 13]);
        file.Write<float>("head.bias", new float[5], [5]);
        SafeTensorsFiles.AssertWeightError(() => head.LoadWeights(file, "head."), WeightFileErrors.MismatchKind, "head.bias: expected [4], found [5]");
        Assert.Equal(before, head.Parameters.ToArray());
    }

    [Fact]
    public void StrictLoadRefusesExtraTensorsUnderThePrefix()
    {
        var file = WeightFile.Load(SafeTensorsFiles.PathOf("tagger"));
        file.Write<float>("head.scale", [1f], [1]);
        var head = new TaggerHead();
        SafeTensorsFiles.AssertWeightError(() => head.LoadWeights(file, "head.", strict: true), WeightFileErrors.MismatchKind, "strict load", "head.scale");
        head.LoadWeights(file, "head.");   // not strict: the extra tensor is someone else's business
    }

    private static double[] Doubles(JsonElement root, string precision) =>
        root.GetProperty(precision).GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
