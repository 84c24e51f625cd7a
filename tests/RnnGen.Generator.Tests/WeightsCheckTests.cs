using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The build-time check of embedded weights for a whole model, in-process: the header sidecar an <c>RnnGenWeights</c>
/// item gets (see <see cref="WeightsSidecar"/>) is passed to the driver as an AdditionalFiles item, and every tensor of
/// the model's state_dict (module, then head) must be in it with its shape and a floating-point dtype, and a GRU's file
/// must carry its variant's metadata entry (RNNG014: "rnngen.gru.reset_after", absent meaning "true"). Each error is
/// reported at the attribute's <c>Weights = …</c> argument; the code is generated whatever the check finds.
/// (tests/RnnGen.Tests/Interop/BuildTimeDiagnosticsTests.cs covers RNNG008–RNNG012 end to end through dotnet build.)
/// </summary>
public class WeightsCheckTests
{
    private const string File = "model.safetensors";

    /// <summary>A 2-layer bidirectional projected LSTM (I 3, H 5, P 2) with a head of 3 outputs on its D·P = 4.</summary>
    private const string Model = """
        using RnnGen;
        namespace Models;
        [Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2, [|Weights = "model.safetensors"|])]
        [Dense(input: 4, output: 3)]
        public partial class Tagger { }
        """;

    /// <summary>
    /// PyTorch's state_dict of <c>nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)</c> as "rnn" and
    /// <c>nn.Linear(4, 3)</c> as "head", in its order, written out here rather than taken from the generator's layout.
    /// </summary>
    private static List<HeaderEntry> StateDict(string prefix = "")
    {
        var tensors = new List<HeaderEntry>();
        foreach (int layer in new[] { 0, 1 })
        {
            foreach (string suffix in new[] { "", "_reverse" })
            {
                string l = layer.ToString(CultureInfo.InvariantCulture) + suffix;
                tensors.Add(new($"{prefix}rnn.weight_ih_l{l}", [20, layer == 0 ? 3 : 4]));
                tensors.Add(new($"{prefix}rnn.weight_hh_l{l}", [20, 2]));
                tensors.Add(new($"{prefix}rnn.bias_ih_l{l}", [20]));
                tensors.Add(new($"{prefix}rnn.bias_hh_l{l}", [20]));
                tensors.Add(new($"{prefix}rnn.weight_hr_l{l}", [2, 5]));
            }
        }

        tensors.Add(new($"{prefix}head.weight", [3, 4]));
        tensors.Add(new($"{prefix}head.bias", [3]));
        return tensors;
    }

    [Fact]
    public void ACompleteHeaderPasses()
    {
        GeneratorRun run = Run(Model, StateDict());
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
        Assert.Contains("FromEmbeddedWeights", run.Source("Models.Tagger.g.cs"), StringComparison.Ordinal);
        Assert.Equal(22, StateDict().Count);
    }

    /// <summary>Other dtypes of floating point are read too (converted on load); extra tensors and metadata do not matter.</summary>
    [Fact]
    public void FloatDTypesAndExtraTensorsPass()
    {
        string[] dtypes = ["F16", "BF16", "F32", "F64"];
        List<HeaderEntry> tensors = [.. StateDict().Select((t, i) => t with { DType = dtypes[i % dtypes.Length] }), new("optimizer.step", [1], "I64")];
        Assert.Empty(Run(Model, tensors).Diagnostics);
    }

    [Fact]
    public void RNNG010_MissingTensor()
    {
        GeneratorRun run = Run(Model, StateDict().Where(t => t.Name != "rnn.weight_hr_l1_reverse"));
        Expect(run, Model, ("RNNG010", $"'Tagger' needs 'rnn.weight_hr_l1_reverse' from embedded weights '{File}', but the file has no such tensor"));
        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
    }

    [Fact]
    public void RNNG010_MissingHeadTensor() =>
        Expect(Run(Model, StateDict().Where(t => t.Name != "head.bias")),
            Model, ("RNNG010", $"'Tagger' needs 'head.bias' from embedded weights '{File}', but the file has no such tensor"));

