using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// RNNG001–RNNG007: each is an error, at the span the markup <c>[|…|]</c> marks, and the type it names gets no code
/// (so the only errors a user sees are ours, not follow-on compiler errors in generated code).
/// </summary>
public class DiagnosticTests
{
    [Fact]
    public void RNNG001_TypeNotPartial() => Expect("""
        using RnnGen;
        namespace Models;
        [Lstm(input: 3, hidden: 5)]
        public class [|Tagger|] { }
        """, ("RNNG001", "'Tagger' has [Lstm] but is not declared partial"));

    [Fact]
    public void RNNG002_ContainingTypeNotPartial() => Expect("""
        using RnnGen;
        namespace Models;
        public class Outer
        {
            [Gru(input: 3, hidden: 5)]
            public partial class [|Tagger|] { }
        }
        """, ("RNNG002", "containing type 'Outer' is not declared partial"));

    [Fact]
    public void RNNG002_EveryNonPartialContainingTypeIsNamed() => Expect("""
        using RnnGen;
        public class Outer
        {
            public partial class Middle
            {
                public class Inner
                {
                    [Lstm(input: 3, hidden: 5)]
                    public partial class [|Tagger|] { }
                }
            }
        }
        """, ("RNNG002", "'Outer'"), ("RNNG002", "'Inner'"));

    [Fact]
    public void RNNG003_GenericType() => Expect("""
        using RnnGen;
        namespace Models;
        [Lstm(input: 3, hidden: 5)]
        public partial class [|Tagger|]<T> { }
        """, ("RNNG003", "'Tagger' has [Lstm] but is generic"));

    [Fact]
    public void RNNG003_AndRNNG001_AreBothReported() => Expect("""
        using RnnGen;
        [Gru(input: 3, hidden: 5)]
        public class [|Tagger|]<T> { }
        """, ("RNNG003", "generic"), ("RNNG001", "not declared partial"));

