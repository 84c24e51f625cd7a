using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// RNNG001–RNNG007, RNNG013 and RNNG020–RNNG028: each is an error, at the span the markup <c>[|…|]</c> marks, and the
/// type it names gets no code (so the only errors a user sees are ours, not follow-on compiler errors in generated
/// code). RNNG027 is the one warning: it is reported at its span too, and the type does get its code.
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
    public void RNNG003_RNNG001_AreBothReported() => Expect("""
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
    public void RNNG005_BothCellAttributesAreReportedOnceAtTheGruAttribute(string attributes) => Expect($$"""
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
    public void Dense_RNNG002_RNNG003_AreBothReported() => Expect("""
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

    // ---- Whole models: Layers, Bidirectional, ProjectionSize, Bias, Dropout, Name, and a [Dense] head on the same class. ----

    [Theory]
    [InlineData("Lstm(input: 3, hidden: 5, [|Layers = 0|])", "Layers = 0")]
    [InlineData("Lstm(input: 3, hidden: 5, [|Layers = 65|])", "Layers = 65")]
    [InlineData("Gru(3, 5, [|Layers = -1|])", "Layers = -1")]
    [InlineData("Gru(hidden: 5, input: 3, Bidirectional = true, [|Layers = 65|])", "Layers = 65")]
    [InlineData("Lstm(5, [|Layers = 0|], Bidirectional = true)", "Layers = 0")]
    public void RNNG023_LayersOutOfRange(string attribute, string setting) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{attribute}}]
        public partial class Tagger { }
        """, ("RNNG023", $"'Tagger' has [{attribute[..attribute.IndexOf('(')]}] with {setting}; it must be between 1 and 64"));

    /// <summary>
    /// A streaming step (every model with one direction) keeps on the stack every layer's state (h, P or H, plus an LSTM's
    /// c, H), one more state for the kernel's copy of the previous one, one step's activations (LSTM 5·H, 6·H projected;
    /// GRU 4·H) and the head's input row (P or H): more than 65,536 floats (256 KB) is refused at the Layers argument.
    /// </summary>
    [Theory]
    [InlineData("Lstm(4096, [|Layers = 5|])", "Layers = 5", "73728 floats")]                                // 6 × 8192 + 20480 + 4096
    [InlineData("Lstm(input: 1, hidden: 4096, [|Layers = 64|])", "Layers = 64", "557056 floats")]
    [InlineData("Gru(4096, [|Layers = 11|])", "Layers = 11", "69632 floats")]                               // 12 × 4096 + 16384 + 4096
    [InlineData("Lstm(4096, [|Layers = 7|], ProjectionSize = 1024)", "Layers = 7", "66560 floats")]         // 8 × 5120 + 24576 + 1024
    [InlineData("Lstm(1024, [|Layers = 33|], Bias = false, Dropout = 0.5)", "Layers = 33", "75776 floats")] // 34 × 2048 + 5120 + 1024
    public void RNNG023_StreamingStateTooLargeForTheStack(string attribute, string setting, string floats) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{attribute}}]
        public partial class Tagger { }
        """, ("RNNG023", $"'Tagger' has [{attribute[..attribute.IndexOf('(')]}] with {setting}; a streaming step keeps every layer's state and one step's scratch on the stack, {floats}, more than 256 KB"));

    /// <summary>
    /// 256 KB exactly is allowed; a projection shrinks h; and a bidirectional model has no streaming Step (it reads whole
    /// sequences, one layer-direction's state at a time), so the limit does not apply to it at all.
    /// </summary>
    [Theory]
    [InlineData("Lstm(4096, Layers = 4)", true)]                          // 5 × 8192 + 20480 + 4096 = 65536
    [InlineData("Gru(4096, Layers = 10)", true)]                          // 11 × 4096 + 16384 + 4096 = 65536
    [InlineData("Lstm(4096, Layers = 6, ProjectionSize = 1024)", true)]
    [InlineData("Lstm(4096, Layers = 9, Bidirectional = true)", false)]
    [InlineData("Lstm(4096, Layers = 64, Bidirectional = true)", false)]
    [InlineData("Gru(4096, Layers = 17, Bidirectional = true)", false)]
    public void RNNG023_IsNotReportedWithinTheStackLimitOrWithoutAStreamingStep(string attribute, bool streams)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            [{{attribute}}]
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Tagger.g.cs"], run.HintNames);
        Assert.Equal(streams, GeneratedMethods(run.Source("Tagger.g.cs"), "Tagger").Contains("Step"));
    }

    [Theory]
    [InlineData("[|ProjectionSize = -1|]", "ProjectionSize = -1")]
    [InlineData("[|ProjectionSize = 5|]", "ProjectionSize = 5")]
    [InlineData("[|ProjectionSize = 6|]", "ProjectionSize = 6")]
    [InlineData("Layers = 2, Bidirectional = true, [|ProjectionSize = 5|], Bias = false", "ProjectionSize = 5")]
    public void RNNG024_ProjectionSizeOutOfRange(string settings, string setting) => Expect($$"""
        using RnnGen;
        namespace Models;
        [Lstm(input: 3, hidden: 5, {{settings}})]
        public partial class Tagger { }
        """, ("RNNG024", $"'Tagger' has [Lstm] with {setting}; it must be 0 (no projection) or between 1 and hidden − 1 = 4"));

    [Fact]
    public void RNNG024_WithTheHiddenOnlyConstructor() => Expect("""
        using RnnGen;
        [Lstm(8, [|ProjectionSize = 8|])]
        public partial class Tagger { }
        """, ("RNNG024", "'Tagger' has [Lstm] with ProjectionSize = 8; it must be 0 (no projection) or between 1 and hidden − 1 = 7"));

    /// <summary>0 is "no projection" (PyTorch's proj_size=0): a plain cell; 1 and H − 1 are the bounds.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void RNNG024_ProjectionSizesInRangeAreAccepted(int projection)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            [Lstm(input: 3, hidden: 5, ProjectionSize = {{projection}})]
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Tagger.g.cs"], run.HintNames);
        Assert.Contains($"public const int ProjectionSize = {projection};", run.Source("Tagger.g.cs"), StringComparison.Ordinal);
        Assert.Empty(run.CompilerDiagnostics());
    }

    [Theory]
    [InlineData("Lstm(3, 5, Layers = 2, [|Dropout = -0.1|])", "Dropout = -0.1")]
    [InlineData("Gru(3, 5, Layers = 2, [|Dropout = 1.0|])", "Dropout = 1")]
    [InlineData("Lstm(3, 5, Layers = 2, [|Dropout = 1.5|])", "Dropout = 1.5")]
    [InlineData("Gru(3, 5, Layers = 2, [|Dropout = double.NaN|])", "Dropout = NaN")]
    [InlineData("Lstm(3, 5, [|Dropout = 1.5|])", "Dropout = 1.5")] // out of range on one layer: the error, not also RNNG027
    public void RNNG025_DropoutOutOfRange(string attribute, string setting) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{attribute}}]
        public partial class Tagger { }
        """, ("RNNG025", $"'Tagger' has [{attribute[..attribute.IndexOf('(')]}] with {setting}; it must be at least 0 and less than 1"));

    /// <summary>PyTorch warns the same: dropout applies between layers. A warning, so the model is still generated.</summary>
    [Theory]
    [InlineData("Lstm(3, 5, [|Dropout = 0.3|])")]
    [InlineData("Lstm(3, 5, Layers = 1, [|Dropout = 0.3|])")]
    [InlineData("Gru(3, 5, Bidirectional = true, [|Dropout = 0.3|])")]
    public void RNNG027_DropoutWithOneLayerWarnsAndStillGenerates(string attribute)
    {
        GeneratorRun run = ExpectWarning($$"""
            using RnnGen;
            namespace Models;
            [{{attribute}}]
            public partial class Tagger { }
            """, ("RNNG027", $"'Tagger' has [{attribute[..attribute.IndexOf('(')]}] with Dropout = 0.3 and one layer; dropout applies between layers, so it has no effect"));
        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
    }

    [Theory]
    [InlineData("Lstm(3, 5, Layers = 2, Dropout = 0.3)")]
    [InlineData("Gru(3, 5, Layers = 2, Bidirectional = true, Dropout = 0.3)")]
    public void RNNG027_IsNotReportedWithMoreThanOneLayer(string attribute)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            [{{attribute}}]
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Contains("dropout: 0.3", run.Source("Tagger.g.cs"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The head reads the top layer's output, D·Hout wide (Hout = P when projected, else H); the location is the
    /// head's input argument, named or positional, and the message names the width to set.
    /// </summary>
    [Theory]
    [InlineData("Lstm(input: 3, hidden: 5)", "Dense([|input: 4|], output: 2)", 4, "5 values (its hidden size); set input: 5")]
    [InlineData("Gru(input: 3, hidden: 5, Layers = 2)", "Dense([|input: 3|], output: 2)", 3, "5 values (its hidden size); set input: 5")]
    [InlineData("Lstm(input: 3, hidden: 5, Bidirectional = true)", "Dense([|input: 5|], output: 2)", 5, "10 values (both directions' 5); set input: 10")]
    [InlineData("Gru(3, 5, Bidirectional = true)", "Dense([|5|], 2)", 5, "10 values (both directions' 5); set input: 10")]
    [InlineData("Lstm(input: 3, hidden: 5, ProjectionSize = 2)", "Dense([|input: 5|], output: 2)", 5, "2 values (the projection size); set input: 2")]
    [InlineData("Lstm(input: 3, hidden: 5, Layers = 2, ProjectionSize = 2)", "Dense(output: 2, [|input: 5|])", 5, "2 values (the projection size); set input: 2")]
    [InlineData("Lstm(input: 3, hidden: 5, Bidirectional = true, ProjectionSize = 2)", "Dense([|input: 10|], output: 2)", 10, "4 values (both directions' 2); set input: 4")]
    [InlineData("Lstm(input: 3, hidden: 5, Layers = 3, Bidirectional = true, ProjectionSize = 2)", "Dense([|input: 2|], output: 2)", 2, "4 values (both directions' 2); set input: 4")]
    public void RNNG026_HeadInputMismatch(string model, string head, int input, string output) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{model}}]
        [{{head}}]
        public partial class Tagger { }
        """, ("RNNG026", $"'Tagger' has [Dense(input: {input}, …)] as the head of its [{model[..model.IndexOf('(')]}], whose steps output {output}"));

    [Theory]
    [InlineData("Lstm(input: 3, hidden: 5)", "Dense(input: 5, output: 2)")]
    [InlineData("Lstm(input: 3, hidden: 5, Bidirectional = true)", "Dense(input: 10, output: 2)")]
    [InlineData("Lstm(input: 3, hidden: 5, ProjectionSize = 2)", "Dense(input: 2, output: 2)")]
    [InlineData("Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2, Bias = false)", "Dense(input: 4, output: 2)")]
    [InlineData("Gru(input: 3, hidden: 5, Layers = 3)", "Dense(5, 2)")]
    [InlineData("Gru(5, Bidirectional = true, Dropout = 0)", "Dense(output: 2, input: 10)")]
    public void RNNG026_AMatchingHeadIsGenerated(string model, string head)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            [{{model}}]
            [{{head}}]
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
        Assert.Contains("public const int OutputSize = 2;", run.Source("Models.Tagger.g.cs"), StringComparison.Ordinal);
        Assert.Empty(run.CompilerDiagnostics());
    }

    /// <summary>Formerly RNNG022 (a class with a cell and a dense layer): now one model with a head, in one file.</summary>
    [Theory]
    [InlineData("[Lstm(input: 3, hidden: 5)]\n[Dense(input: 5, output: 2)]")]
    [InlineData("[Dense(input: 5, output: 2)]\n[Gru(input: 3, hidden: 5)]")]
    [InlineData("[Lstm(3, 5), Dense(5, 2)]")]
    public void CellAndDenseOnOneClassIsOneModelWithAHead(string attributes)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            {{attributes}}
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Models.Tagger.g.cs"], run.HintNames);
        Assert.Contains("headOutputs: 2", run.Source("Models.Tagger.g.cs"), StringComparison.Ordinal);
        Assert.Empty(run.CompilerDiagnostics());
    }

    /// <summary>The head's own sizes are checked as a [Dense]'s, and reported as [Dense]'s; no head-mismatch follows.</summary>
    [Theory]
    [InlineData("Lstm(3, 5)", "Dense([|input: 0|], output: 2)", "input = 0")]
    [InlineData("Lstm(3, 5)", "Dense(input: 5, [|output: 4097|])", "output = 4097")]
    [InlineData("Gru(3, 5, Layers = 2)", "Dense([|-1|], 2)", "input = -1")]
    [InlineData("Gru(3, 5, Bidirectional = true)", "Dense(output: 2, [|input: 5000|])", "input = 5000")]
    public void RNNG004_HeadSizeOutOfRange(string model, string head, string setting) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{model}}]
        [{{head}}]
        public partial class Tagger { }
        """, ("RNNG004", $"'Tagger' has [Dense] with {setting}; it must be between 1 and 4096 (the sizes RnnGen generates fixed-size code for)"));

    private const string Dot = "RnnGen adds the '.' between a module's name and its tensors', so the name neither starts nor ends with one";
    private const string Space = "a state_dict name has no white space";

    [Theory]
    [InlineData("Lstm(3, 5, [|Name = \"rnn.\"|])", "Lstm", "rnn.", Dot)]
    [InlineData("Gru(3, 5, [|Name = \".x\"|])", "Gru", ".x", Dot)]
    [InlineData("Lstm(3, 5, Layers = 2, [|Name = \"a b\"|])", "Lstm", "a b", Space)]
    [InlineData("Gru(3, 5, [|Name = \".\"|])", "Gru", ".", Dot)]
    public void RNNG028_InvalidModuleName(string attribute, string kind, string name, string why) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{attribute}}]
        public partial class Tagger { }
        """, ("RNNG028", $"'Tagger' has [{kind}] with Name = \"{name}\"; {why}"));

    [Theory]
    [InlineData("Dense(5, 2, [|Name = \"head.\"|])", "head.", Dot)]
    [InlineData("Dense(input: 5, output: 2, [|Name = \".x\"|])", ".x", Dot)]
    [InlineData("Dense(5, 2, [|Name = \"a b\"|])", "a b", Space)]
    public void RNNG028_InvalidHeadName(string head, string name, string why) => Expect($$"""
        using RnnGen;
        namespace Models;
        [Lstm(3, 5)]
        [{{head}}]
        public partial class Tagger { }
        """, ("RNNG028", $"'Tagger' has [Dense] with Name = \"{name}\"; {why}"));

    /// <summary>A standalone [Dense] names its tensors the same way ({Name}.weight), so its Name follows the same rule.</summary>
    [Theory]
    [InlineData("Dense(5, 2, [|Name = \"out.\"|])", "out.", Dot)]
    [InlineData("Dense(5, 2, [|Name = \" x\"|])", " x", Space)]
    public void RNNG028_InvalidStandaloneDenseName(string attribute, string name, string why) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{attribute}}]
        public partial class Head { }
        """, ("RNNG028", $"'Head' has [Dense] with Name = \"{name}\"; {why}"));

    [Fact]
    public void RNNG028_ModuleAndHeadNamesAreBothReported() => Expect("""
        using RnnGen;
        [Gru(3, 5, [|Name = "rnn."|])]
        [Dense(5, 2, [|Name = "a b"|])]
        public partial class Tagger { }
        """, ("RNNG028", "[Gru] with Name = \"rnn.\""), ("RNNG028", "[Dense] with Name = \"a b\""));

    /// <summary>A dot inside a name is a nested module ("encoder.rnn"); "" is a bare module, tensors without a prefix.</summary>
    [Theory]
    [InlineData("Lstm(3, 5, Name = \"encoder.rnn\")", "Dense(5, 2, Name = \"decoder.out\")")]
    [InlineData("Lstm(3, 5, Name = \"\")", "Dense(5, 2)")]
    [InlineData("Gru(3, 5, Name = \"gru\")", "Dense(5, 2, Name = \"\")")]
    public void RNNG028_ValidNamesAreAccepted(string model, string head)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            [{{model}}]
            [{{head}}]
            public partial class Tagger { }
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Equal(["Tagger.g.cs"], run.HintNames);
    }

    [Theory]
    [InlineData("Lstm")]
    [InlineData("Gru")]
    public void RNNG013_WeightsLayerOnAStackedModel(string kind) => Expect($$"""
        using RnnGen;
        namespace Models;
        [{{kind}}(input: 3, hidden: 5, Layers = 2, Weights = "x.safetensors", [|WeightsLayer = 1|])]
        public partial class Tagger { }
        """, ("RNNG013", $"'Tagger' has [{kind}] with an invalid weights setting: WeightsLayer picks one layer of a stacked file for a single-layer class; this one has Layers = 2"));

    /// <summary>A model's new members are reserved whatever its options: on a stacked model with a head, and on a plain cell.</summary>
    public static TheoryData<string, string, string> ModelMembers()
    {
        string[] attributes =
        [
            "[Lstm(input: 3, hidden: 5, Layers = 2, Bidirectional = true, ProjectionSize = 2)]\n[Dense(input: 4, output: 2)]",
            "[Gru(input: 3, hidden: 5, Layers = 2)]\n[Dense(input: 5, output: 2)]",
            "[Lstm(input: 3, hidden: 5)]",
        ];
        (string Member, string Name)[] members =
        [
            ("public int [|Layers|] => 0;", "Layers"),
            ("public const int [|Directions|] = 1;", "Directions"),
            ("public int [|ProjectionSize|] { get; set; }", "ProjectionSize"),
            ("public static int [|OutputSize|] = 2;", "OutputSize"),
            ("public object? [|Shape|];", "Shape"),
            ("public float[] [|Tensor|](string name) => [];", "Tensor"),
            ("public sealed class [|Tensor|] { }", "Tensor"),
            ("public void [|CreateWorkspace|](int steps) { }", "CreateWorkspace"),
        ];
        var data = new TheoryData<string, string, string>();
        foreach (string attribute in attributes)
        {
            foreach ((string member, string name) in members)
            {
                data.Add(attribute, member, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ModelMembers))]
    public void RNNG007_ModelMemberCollision(string attributes, string member, string name) => Expect($$"""
        using RnnGen;
        namespace Models;
        {{attributes}}
        public partial class Tagger
        {
            {{member}}
        }
        """, ("RNNG007", $"'Tagger' declares '{name}', which RnnGen generates for [{attributes[1..attributes.IndexOf('(')]}] classes"));

    [Theory]
    [InlineData("Shape")]
    [InlineData("Layers")]
    [InlineData("Tensor")]
    public void RNNG021_ModelNamedLikeAGeneratedMember(string name) => Expect($$"""
        using RnnGen;
        [Lstm(3, 5, Layers = 2)]
        [Dense(5, 2)]
        public partial class [|{{name}}|] { }
        """, ("RNNG021", $"'{name}' has [Lstm] but shares its name with a member RnnGen generates"));

    /// <summary>The names of the methods declared directly in the generated class <paramref name="type"/>.</summary>
    private static HashSet<string> GeneratedMethods(string source, string type) =>
        [.. Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source).GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax>()
            .Where(c => c.Identifier.ValueText == type)
            .SelectMany(c => c.Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
            .Where(m => m.ExplicitInterfaceSpecifier is null)
            .Select(m => m.Identifier.ValueText)];

    /// <summary>
    /// Runs the generator over <paramref name="markup"/> and asserts it reports exactly <paramref name="expected"/>, each
    /// an error at its marked span (in order; one span may serve them all) whose message contains the given text,
    /// and that it generates nothing for an invalid type (every type named by a diagnostic).
    /// </summary>
    private static GeneratorRun Expect(string markup, params (string Id, string Message)[] expected)
    {
        GeneratorRun run = ExpectReported(markup, DiagnosticSeverity.Error, expected);
        string[] invalid = [.. run.Diagnostics.Select(d => Quoted(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))];
        Assert.DoesNotContain(run.HintNames, hint => invalid.Any(name => hint.EndsWith("." + name + ".g.cs", StringComparison.Ordinal) || hint == name + ".g.cs"));
        return run;
    }

    /// <summary>
    /// Like <see cref="Expect"/> for warnings: exactly <paramref name="expected"/>, each a warning at its marked span,
    /// and every type they name still gets its code, which compiles without errors.
    /// </summary>
    private static GeneratorRun ExpectWarning(string markup, params (string Id, string Message)[] expected)
    {
        GeneratorRun run = ExpectReported(markup, DiagnosticSeverity.Warning, expected);
        foreach (string name in run.Diagnostics.Select(d => Quoted(d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))).Distinct())
        {
            Assert.Contains(run.HintNames, hint => hint.EndsWith("." + name + ".g.cs", StringComparison.Ordinal) || hint == name + ".g.cs");
        }

        Assert.Empty(run.CompilerDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return run;
    }

    /// <summary>Asserts the generator reports exactly <paramref name="expected"/>, each of <paramref name="severity"/> at its marked span.</summary>
    private static GeneratorRun ExpectReported(string markup, DiagnosticSeverity severity, (string Id, string Message)[] expected)
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
            Assert.Equal(severity, match.Severity);
            Assert.Equal("Source0.cs", match.Location.GetLineSpan().Path);
            remaining.Remove(match);
        }

        Assert.True(remaining.Count == 0, $"Unexpected diagnostics:\n{Describe(remaining)}");
        return run;
    }

    /// <summary>The type a message names first: every RnnGen message opens with '{type}'.</summary>
    private static string Quoted(string message) => message.Split('\'')[1];

    private static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => $"  {d.Id} {d.Severity} at {d.Location.GetLineSpan().Span}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));
}
