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

        // OutOfRange 1, NotPartial<T> 2 (generic, not partial), Both 1, Collides 1, Outer.Inner 1, BadHead 1, CellAndHead 1.
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

    private static string[] Texts(GeneratorRun run) => [.. run.Sources.Select(s => s.HintName + "\n" + s.SourceText)];

    /// <summary>The compilation with one replacement made in the (single) tree that contains <paramref name="from"/>.</summary>
    private static CSharpCompilation Edit(CSharpCompilation compilation, string from, string to)
    {
        SyntaxTree tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains(from, StringComparison.Ordinal));
        SyntaxTree edited = tree.WithChangedText(tree.GetText().Replace(tree.ToString().IndexOf(from, StringComparison.Ordinal), from.Length, to));
        return compilation.ReplaceSyntaxTree(tree, edited);
    }
}
