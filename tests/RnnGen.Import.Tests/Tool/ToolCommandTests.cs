using RnnGen.Import.Tests.Keras;
using RnnGen.Import.Tests.Onnx;
using RnnGen.IO;
using RnnGen.Tool;
using Xunit;

namespace RnnGen.Import.Tests.Tool;

/// <summary>The rnngen command in process: what it prints, what it writes, and its exit codes.</summary>
public sealed class ToolCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-tool-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ConvertWritesTheWeightsAndPrintsTheMappingAndDeclaration()
    {
        string target = Path.Combine(_folder, "gru.safetensors");

        (int code, string output, string error) = Run("convert", OnnxFixture.PathOf("gru_bi_head"), "-o", target);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains($"Read {OnnxFixture.PathOf("gru_bi_head")}: ONNX node '/rnn/GRU' (MatMul+Add head)", output, StringComparison.Ordinal);
        Assert.Contains("  '/rnn/GRU' direction 0: W[0] [12, 3] → weight_ih_l0", output, StringComparison.Ordinal);
        Assert.Contains($"Declaration:{Environment.NewLine}  [Gru(input: 3, hidden: 4, Bidirectional = true)]{Environment.NewLine}  [Dense(input: 8, output: 2)]", output, StringComparison.Ordinal);
        Assert.Contains($"Wrote {target} (10 tensors, stack under 'rnn.', head under 'head.')", output, StringComparison.Ordinal);

        var model = new OnnxGruBiHead();
        model.LoadWeights(target, strict: true);
        Assert.Equal(OnnxImport.Read(OnnxFixture.PathOf("gru_bi_head")).ToWeightFile().ToArray(), WeightFile.Load(target).ToArray());
    }

    [Fact]
    public void ConvertReadsKerasFilesToo()
    {
        string source = KerasFixture.Load("k3_bilstm_dense.keras").Path;
        string target = Path.Combine(_folder, "keras.safetensors");

        (int code, string output, string error) = Run("convert", source, "-o", target);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains($"Declaration:{Environment.NewLine}  [Lstm(input: 3, hidden: 4, Bidirectional = true)]{Environment.NewLine}  [Dense(input: 8, output: 2)]", output, StringComparison.Ordinal);
        var model = new KerasBiLstmDense();
        model.LoadWeights(target, strict: true);
        Assert.Equal(KerasImport.Read(source).ToWeightFile().ToArray(), WeightFile.Load(target).ToArray());

        string refused = Path.Combine(KerasFixture.Directory, "invalid_hard_sigmoid.keras");
        (code, output, error) = Run("convert", refused, "-o", target);
        Assert.Equal(1, code);
        Assert.Contains("hard_sigmoid", error, StringComparison.Ordinal);
        Assert.Equal(KerasImport.Read(source).ToWeightFile().ToArray(), WeightFile.Load(target).ToArray());

        (code, output, _) = Run("inspect", source);
        Assert.Equal(0, code);
        Assert.Contains($"    [Lstm(input: 3, hidden: 4, Bidirectional = true)]", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad_clip", "bad_clip_node: clip=3 is not supported")]
    [InlineData("two_stacks", "the model has 2 LSTM/GRU stacks; choose one by its first node's name")]
    public void AFailedConvertExitsWithOneLeavesTheTargetAloneAndSaysWhyOnStderr(string name, string problem)
    {
        string target = Path.Combine(_folder, "existing.safetensors");
        File.WriteAllBytes(target, [1, 2, 3]);

        (int code, string output, string error) = Run("convert", OnnxFixture.PathOf(name), "-o", target);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith($"rnngen: {OnnxFixture.PathOf(name)}: ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(target));
        Assert.Equal(["existing.safetensors"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void NodePicksOneOfSeveralStacks()
    {
        string target = Path.Combine(_folder, "decoder.safetensors");

        (int code, string output, _) = Run("convert", OnnxFixture.PathOf("two_stacks"), "--node", "/decoder/GRU", "-o", target);

        Assert.Equal(0, code);
        Assert.Contains("  [Gru(input: 3, hidden: 6)]", output, StringComparison.Ordinal);
        Assert.True(File.Exists(target));
    }

    [Theory]
    [InlineData(2, "rnngen: unknown command 'export'", "export", "m.onnx")]
    [InlineData(2, "rnngen: convert needs a model and -o <out.safetensors>", "convert", "m.onnx")]
    [InlineData(2, "rnngen: -o needs a value", "convert", "m.onnx", "-o")]
    [InlineData(2, "rnngen: unknown option '--nodes'", "convert", "m.onnx", "--nodes", "x", "-o", "y")]
    [InlineData(2, "rnngen: --layer does not apply to ONNX files; use --node", "convert", "FIXTURE", "--layer", "lstm", "-o", "y.safetensors")]
    [InlineData(1, "rnngen: m.txt: unknown model format '.txt' (known: .onnx, .keras, .h5)", "convert", "m.txt", "-o", "y.safetensors")]
    [InlineData(2, "rnngen: --node does not apply to Keras files; use --layer", "convert", "m.keras", "--node", "lstm", "-o", "y.safetensors")]
    [InlineData(1, "rnngen: Could not find file", "convert", "missing.onnx", "-o", "y.safetensors")]
    public void UsageAndFileErrorsHaveTheirExitCodes(int expectedCode, string message, params string[] args)
    {
        args = args.Select(a => a == "FIXTURE" ? OnnxFixture.PathOf("lstm") : a).ToArray();

        (int code, _, string error) = Run(args);

        Assert.Equal(expectedCode, code);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
        Assert.False(File.Exists("y.safetensors"));
    }

    [Fact]
    public void InspectListsEachStackWithItsDeclarationOrWhyNot()
    {
        (int code, string output, _) = Run("inspect", OnnxFixture.PathOf("two_stacks"));
        Assert.Equal(0, code);
        Assert.Contains($"2 LSTM/GRU stacks{Environment.NewLine}  --node /encoder/LSTM{Environment.NewLine}    ONNX node '/encoder/LSTM'{Environment.NewLine}    [Lstm(input: 3, hidden: 4)]", output, StringComparison.Ordinal);
        Assert.Contains("  --node /decoder/GRU", output, StringComparison.Ordinal);

        (code, output, _) = Run("inspect", OnnxFixture.PathOf("bad_reverse"));
        Assert.Equal(0, code);
        Assert.Contains("    not importable: direction 'reverse' alone is not supported", output, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpPrintsUsage()
    {
        (int code, string output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.StartsWith("usage: rnngen convert", output, StringComparison.Ordinal);

        (code, _, string error) = Run();
        Assert.Equal(2, code);
        Assert.StartsWith("usage: rnngen convert", error, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ToolCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