    /// <summary>
    /// A stacked model reads every layer of its file; WeightsLayer on it is RNNG013. So a tensor missing from one layer
    /// must not come with the hint to "set WeightsLayer" because other layers have it.
    /// </summary>
    [Fact]
    public void RNNG010_DoesNotSuggestWeightsLayerForAStackedModel()
    {
        GeneratorRun run = Run(Model, StateDict().Where(t => t.Name != "rnn.weight_hr_l1_reverse"));
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.DoesNotContain("WeightsLayer", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>
    /// The same for one bidirectional layer: its file lacks 'weight_hh_l0_reverse' but has the model's own forward
    /// 'weight_hh_l0'; no WeightsLayer would find the reverse one, so the hint must not suggest it either.
    /// </summary>
    [Fact]
    public void RNNG010_DoesNotSuggestWeightsLayerForAMissingReverseDirection()
    {
        const string bidirectional = """
            using RnnGen;
            namespace Models;
            [Gru(input: 3, hidden: 5, Bidirectional = true, [|Weights = "model.safetensors"|])]
            public partial class Tagger { }
            """;
        HeaderEntry[] tensors =
        [
            new("weight_ih_l0", [15, 3]), new("weight_hh_l0", [15, 5]), new("bias_ih_l0", [15]), new("bias_hh_l0", [15]),
            new("weight_ih_l0_reverse", [15, 3]), new("bias_ih_l0_reverse", [15]), new("bias_hh_l0_reverse", [15]),
        ];
        GeneratorRun run = Run(bidirectional, tensors);
        Expect(run, bidirectional, ("RNNG010", $"'Tagger' needs 'weight_hh_l0_reverse' from embedded weights '{File}', but the file has no such tensor"));
        Assert.DoesNotContain("WeightsLayer", Message(run.Diagnostics[0]), StringComparison.Ordinal);
    }

    /// <summary>A file of a module without projection (no weight_hr, weight_hh [20, 5]): every weight_hr is missing, every weight_hh the wrong shape.</summary>
    [Fact]
    public void AFileWithoutProjectionReportsEveryMissingAndMisshapenTensor()
    {
        List<HeaderEntry> unprojected = [.. StateDict()
            .Where(t => !t.Name.Contains("weight_hr", StringComparison.Ordinal))
            .Select(t => t.Name.Contains("weight_hh", StringComparison.Ordinal) ? t with { Shape = [20, 5] } : t)];
        GeneratorRun run = Run(Model, unprojected);

        string[] layers = ["l0", "l0_reverse", "l1", "l1_reverse"];
        Assert.Equal(layers.Select(l => $"rnn.weight_hr_{l}").Order(StringComparer.Ordinal),
            run.Diagnostics.Where(d => d.Id == "RNNG010").Select(d => Quoted(d, 1)).Order(StringComparer.Ordinal));
        Assert.Equal(layers.Select(l => $"rnn.weight_hh_{l}: expected [20, 2], found [20, 5]").Order(StringComparer.Ordinal),
            run.Diagnostics.Where(d => d.Id == "RNNG011").Select(d => Message(d).Split(File + "': ")[1]).Order(StringComparer.Ordinal));
        Assert.Equal(8, run.Diagnostics.Length);
    }

    [Fact]
    public void RNNG011_HeadWeightOfTheWrongShape() =>
        Expect(Run(Model, StateDict().Select(t => t.Name == "head.weight" ? t with { Shape = [3, 5] } : t)),
            Model, ("RNNG011", $"'Tagger' ([Lstm(input: 3, hidden: 5)]) reads embedded weights '{File}': head.weight: expected [3, 4], found [3, 5]"));

    /// <summary>The upper layers read D·P = 4 values (both directions' projected h), not the model's input size.</summary>
    [Fact]
    public void RNNG011_UpperLayerInputOfTheWrongShape() =>
        Expect(Run(Model, StateDict().Select(t => t.Name == "rnn.weight_ih_l1_reverse" ? t with { Shape = [20, 3] } : t)),
            Model, ("RNNG011", $"'{File}': rnn.weight_ih_l1_reverse: expected [20, 4], found [20, 3]"));

    [Theory]
    [InlineData("rnn.bias_hh_l1", "I64")]
    [InlineData("head.weight", "I32")]
    [InlineData("rnn.weight_hr_l0_reverse", "U8")]
    public void RNNG012_NotFloatingPoint(string name, string dtype) =>
        Expect(Run(Model, StateDict().Select(t => t.Name == name ? t with { DType = dtype } : t)),
            Model, ("RNNG012", $"'Tagger' reads '{name}' from embedded weights '{File}', but its dtype is {dtype}; RnnGen reads F32, F64, F16 and BF16"));

    private const string PrefixedModel = """
        using RnnGen;
        namespace Models;
        [Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2, [|Weights = "model.safetensors"|], WeightsPrefix = "model.")]
        [Dense(input: 4, output: 3)]
        public partial class Tagger { }
        """;

    [Fact]
    public void WeightsPrefix_PrefixesEveryTensorOfModuleAndHead() =>
        Assert.Empty(Run(PrefixedModel, StateDict("model.")).Diagnostics);

    [Fact]
    public void WeightsPrefix_AnUnprefixedFileLacksEveryPrefixedTensor()
    {
        GeneratorRun run = Run(PrefixedModel, StateDict());
        Assert.All(run.Diagnostics, d => Assert.Equal("RNNG010", d.Id));
        Assert.Equal(StateDict("model.").Select(t => t.Name).Order(StringComparer.Ordinal), run.Diagnostics.Select(d => Quoted(d, 1)).Order(StringComparer.Ordinal));
        Assert.Contains("(it has 'rnn.weight_ih_l0': set WeightsPrefix = \"\"?)", Message(run.Diagnostics[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void WeightsPrefix_APrefixedTensorOfTheWrongShapeIsNamedWithThePrefix() =>
        Expect(Run(PrefixedModel, StateDict("model.").Select(t => t.Name == "model.head.weight" ? t with { Shape = [4, 3] } : t)),
            PrefixedModel, ("RNNG011", $"'{File}': model.head.weight: expected [3, 4], found [4, 3]"));

    /// <summary>Name and the head's Name replace "rnn" and "head"; "" drops the module's part.</summary>
    [Theory]
    [InlineData("Name = \"encoder.lstm\"", "Name = \"classifier\"", "encoder.lstm.", "classifier.")]
    [InlineData("Name = \"\"", "Name = \"fc\"", "", "fc.")]
    public void ModuleAndHeadNamesNameTheTensors(string rnnName, string headName, string rnnPrefix, string headPrefix)
    {
        string model = $$"""
            using RnnGen;
            namespace Models;
            [Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2, [|Weights = "model.safetensors"|], {{rnnName}})]
            [Dense(input: 4, output: 3, {{headName}})]
            public partial class Tagger { }
            """;
        List<HeaderEntry> renamed = [.. StateDict().Select(t => t with { Name = t.Name.StartsWith("rnn.", StringComparison.Ordinal) ? rnnPrefix + t.Name[4..] : headPrefix + t.Name[5..] })];
        Assert.Empty(Run(model, renamed).Diagnostics);
        Expect(Run(model, renamed.Where(t => t.Name != headPrefix + "weight")),
            model, ("RNNG010", $"'Tagger' needs '{headPrefix}weight' from embedded weights '{File}'"));
    }

    /// <summary>A GRU model with a head: three gate blocks (3·H rows), no projection, and a model without biases has no bias tensors.</summary>
    [Fact]
    public void AGruModelWithoutBiasesReadsItsOwnTensors()
    {
        const string gru = """
            using RnnGen;
            namespace Models;
            [Gru(input: 3, hidden: 5, Layers = 2, Bias = false, Name = "gru", [|Weights = "model.safetensors"|])]
            [Dense(input: 5, output: 2, Name = "fc")]
            public partial class Tagger { }
            """;
        HeaderEntry[] tensors =
        [
            new("gru.weight_ih_l0", [15, 3]), new("gru.weight_hh_l0", [15, 5]),
            new("gru.weight_ih_l1", [15, 5]), new("gru.weight_hh_l1", [15, 5]),
            new("fc.weight", [2, 5]), new("fc.bias", [2]),
        ];
        Assert.Empty(Run(gru, tensors).Diagnostics);
        Expect(Run(gru, tensors.Select(t => t.Name == "gru.weight_hh_l1" ? t with { Shape = [20, 5] } : t)),
            gru, ("RNNG011", $"'{File}': gru.weight_hh_l1: expected [15, 5], found [20, 5]"));
    }

    private const string ResetBeforeGru = """
        using RnnGen;
        namespace Models;
        [Gru(input: 3, hidden: 5, ResetAfter = false, [|Weights = "model.safetensors"|])]
        public partial class Tagger { }
        """;

    private const string PyTorchGru = """
        using RnnGen;
        namespace Models;
        [Gru(input: 3, hidden: 5, [|Weights = "model.safetensors"|])]
        public partial class Tagger { }
        """;

    /// <summary>nn.GRU(3, 5)'s tensors, the same for both GRUs: only the metadata entry tells them apart.</summary>
    private static readonly HeaderEntry[] GruTensors =
        [new("weight_ih_l0", [15, 3]), new("weight_hh_l0", [15, 5]), new("bias_ih_l0", [15]), new("bias_hh_l0", [15])];

    private static GeneratorRun RunGru(string markup, params (string Key, string Value)[] metadata) =>
        GeneratorHarness.RunWithAdditionalTexts([WeightsSidecar.For(File, GruTensors, metadata)], Markup.Parse(markup).Source);

    [Fact]
    public void EachGruReadsAFileOfItsOwnVariant()
    {
        Assert.Empty(RunGru(ResetBeforeGru, ("rnngen.gru.reset_after", "false")).Diagnostics);
        Assert.Empty(RunGru(PyTorchGru, ("rnngen.gru.reset_after", "true")).Diagnostics);
        Assert.Empty(RunGru(PyTorchGru).Diagnostics);   // PyTorch writes no entry: its own GRU
    }

    [Fact]
    public void RNNG014_AResetBeforeGruRefusesAPyTorchFile() =>
        Expect(RunGru(ResetBeforeGru), ResetBeforeGru, ("RNNG014",
            $"'Tagger' reads embedded weights '{File}' of another GRU: metadata entry 'rnngen.gru.reset_after' is absent, which means \"true\" (a PyTorch file); this model is a reset-before GRU (ResetAfter = false: Keras reset_after=False, ONNX linear_before_reset=0) and expects \"false\""));

    [Fact]
    public void RNNG014_AResetBeforeGruRefusesAFileMarkedTrue() =>
        Expect(RunGru(ResetBeforeGru, ("rnngen.gru.reset_after", "true")), ResetBeforeGru, ("RNNG014", "metadata entry 'rnngen.gru.reset_after' is \"true\"; this model is a reset-before GRU"));

    [Fact]
    public void RNNG014_PyTorchsGruRefusesAResetBeforeFile() =>
        Expect(RunGru(PyTorchGru, ("rnngen.gru.reset_after", "false")), PyTorchGru, ("RNNG014",
            $"'Tagger' reads embedded weights '{File}' of another GRU: metadata entry 'rnngen.gru.reset_after' is \"false\"; this model is PyTorch's GRU (reset gate after W_hn·h + b_hn) and expects \"true\""));

    /// <summary>An LSTM has one variant: the entry means nothing to it.</summary>
    [Fact]
    public void AnLstmIgnoresTheEntry()
    {
        (string source, _) = Markup.Parse(Model);
        Assert.Empty(GeneratorHarness.RunWithAdditionalTexts([WeightsSidecar.For(File, StateDict(), ("rnngen.gru.reset_after", "false"))], source).Diagnostics);
    }

    [Fact]
    public void RNNG008_NoSidecar()
    {
        (string source, _) = Markup.Parse(Model);
        Expect(GeneratorHarness.RunWithAdditionalTexts([], source),
            Model, ("RNNG008", $"'Tagger' names embedded weights '{File}', but the project has no <RnnGenWeights Include=\"{File}\" /> item"));
    }

    [Fact]
    public void RNNG008_ASidecarOfAnotherCaseIsHinted()
    {
        (string source, _) = Markup.Parse(Model);
        Expect(GeneratorHarness.RunWithAdditionalTexts([WeightsSidecar.For("Model.safetensors", StateDict())], source),
            Model, ("RNNG008", "(there is one for 'Model.safetensors'; names are case-sensitive)"));
    }

    /// <summary>A file the build could not read: the targets' error line is the whole message.</summary>
    [Fact]
    public void RNNG009_AnUnreadableFile()
    {
        (string source, _) = Markup.Parse(Model);
        Expect(GeneratorHarness.RunWithAdditionalTexts([WeightsSidecar.Unreadable(File, "cannot read /repo/model.safetensors: Permission denied")], source),
            Model, ("RNNG009", $"'Tagger' names embedded weights '{File}', which is not a valid safetensors file: cannot read /repo/model.safetensors: Permission denied"));
    }

    /// <summary>Every rule, with the runtime's words, is in SafeTensorsValidatorTests; here, the one at the attribute.</summary>
    [Fact]
    public void RNNG009_AHeaderOfTheWrongDType()
    {
        (string source, _) = Markup.Parse(Model);
        string text = WeightsSidecar.Text(File, StateDict()).Replace("\"dtype\":\"F32\"", "\"dtype\":\"F33\"", StringComparison.Ordinal);
        Expect(GeneratorHarness.RunWithAdditionalTexts([new InMemoryAdditionalText($"/obj/rnngen/{File}.rnngen", text)], source),
            Model, ("RNNG009", $"'Tagger' names embedded weights '{File}', which is not a valid safetensors file: rnn.weight_ih_l0: unknown dtype 'F33'"));
    }

    /// <summary>The header is validated as the runtime reader validates it: offsets must tile the data section.</summary>
    [Fact]
    public void RNNG009_AHeaderWhoseOffsetsDoNotAddUp()
    {
        (string source, _) = Markup.Parse(Model);
        string text = WeightsSidecar.Text(File, StateDict()).Replace("\nlength: ", "\nlength: 1", StringComparison.Ordinal);
        Expect(GeneratorHarness.RunWithAdditionalTexts([new InMemoryAdditionalText($"/obj/rnngen/{File}.rnngen", text)], source),
            Model, ("RNNG009", $"'Tagger' names embedded weights '{File}', which is not a valid safetensors file: the data section has"));
    }

    /// <summary>Runs the generator over <paramref name="markup"/> with the sidecar of a file holding <paramref name="tensors"/>.</summary>
    private static GeneratorRun Run(string markup, IEnumerable<HeaderEntry> tensors) =>
        GeneratorHarness.RunWithAdditionalTexts([WeightsSidecar.For(File, tensors)], Markup.Parse(markup).Source);

    /// <summary>Asserts exactly <paramref name="expected"/> were reported, as errors at the one span marked in <paramref name="markup"/>, and the code was generated.</summary>
    private static void Expect(GeneratorRun run, string markup, params (string Id, string Message)[] expected)
    {
        LinePositionSpan span = Assert.Single(Markup.Parse(markup).Spans);
        Assert.True(run.Diagnostics.Length == expected.Length,
            $"Expected {expected.Length} diagnostic(s), reported:\n{string.Join("\n", run.Diagnostics.Select(d => $"  {d.Id} at {d.Location.GetLineSpan().Span}: {Message(d)}"))}");
        foreach ((string id, string message) in expected)
        {
            Diagnostic? match = run.Diagnostics.FirstOrDefault(d => d.Id == id && Message(d).Contains(message, StringComparison.Ordinal));
            Assert.True(match is not null, $"Expected {id} containing \"{message}\"; reported:\n{string.Join("\n", run.Diagnostics.Select(d => $"  {d.Id}: {Message(d)}"))}");
            Assert.Equal(DiagnosticSeverity.Error, match.Severity);
            Assert.Equal("Source0.cs", match.Location.GetLineSpan().Path);
            Assert.Equal(span, match.Location.GetLineSpan().Span);
        }

        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
    }

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>The <paramref name="index"/>th quoted name of a message ('Tagger' is 0).</summary>
    private static string Quoted(Diagnostic diagnostic, int index) => Message(diagnostic).Split('\'')[2 * index + 1];
}