    /// <summary>The location is the argument that sets the size, whether it is named, positional or out of order.</summary>
    [Theory]
    [InlineData("Lstm([|input: 0|], hidden: 5)", "input = 0")]
    [InlineData("Lstm(input: 3, [|hidden: -1|])", "hidden = -1")]
    [InlineData("Gru([|hidden: 4097|], input: 3)", "hidden = 4097")]
    [InlineData("Lstm(hidden: 5, [|input: 4097|])", "input = 4097")]
    [InlineData("Lstm([|0|], 5)", "input = 0")]
    [InlineData("Gru(3, [|-1|])", "hidden = -1")]
    [InlineData("Gru([|4097|], 4096)", "input = 4097")]
    [InlineData("Lstm(3, [|hidden: 0|])", "hidden = 0")]
    [InlineData("Lstm([|hidden: 0|])", "hidden = 0")]
    [InlineData("Gru([|-1|])", "hidden = -1")]
    [InlineData("Lstm([|4097|])", "hidden = 4097")]
    public void RNNG004_SizeOutOfRange(string attribute, string setting) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{attribute}}]
        public partial class Tagger { }
        """, ("RNNG004", $"'Tagger' has [{attribute[..attribute.IndexOf('(')]}] with {setting}; it must be between 1 and 4096"));

    [Fact]
    public void RNNG004_BothSizesOutOfRange() => Expect("""
        using RnnGen;
        [Gru([|input: 0|], [|hidden: 4097|])]
        public partial class Tagger { }
        """, ("RNNG004", "input = 0"), ("RNNG004", "hidden = 4097"));

    [Theory]
    [InlineData("Lstm(1, 1)")]
    [InlineData("Gru(input: 4096, hidden: 1)")]
    [InlineData("Lstm(input: 1, hidden: 4096)")]
    [InlineData("Gru(4096)")]
    public void SizesAtTheBoundsAreAccepted(string attribute)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            [{{attribute}}]
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Tagger.g.cs"], run.HintNames);
    }

    [Theory]
    [InlineData("[Lstm(3, 5)]\n[[|Gru(3, 5)|]]")]
    [InlineData("[[|Gru(3, 5)|]]\n[Lstm(3, 5)]")]
    [InlineData("[Lstm(hidden: 5), [|Gru(hidden: 5)|]]")]
    public void RNNG005_BothCellAttributes_IsReportedOnceAtTheGruAttribute(string attributes) => Expect($$"""
        using RnnGen;
        namespace Models;
        {{attributes}}
        public partial class Tagger { }
        """, ("RNNG005", "'Tagger' has both [Lstm] and [Gru]"));

    [Fact]
    public void RNNG006_StaticClass() => Expect("""
        using RnnGen;
        [Lstm(input: 3, hidden: 5)]
        public static partial class [|Tagger|] { }
        """, ("RNNG006", "'Tagger' has [Lstm] but is a static class"));

    [Theory]
    [InlineData("record")]
    [InlineData("record class")]
    public void RNNG006_Record(string keyword) => Expect($$"""
        using RnnGen;
        [Gru(input: 3, hidden: 5)]
        public partial {{keyword}} [|Tagger|] { }
        """, ("RNNG006", "'Tagger' has [Gru] but is a record"));

    /// <summary>Members the generated cell declares, and the two constructors it declares.</summary>
    [Theory]
    [InlineData("public int [|Parameters|] => 0;", "'Parameters'")]
    [InlineData("public void [|Step|]() { }", "'Step'")]
    [InlineData("public static int [|Forward|](int x) => x;", "'Forward'")]
    [InlineData("public const int [|InputSize|] = 3;", "'InputSize'")]
    [InlineData("private readonly float[] [|_parameters|] = new float[1];", "'_parameters'")]
    [InlineData("private sealed class [|Kernels|] { }", "'Kernels'")]
    [InlineData("public [|Tagger|]() { }", "'Tagger()'")]
    [InlineData("public [|Tagger|](System.Random random) { }", "'Tagger(System.Random)'")]
    [InlineData("public [|Tagger|](System.Random? random) { }", "'Tagger(System.Random?)'")]
    public void RNNG007_MemberCollision(string member, string name) => Expect($$"""
        using RnnGen;
        namespace Models;
        [Lstm(input: 3, hidden: 5)]
        public partial class Tagger
        {
            {{member}}
        }
        """, ("RNNG007", $"'Tagger' declares {name}, which RnnGen generates for [Lstm] classes"));

    [Fact]
    public void RNNG007_IsReportedInAnotherPartDeclaration() => Expect("""
        using RnnGen;
        [Gru(input: 3, hidden: 5)]
        public partial class Tagger { }

        public partial class Tagger
        {
            public System.Span<float> [|WeightIh|] => default;
        }
        """, ("RNNG007", "'WeightIh'"));

    [Fact]
    public void RNNG020_PrimaryConstructor() => Expect("""
        using RnnGen;
        [Lstm(input: 3, hidden: 5)]
        public partial class Tagger[|(int seed)|] { }
        """, ("RNNG020", "'Tagger' has [Lstm] and a primary constructor"));

    [Theory]
    [InlineData("Kernels")]
    [InlineData("Step")]
    public void RNNG021_TypeNamedLikeAGeneratedMember(string name) => Expect($$"""
        using RnnGen;
        [Gru(input: 3, hidden: 5)]
        public partial class [|{{name}}|] { }
        """, ("RNNG021", $"'{name}' has [Gru] but shares its name with a member RnnGen generates"));

    [Fact]
    public void AConstructorWithOtherParametersIsAllowed()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [Lstm(input: 3, hidden: 5)]
            public partial class Tagger
            {
                public Tagger(int seed) : this(new System.Random(seed)) { }
            }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilerDiagnostics());
    }

    [Fact]
    public void AValidCellNextToAnInvalidOneStillGetsItsCode()
    {
        GeneratorRun run = Expect("""
            using RnnGen;
            namespace Models;
            [Lstm(input: 3, hidden: 5)]
            public partial class Good { }

            [Gru(input: 3, hidden: 5)]
            public class [|Bad|] { }

            [Gru(input: 3, [|hidden: 0|])]
            public partial class Worse { }
            """, ("RNNG001", "'Bad'"), ("RNNG004", "'Worse'"));

        Assert.Equal(["Models.Good.g.cs"], run.HintNames);
        Assert.Empty(run.CompilerDiagnostics());
    }

    // ---- [Dense]: the cells' declaration rules and ids. ----

    [Fact]
    public void Dense_RNNG001_TypeNotPartial() => Expect("""
        using RnnGen;
        [Dense(input: 3, output: 2)]
        public class [|Head|] { }
        """, ("RNNG001", "'Head' has [Dense] but is not declared partial"));

    [Fact]
    public void Dense_RNNG002_And_RNNG003() => Expect("""
        using RnnGen;
        public class Outer
        {
            [Dense(input: 3, output: 2)]
            public partial class [|Head|]<T> { }
        }
        """, ("RNNG003", "'Head' has [Dense] but is generic"), ("RNNG002", "containing type 'Outer' is not declared partial"));

    [Theory]
    [InlineData("Dense([|input: 0|], output: 2)", "input = 0")]
    [InlineData("Dense(input: 3, [|output: 4097|])", "output = 4097")]
    [InlineData("Dense([|-1|], 2)", "input = -1")]
    [InlineData("Dense(output: 2, [|input: 5000|])", "input = 5000")]
    public void Dense_RNNG004_SizeOutOfRange(string attribute, string setting) => Expect($$"""
        using RnnGen;
        [{{attribute}}]
        public partial class Head { }
        """, ("RNNG004", $"'Head' has [Dense] with {setting}; it must be between 1 and 4096"));

    [Theory]
    [InlineData("Dense(1, 1)")]
    [InlineData("Dense(input: 4096, output: 4096)")]
    public void Dense_SizesAtTheBoundsAreAccepted(string attribute)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            [{{attribute}}]
            public partial class Head { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Head.g.cs"], run.HintNames);
    }

    [Theory]
    [InlineData("static partial class", "static class")]
    [InlineData("partial record", "record")]
    public void Dense_RNNG006_NotAnInstanceClass(string declaration, string what) => Expect($$"""
        using RnnGen;
        [Dense(input: 3, output: 2)]
        public {{declaration}} [|Head|] { }
        """, ("RNNG006", $"'Head' has [Dense] but is a {what}"));

    [Theory]
    [InlineData("public int [|Weight|] => 0;", "'Weight'")]
    [InlineData("public void [|Backward|]() { }", "'Backward'")]
    [InlineData("public const int [|OutputSize|] = 2;", "'OutputSize'")]
    [InlineData("public System.Memory<float> [|ParameterMemory|] => default;", "'ParameterMemory'")]
    [InlineData("public [|Head|](System.Random? random) { }", "'Head(System.Random?)'")]
    public void Dense_RNNG007_MemberCollision(string member, string name) => Expect($$"""
        using RnnGen;
        [Dense(input: 3, output: 2)]
        public partial class Head
        {
            {{member}}
        }
        """, ("RNNG007", $"'Head' declares {name}, which RnnGen generates for [Dense] classes"));

    [Fact]
    public void Dense_RNNG020_PrimaryConstructor() => Expect("""
        using RnnGen;
        [Dense(input: 3, output: 2)]
        public partial class Head[|(int size)|] { }
        """, ("RNNG020", "'Head' has [Dense] and a primary constructor"));

    [Theory]
    [InlineData("Weight")]
    [InlineData("Bias")]
    public void Dense_RNNG021_TypeNamedLikeAGeneratedMember(string name) => Expect($$"""
        using RnnGen;
        [Dense(input: 3, output: 2)]
        public partial class [|{{name}}|] { }
        """, ("RNNG021", $"'{name}' has [Dense] but shares its name with a member RnnGen generates"));

    /// <summary>Cell members that a dense layer does not have are free to use, and the reverse.</summary>
    [Fact]
    public void Dense_CellOnlyNamesAreNotReserved()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using RnnGen;
            [Dense(input: 3, output: 2)]
            public partial class Head { public int HiddenSize => 1; public void Step() { } }
            [Lstm(input: 3, hidden: 5)]
            public partial class Cell { public int Weight => 2; public int Bias => 3; }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilerDiagnostics());
    }

    /// <summary>
    /// Runs the generator over <paramref name="markup"/> and asserts it reports exactly <paramref name="expected"/>, each
    /// an error at its marked span (in order; one span may serve them all) whose message contains the given text,
    /// and that it generates nothing for an invalid type (every type named by a diagnostic).
    /// </summary>
    private static GeneratorRun Expect(string markup, params (string Id, string Message)[] expected)
    {
        (string source, var spans) = Markup.Parse(markup);
        Assert.True(spans.Length == expected.Length || spans.Length == 1, "Mark one span per expected diagnostic, or one for all.");
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var remaining = run.Diagnostics.ToList();
        for (int i = 0; i < expected.Length; i++)
        {
            (string id, string message) = expected[i];
            LinePositionSpan span = spans[spans.Length == 1 ? 0 : i];
            Diagnostic? match = remaining.FirstOrDefault(d =>
                d.Id == id && d.Location.GetLineSpan().Span == span && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(message, StringComparison.Ordinal));
            Assert.True(match is not null, $"Expected {id} at {span} containing \"{message}\"; reported:\n{Describe(run.Diagnostics)}");
            Assert.Equal(DiagnosticSeverity.Error, match.Severity);
            Assert.Equal("Source0.cs", match.Location.GetLineSpan().Path);
            remaining.Remove(match);
        }

        Assert.True(remaining.Count == 0, $"Unexpected diagnostics:\n{Describe(remaining)}");

        string[] invalid = [.. run.Diagnostics.Select(d => Quoted(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))];
        Assert.DoesNotContain(run.HintNames, hint => invalid.Any(name => hint.EndsWith("." + name + ".g.cs", StringComparison.Ordinal) || hint == name + ".g.cs"));
        return run;
    }

    /// <summary>The type a message names first: every RnnGen message opens with '{type}'.</summary>
    private static string Quoted(string message) => message.Split('\'')[1];

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => $"  {d.Id} {d.Severity} at {d.Location.GetLineSpan().Span}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
}
