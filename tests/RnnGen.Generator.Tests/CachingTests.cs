using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The pipeline is incremental: an edit that does not touch a cell's attribute reuses its spec and does not re-emit
/// its code; an edit to the attribute does. Step outputs hold plain values only, never Roslyn objects that would
/// keep a compilation alive (and defeat caching, since they never compare equal across compilations).
/// </summary>
public class CachingTests
{
    private const string Cells = """
        using RnnGen;

        namespace Models;

        [Lstm(input: 3, hidden: 5)]
        public partial class Tagger { }

        [Gru(input: 3, hidden: 5)]
        public partial class Denoiser { }

        [Dense(input: 5, output: 2)]
        public partial class Head { }

        public class Helper
        {
            public int Twice(int x) => 2 * x;
        }
        """;

    public static TheoryData<string, string> SpecSteps => new()
    {
        { TrackingNames.LstmParsed, TrackingNames.LstmSpecs },
        { TrackingNames.GruParsed, TrackingNames.GruSpecs },
        { TrackingNames.DenseParsed, TrackingNames.DenseSpecs },
    };

    [Theory]
    [MemberData(nameof(SpecSteps))]
    public void AddingAnUnrelatedFileReusesEverything(string parsedStep, string specsStep)
    {
        GeneratorRun first = GeneratorHarness.Run(Cells);
        SyntaxTree unrelated = GeneratorHarness.ParseSource(TargetProfile.Net10Latest, "namespace Other; public class Unrelated { }", "Unrelated.cs");
        GeneratorRun second = GeneratorHarness.Rerun(first, first.Input.AddSyntaxTrees(unrelated));

        AssertAllReused(second, parsedStep, specsStep);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Theory]
    [MemberData(nameof(SpecSteps))]
    public void EditingAMethodBodyReusesEverything(string parsedStep, string specsStep)
    {
        GeneratorRun first = GeneratorHarness.Run(Cells);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, "2 * x", "x + x + 1"));

        AssertAllReused(second, parsedStep, specsStep);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void ChangingHiddenModifiesThatSpecAndItsSourceOnly()
    {
        GeneratorRun first = GeneratorHarness.Run(Cells);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, "[Lstm(input: 3, hidden: 5)]", "[Lstm(input: 3, hidden: 6)]"));

        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.LstmSpecs));
        Assert.All(OutputReasons(second, TrackingNames.GruSpecs), AssertReused);
        Assert.Contains(IncrementalStepRunReason.Modified, SourceOutputReasons(second));
        Assert.Contains("public const int HiddenSize = 6;", second.Source("Models.Tagger.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("Models.Denoiser.g.cs"), second.Source("Models.Denoiser.g.cs"));
    }

    [Fact]
    public void ChangingADenseSizeModifiesThatSpecAndItsSourceOnly()
    {
        GeneratorRun first = GeneratorHarness.Run(Cells);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, "[Dense(input: 5, output: 2)]", "[Dense(input: 5, output: 3)]"));

        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.DenseSpecs));
        Assert.All(OutputReasons(second, TrackingNames.LstmSpecs), AssertReused);
        Assert.All(OutputReasons(second, TrackingNames.GruSpecs), AssertReused);
        Assert.Contains("public const int OutputSize = 3;", second.Source("Models.Head.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("Models.Tagger.g.cs"), second.Source("Models.Tagger.g.cs"));
    }

    [Fact]
    public void ChangingHiddenOfAGruModifiesItsSpec()
    {
        GeneratorRun first = GeneratorHarness.Run(Cells);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, "[Gru(input: 3, hidden: 5)]", "[Gru(input: 3, hidden: 7)]"));

        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.GruSpecs));
        Assert.All(OutputReasons(second, TrackingNames.LstmSpecs), AssertReused);
    }

    // ---- Whole models: the options and the head are part of the spec; nothing else is. ----

    private const string Models = """
        using RnnGen;

        namespace Models;

        // The models of the caching tests.
        [Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = false, ProjectionSize = 2, Bias = true, Dropout = 0.25, Name = "lstm")]
        public partial class Encoder { }

        [Gru(input: 3, hidden: 5, Layers = 2, Bidirectional = true)]
        [Dense(input: 10, output: 2, Name = "out")]
        public partial class Classifier { }

        public class Helper
        {
            // Twice x.
            public int Twice(int x) => 2 * x;
        }
        """;

    public static TheoryData<string, string> ModelSpecSteps => new()
    {
        { TrackingNames.LstmParsed, TrackingNames.LstmSpecs },
        { TrackingNames.GruParsed, TrackingNames.GruSpecs },
    };

    /// <summary>Edits outside the attributes: another file, a comment above the models (which moves them), a method body.</summary>
    public static TheoryData<string, string, string> UnrelatedModelEdits()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string edit in new[] { "file", "comment", "body" })
        {
            foreach ((string parsed, string specs) in new[] { (TrackingNames.LstmParsed, TrackingNames.LstmSpecs), (TrackingNames.GruParsed, TrackingNames.GruSpecs) })
            {
                data.Add(edit, parsed, specs);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UnrelatedModelEdits))]
    public void AnUnrelatedEditReusesEveryModelStep(string edit, string parsedStep, string specsStep)
    {
        GeneratorRun first = GeneratorHarness.Run(Models);
        CSharpCompilation edited = edit switch
        {
            "file" => first.Input.AddSyntaxTrees(GeneratorHarness.ParseSource(TargetProfile.Net10Latest, "namespace Other; public class Unrelated { }", "Unrelated.cs")),
            "comment" => Edit(first.Input, "// The models of the caching tests.", "// The models of the caching tests,\n// now on two lines."),
            _ => Edit(first.Input, "2 * x", "x + x"),
        };
        GeneratorRun second = GeneratorHarness.Rerun(first, edited);

        Assert.Empty(second.Diagnostics);
        AssertAllReused(second, parsedStep, specsStep);
        Assert.Equal(Texts(first), Texts(second));
    }

    /// <summary>Every option of the recurrent module is part of its spec: changing one re-emits that model's code, and only its.</summary>
    [Theory]
    [InlineData("Layers = 2", "Layers = 3", "public const int Layers = 3;")]
    [InlineData("Bidirectional = false", "Bidirectional = true", "public const int Directions = 2;")]
    [InlineData("ProjectionSize = 2", "ProjectionSize = 3", "public const int ProjectionSize = 3;")]
    [InlineData("ProjectionSize = 2, ", "", "public const int ProjectionSize = 0;")]
    [InlineData("Bias = true", "Bias = false", "bias: false")]
    [InlineData("Dropout = 0.25", "Dropout = 0.5", "dropout: 0.5")]
    [InlineData("Name = \"lstm\"", "Name = \"encoder\"", "rnnName: \"encoder\"")]
    public void ChangingAModelOptionModifiesThatSpecAndItsSourceOnly(string from, string to, string generated)
    {
        GeneratorRun first = GeneratorHarness.Run(Models);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, from, to));

        Assert.Empty(second.Diagnostics);
        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.LstmSpecs));
        Assert.All(OutputReasons(second, TrackingNames.GruSpecs), AssertReused);
        Assert.Contains(IncrementalStepRunReason.Modified, SourceOutputReasons(second));
        Assert.Contains(generated, second.Source("Models.Encoder.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain(generated, first.Source("Models.Encoder.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("Models.Classifier.g.cs"), second.Source("Models.Classifier.g.cs"));
    }

    /// <summary>The head is read by the model's parser: its output and name are part of the model's spec (the Dense steps see no spec).</summary>
    [Theory]
    [InlineData("[Dense(input: 10, output: 2, Name = \"out\")]", "[Dense(input: 10, output: 4, Name = \"out\")]", "public const int OutputSize = 4;")]
    [InlineData("[Dense(input: 10, output: 2, Name = \"out\")]", "[Dense(input: 10, output: 2, Name = \"fc\")]", "headName: \"fc\"")]
    [InlineData("[Dense(input: 10, output: 2, Name = \"out\")]", "[Dense(input: 10, output: 2)]", "headName: \"head\"")]
    public void ChangingTheHeadModifiesThatModelsSpecAndItsSourceOnly(string from, string to, string generated)
    {
        GeneratorRun first = GeneratorHarness.Run(Models);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, from, to));

        Assert.Empty(second.Diagnostics);
        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.GruSpecs));
        Assert.All(OutputReasons(second, TrackingNames.LstmSpecs), AssertReused);
        Assert.Empty(second.Result.TrackedSteps.GetValueOrDefault(TrackingNames.DenseSpecs, []).SelectMany(s => s.Outputs));
        Assert.Contains(IncrementalStepRunReason.Modified, SourceOutputReasons(second));
        Assert.Contains(generated, second.Source("Models.Classifier.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain(generated, first.Source("Models.Classifier.g.cs"), StringComparison.Ordinal);
        Assert.Equal(first.Source("Models.Encoder.g.cs"), second.Source("Models.Encoder.g.cs"));
    }

    /// <summary>An edit that makes a model invalid removes its code; the edit back restores it; the other model is untouched throughout.</summary>
    [Fact]
    public void AnInvalidatingEditRemovesThatModelsCodeOnly()
    {
        GeneratorRun first = GeneratorHarness.Run(Models);
        GeneratorRun broken = GeneratorHarness.Rerun(first, Edit(first.Input, "[Dense(input: 10, ", "[Dense(input: 9, "));

        Assert.Equal(["RNNG026"], broken.Diagnostics.Select(d => d.Id));
        Assert.Equal(["Models.Encoder.g.cs"], broken.HintNames);
        Assert.All(OutputReasons(broken, TrackingNames.LstmSpecs), AssertReused);
        Assert.Equal([IncrementalStepRunReason.Removed], OutputReasons(broken, TrackingNames.GruSpecs));

        GeneratorRun repaired = GeneratorHarness.Rerun(broken, first.Input);
        Assert.Empty(repaired.Diagnostics);
        Assert.Equal(Texts(first), Texts(repaired));
        Assert.All(OutputReasons(repaired, TrackingNames.LstmSpecs), AssertReused);
        Assert.Equal([IncrementalStepRunReason.New], OutputReasons(repaired, TrackingNames.GruSpecs));
    }

    // ---- Embedded weights: the build-time check runs beside the code, never in its way. ----

    private const string WeightsModel = """
        using RnnGen;

        namespace Models;

        [Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2, Weights = "model.safetensors")]
        [Dense(input: 4, output: 3)]
        public partial class Tagger { }
        """;

    /// <summary>The state_dict WeightsModel reads (see WeightsCheckTests), optionally without one tensor.</summary>
    private static AdditionalText Sidecar(string? without = null)
    {
        var tensors = new List<HeaderEntry>();
        foreach (string l in new[] { "l0", "l0_reverse", "l1", "l1_reverse" })
        {
            tensors.AddRange(
            [
                new($"rnn.weight_ih_{l}", [20, l.StartsWith("l0", StringComparison.Ordinal) ? 3 : 4]), new($"rnn.weight_hh_{l}", [20, 2]),
                new($"rnn.bias_ih_{l}", [20]), new($"rnn.bias_hh_{l}", [20]), new($"rnn.weight_hr_{l}", [2, 5]),
            ]);
        }

        tensors.AddRange([new("head.weight", [3, 4]), new("head.bias", [3])]);
        return WeightsSidecar.For("model.safetensors", tensors.Where(t => t.Name != without));
    }

    /// <summary>A rebuilt weights file (a new sidecar) re-runs the weights check only: the model's parse, spec and code are reused.</summary>
    [Fact]
    public void EditingTheSidecarRerunsOnlyTheWeightsCheck()
    {
        AdditionalText complete = Sidecar();
        GeneratorRun first = GeneratorHarness.RunWithAdditionalTexts([complete], WeightsModel);
        Assert.Empty(first.Diagnostics);

        AdditionalText incomplete = Sidecar(without: "rnn.weight_hr_l1_reverse");
        GeneratorRun second = GeneratorHarness.RerunWithReplacedText(first, complete, incomplete);

        Assert.Equal(["RNNG010"], second.Diagnostics.Select(d => d.Id));
        Assert.Contains("'rnn.weight_hr_l1_reverse'", second.Diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.WeightsHeaders));
        Assert.All(OutputReasons(second, TrackingNames.LstmParsed), AssertReused);
        Assert.All(OutputReasons(second, TrackingNames.LstmSpecs), AssertReused);
        Assert.NotEmpty(CodeOutputReasons(second));
        Assert.All(CodeOutputReasons(second), AssertReused);
        Assert.Contains(WeightsCheckOutputReasons(second), r => r is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified);
        Assert.Equal(Texts(first), Texts(second));

        // And back: the diagnostic goes, the code still stays as it was.
        GeneratorRun third = GeneratorHarness.RerunWithReplacedText(second, incomplete, Sidecar());
        Assert.Empty(third.Diagnostics);
        Assert.All(CodeOutputReasons(third), AssertReused);
        Assert.Equal(Texts(first), Texts(third));
    }

    /// <summary>Re-writing a sidecar with the same header (a rebuild of an unchanged file) re-runs nothing past the header step.</summary>
    [Fact]
    public void RewritingTheSameSidecarReusesTheWeightsCheck()
    {
        AdditionalText complete = Sidecar(without: "head.bias");
        GeneratorRun first = GeneratorHarness.RunWithAdditionalTexts([complete], WeightsModel);
        GeneratorRun second = GeneratorHarness.RerunWithReplacedText(first, complete, Sidecar(without: "head.bias"));

        Assert.Equal(first.Diagnostics.Select(d => d.ToString()), second.Diagnostics.Select(d => d.ToString()));
        Assert.All(OutputReasons(second, TrackingNames.WeightsHeaders), AssertReused);
        Assert.All(SourceOutputReasons(second), AssertReused);
    }

    /// <summary>
    /// A weights file that breaks a format rule (RNNG009, from the validator shared with the runtime) re-runs the weights
    /// check only; the same broken file written again re-runs nothing past the header step.
    /// </summary>
    [Fact]
    public void ABrokenWeightsFileRerunsOnlyTheWeightsCheck()
    {
        AdditionalText complete = Sidecar();
        GeneratorRun first = GeneratorHarness.RunWithAdditionalTexts([complete], WeightsModel);
        Assert.Empty(first.Diagnostics);

        // A file 1000… bytes longer than its tensors: bytes that belong to no tensor.
        AdditionalText Broken() => new InMemoryAdditionalText(complete.Path, complete.GetText()!.ToString().Replace("\nlength: ", "\nlength: 1", StringComparison.Ordinal));
        AdditionalText broken = Broken();
        GeneratorRun second = GeneratorHarness.RerunWithReplacedText(first, complete, broken);

        Diagnostic diagnostic = Assert.Single(second.Diagnostics);
        Assert.Equal("RNNG009", diagnostic.Id);
        Assert.Contains("bytes belong to no tensor", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal([IncrementalStepRunReason.Modified], OutputReasons(second, TrackingNames.WeightsHeaders));
        Assert.All(OutputReasons(second, TrackingNames.LstmSpecs), AssertReused);
        Assert.NotEmpty(CodeOutputReasons(second));
        Assert.All(CodeOutputReasons(second), AssertReused);
        Assert.Contains(WeightsCheckOutputReasons(second), r => r is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified);
        Assert.Equal(Texts(first), Texts(second));

        GeneratorRun third = GeneratorHarness.RerunWithReplacedText(second, broken, Broken());
        Assert.Equal(second.Diagnostics.Select(d => d.ToString()), third.Diagnostics.Select(d => d.ToString()));
        Assert.All(OutputReasons(third, TrackingNames.WeightsHeaders), AssertReused);
        Assert.All(SourceOutputReasons(third), AssertReused);
    }

    /// <summary>
    /// Moving the attribute moves the weights diagnostics (their location is part of the check's input) but does not
    /// re-emit code: the location lives in the weights reference, not in the model's spec.
    /// </summary>
    [Fact]
    public void MovingAModelWithWeightsMovesItsDiagnosticsOnly()
    {
        GeneratorRun first = GeneratorHarness.RunWithAdditionalTexts([Sidecar(without: "head.bias")], WeightsModel);
        GeneratorRun second = GeneratorHarness.Rerun(first, Edit(first.Input, "namespace Models;", "namespace Models;\n\n// Moved down two lines."));

        Diagnostic before = Assert.Single(first.Diagnostics), after = Assert.Single(second.Diagnostics);
        Assert.Equal("RNNG010", after.Id);
        Assert.Equal(before.Location.GetLineSpan().StartLinePosition.Line + 2, after.Location.GetLineSpan().StartLinePosition.Line);
        Assert.All(OutputReasons(second, TrackingNames.LstmSpecs), AssertReused);
        Assert.NotEmpty(CodeOutputReasons(second));
        Assert.All(CodeOutputReasons(second), AssertReused);
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public void ModelPipelineStepOutputsHoldNoRoslynObjects()
    {
        GeneratorRun run = GeneratorHarness.RunWithAdditionalTexts([Sidecar(without: "head.bias")], WeightsModel, Models, """
            using RnnGen;
            [Lstm(3, 5, Layers = 0)] public partial class NoLayers { }
            [Lstm(3, 5, ProjectionSize = 5)] public partial class BadProjection { }
            [Gru(3, 5, Dropout = 0.5)] public partial class OneLayerDropout { }
            [Gru(3, 5, Layers = 2, Dropout = 1)] public partial class BadDropout { }
            [Lstm(3, 5), Dense(4, 2, Name = "a b")] public partial class BadHead { }
            [Gru(3, 5, Layers = 2, Weights = "other.safetensors", WeightsLayer = 1)] public partial class BadLayer { }
            [Gru(3, 5, Weights = "missing.safetensors")] public partial class Missing { }
            [Dense(3, 2)] public partial class Standalone { }
            """);
        GeneratorRun rerun = GeneratorHarness.Rerun(run, Edit(run.Input, "2 * x", "3 * x"));

        // Our named steps (Roslyn's own, such as ForAttributeWithMetadataName's, do hold syntax trees).
        string[] names = [.. typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)];
        foreach (GeneratorRun r in new[] { run, rerun })
        {
            foreach (string name in names)
            {
                Assert.True(r.Result.TrackedSteps.TryGetValue(name, out var steps), $"No tracked step '{name}'.");
                Assert.NotEmpty(steps.SelectMany(s => s.Outputs));
                foreach ((object value, _) in steps.SelectMany(s => s.Outputs))
                {
                    AssertNoRoslynObjects(value, $"{name} output");
                }
            }
        }

        // Tagger: RNNG010; NoLayers 023; BadProjection 024; OneLayerDropout 027; BadDropout 025; BadHead 026 and 028; BadLayer 013; Missing 008.
        Assert.Equal(["RNNG008", "RNNG010", "RNNG013", "RNNG023", "RNNG024", "RNNG025", "RNNG026", "RNNG027", "RNNG028"], run.Diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Mapperly-style guard: walk every value of every named step (valid cells and every diagnostic path) and fail
    /// on a Roslyn object that roots a compilation. Steps are found by reflection, so a new tracking name is covered.
    /// </summary>
    [Fact]
    public void PipelineStepOutputsHoldNoRoslynObjects()
    {
        GeneratorRun run = GeneratorHarness.Run(Cells, """
            using RnnGen;
            [Lstm(input: 3, hidden: 0)] public partial class OutOfRange { }
            [Gru(3, 5)] public class NotPartial<T> { }
            [Lstm(3, 5), Gru(3, 5)] public partial class Both { }
            [Lstm(3, 5)] public partial class Collides { public void Step() { } }
            public class Outer { [Gru(3, 5)] public partial class Inner { } }
            [Dense(3, 0)] public partial class BadHead { }
            [Dense(3, 2), Lstm(3, 5)] public partial class CellAndHead { }
            """);
        GeneratorRun rerun = GeneratorHarness.Rerun(run, Edit(run.Input, "2 * x", "3 * x"));

        string[] names = [.. typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)];
        Assert.Contains(TrackingNames.LstmSpecs, names);
        foreach (GeneratorRun r in new[] { run, rerun })
        {
            // The cell steps always run; a step such as WeightsHeaders runs only when a cell names embedded weights.
            foreach (string core in new[] { TrackingNames.LstmParsed, TrackingNames.GruParsed, TrackingNames.LstmSpecs, TrackingNames.GruSpecs, TrackingNames.DenseParsed, TrackingNames.DenseSpecs })
            {
                Assert.True(r.Result.TrackedSteps.ContainsKey(core), $"No tracked step '{core}'.");
            }

            foreach (string name in names)
            {
                if (!r.Result.TrackedSteps.TryGetValue(name, out var steps))
                {
                    continue;
                }

                foreach (IncrementalGeneratorRunStep step in steps)
                {
                    foreach ((object value, _) in step.Outputs)
                    {
                        AssertNoRoslynObjects(value, $"{name} output");
                    }
                }
            }
        }

        // OutOfRange 1, NotPartial<T> 2 (generic, not partial), Both 1, Collides 1, Outer.Inner 1, BadHead 1, CellAndHead 1 (a head of input 3 on 5 hidden: RNNG026).
        Assert.Equal(8, run.Diagnostics.Length);
    }

    [Fact]
    public void TheWalkFindsARoslynObject()
    {
        var holder = new { Name = "x", Nested = new object[] { 1, new List<object> { CSharpSyntaxTree.ParseText("class C { }").GetRoot() } } };
        Assert.ThrowsAny<Exception>(() => AssertNoRoslynObjects(holder, "probe"));
    }

    private static readonly Type[] Forbidden = [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location), typeof(Compilation), typeof(SemanticModel)];

    private static void AssertNoRoslynObjects(object root, string path)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(object Value, string Path)>();
        pending.Push((root, path));
        while (pending.Count > 0)
        {
            (object value, string at) = pending.Pop();
            Type type = value.GetType();
            Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{at} holds a {type.FullName}.");

            // Leaves: values with nothing Roslyn inside, and reflection or delegate objects whose internals are the runtime's.
            if (type.IsPrimitive || type.IsEnum || value is string or MemberInfo or Delegate || (!type.IsValueType && !seen.Add(value)))
            {
                continue;
            }

            if (value is IEnumerable items and not string)
            {
                int i = 0;
                foreach (object? item in items)
                {
                    if (item is not null)
                    {
                        pending.Push((item, $"{at}[{i}]"));
                    }

                    i++;
                }
            }

            for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    // Pointers and ref-like fields cannot be boxed; pipeline values never have them.
                    if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                    {
                        continue;
                    }

                    if (field.GetValue(value) is { } child)
                    {
                        pending.Push((child, $"{at}.{field.Name}"));
                    }
                }
            }
        }
    }

    private static void AssertAllReused(GeneratorRun run, string parsedStep, string specsStep)
    {
        Assert.NotEmpty(OutputReasons(run, parsedStep));
        Assert.All(OutputReasons(run, parsedStep), AssertReused);
        Assert.NotEmpty(OutputReasons(run, specsStep));
        Assert.All(OutputReasons(run, specsStep), AssertReused);
        Assert.All(SourceOutputReasons(run), AssertReused);
    }

    private static void AssertReused(IncrementalStepRunReason reason) =>
        Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Expected Cached or Unchanged, was {reason}.");

    private static IncrementalStepRunReason[] OutputReasons(GeneratorRun run, string step) =>
        [.. run.Result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason)];

    /// <summary>The reasons of the RegisterSourceOutput steps: Modified or New means code was emitted again.</summary>
    private static IncrementalStepRunReason[] SourceOutputReasons(GeneratorRun run) =>
        [.. run.Result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(s => s.Outputs).Select(o => o.Reason)];

    /// <summary>The reasons of the source outputs that emit code: those fed by a spec step.</summary>
    private static IncrementalStepRunReason[] CodeOutputReasons(GeneratorRun run) =>
        [.. run.Result.TrackedOutputSteps.SelectMany(p => p.Value)
            .Where(s => DependsOn(s, TrackingNames.LstmSpecs) || DependsOn(s, TrackingNames.GruSpecs) || DependsOn(s, TrackingNames.DenseSpecs))
            .SelectMany(s => s.Outputs).Select(o => o.Reason)];

    /// <summary>The reasons of the source outputs that report the weights check: those fed by the headers.</summary>
    private static IncrementalStepRunReason[] WeightsCheckOutputReasons(GeneratorRun run) =>
        [.. run.Result.TrackedOutputSteps.SelectMany(p => p.Value)
            .Where(s => DependsOn(s, TrackingNames.WeightsHeaders))
            .SelectMany(s => s.Outputs).Select(o => o.Reason)];

    /// <summary>Whether <paramref name="step"/> reads, directly or not, the step named <paramref name="name"/>.</summary>
    private static bool DependsOn(IncrementalGeneratorRunStep step, string name)
    {
        var seen = new HashSet<IncrementalGeneratorRunStep>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<IncrementalGeneratorRunStep>([step]);
        while (pending.Count > 0)
        {
            IncrementalGeneratorRunStep current = pending.Pop();
            if (current.Name == name)
            {
                return true;
            }

            foreach ((IncrementalGeneratorRunStep source, _) in current.Inputs)
            {
                if (seen.Add(source))
                {
                    pending.Push(source);
                }
            }
        }

        return false;
    }

    private static string[] Texts(GeneratorRun run) => [.. run.Sources.Select(s => s.HintName + "\n" + s.SourceText)];

    /// <summary>The compilation with one replacement made in the (single) tree that contains <paramref name="from"/>.</summary>
    private static CSharpCompilation Edit(CSharpCompilation compilation, string from, string to)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains(from, StringComparison.Ordinal));
        SyntaxTree edited = tree.WithChangedText(tree.GetText().Replace(tree.ToString().IndexOf(from, StringComparison.Ordinal), from.Length, to));
        return compilation.ReplaceSyntaxTree(tree, edited);
    }
}
