using System.Runtime.CompilerServices;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The generated code for representative declarations, approved in Snapshots/: whole files once per concept (LSTM and
/// GRU kernels at a tail shape and a vector multiple, a dense layer with tails (every path, the scalar one included), a
/// stacked model with a head, a bidirectional model, a projected model without biases), and for the namespace and nesting
/// cases only the wrapper around the class, so one kernel change touches only the concept snapshots. Each case must also compile with
/// no diagnostic at all (hidden ones and documentation warnings included), both for the newest consumer (net10.0,
/// C# latest) and the oldest (net8.0, C# 12).
/// </summary>
public class SnapshotTests
{
    [Fact]
    public void LstmInBlockNamespace() => VerifyWrapper("Models.Speech.Tagger.g.cs", """
        using RnnGen;

        namespace Models.Speech
        {
            [Lstm(input: 3, hidden: 5)]
            public partial class Tagger
            {
            }
        }
        """);

    [Fact]
    public void GruInBlockNamespace() => VerifyWrapper("Models.Speech.Denoiser.g.cs", """
        using RnnGen;

        namespace Models.Speech
        {
            [Gru(input: 3, hidden: 5)]
            public partial class Denoiser
            {
            }
        }
        """);

    [Fact]
    public void LstmInFileScopedNamespace() => VerifyWrapper("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 3, hidden: 5)]
        internal sealed partial class Tagger
        {
        }
        """);

    [Fact]
    public void GruInGlobalNamespace() => VerifyWrapper("Denoiser.g.cs", """
        [RnnGen.Gru(input: 3, hidden: 5)]
        public partial class Denoiser
        {
        }
        """);

    [Fact]
    public void LstmNestedInPartialClasses() => VerifyWrapper("Models.Outer.Inner.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        /// <summary>Containers are documented, so the generated code (compiled with documentation diagnostics on) must add no warning.</summary>
        public static partial class Outer
        {
            internal partial class Inner
            {
                [Lstm(input: 3, hidden: 5)]
                private partial class Tagger
                {
                }
            }
        }
        """);

    [Fact]
    public void GruNestedInGenericOuterClass() => VerifyWrapper("Models.Outer-1.Denoiser.g.cs", """
        using RnnGen;

        namespace Models;

        /// <summary>A generic container.</summary>
        public partial class Outer<T> where T : struct
        {
            [Gru(input: 3, hidden: 5)]
            public partial class Denoiser
            {
            }
        }
        """);

    [Fact]
    public void LstmNestedInRecordAndStruct() => VerifyWrapper("Models.Holder.Slot.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        /// <summary>A record container.</summary>
        public partial record Holder(int Id)
        {
            /// <summary>A struct container.</summary>
            public readonly partial struct Slot
            {
                [Lstm(input: 3, hidden: 5)]
                public partial class Tagger
                {
                }
            }
        }
        """);

    [Fact]
    public void LstmVectorMultiple() => VerifyCell("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 8, hidden: 16)]
        public partial class Tagger
        {
        }
        """);

    [Fact]
    public void GruVectorMultiple() => VerifyCell("Models.Denoiser.g.cs", """
        using RnnGen;

        namespace Models;

        [Gru(input: 8, hidden: 16)]
        public partial class Denoiser
        {
        }
        """);

    /// <summary>Three tiles of 16 units: the Vector512 packed bodies with one set of sums take two tiles at a time, then the last.</summary>
    [Fact]
    public void LstmTilePairs() => VerifyCell("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 8, hidden: 48)]
        public partial class Tagger
        {
        }
        """);

    /// <summary>
    /// Two tiles of 16 units, so the Vector512 hoisted step also projects the next block ahead (PackedStepProjectedAhead512):
    /// two of the 20 W_ih columns between each group of four W_hh columns, the last four after the loop.
    /// </summary>
    [Fact]
    public void LstmProjectsAhead() => VerifyCell("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 20, hidden: 32)]
        public partial class Tagger
        {
        }
        """);

    /// <summary>As <see cref="LstmTilePairs"/> for a GRU: its bfloat16 body pairs tiles (each keeps its n gate's input part apart).</summary>
    [Fact]
    public void GruTilePairs() => VerifyCell("Models.Denoiser.g.cs", """
        using RnnGen;

        namespace Models;

        [Gru(input: 8, hidden: 48)]
        public partial class Denoiser
        {
        }
        """);

    [Fact]
    public void LstmHiddenOnly() => VerifyWrapper("Models.Stacked.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(hidden: 32)]
        public partial class Stacked
        {
        }
        """);

    /// <summary>LSTM kernels where no size is a multiple of a vector: 128-bit and scalar paths, overlapping tails.</summary>
    [Fact]
    public void LstmWithTails() => VerifyCell("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 3, hidden: 5)]
        public partial class Tagger
        {
        }
        """);

    /// <summary>GRU kernels where no size is a multiple of a vector.</summary>
    [Fact]
    public void GruWithTails() => VerifyCell("Models.Denoiser.g.cs", """
        using RnnGen;

        namespace Models;

        [Gru(input: 3, hidden: 5)]
        public partial class Denoiser
        {
        }
        """);

    /// <summary>
    /// The reset-before GRU (ResetAfter = false) at a tail shape on every path: the step's two passes over the units (r, z,
    /// r⊙h, then n and h'), d(r⊙h) = W_hnᵀ·da_n between the backward passes, W_hn's gradient from the recorded r⊙h, the
    /// batched kernels stream by stream, and the frozen copy unpacked.
    /// </summary>
    [Fact]
    public void ResetBeforeGruWithTails() => VerifyCell("Models.Denoiser.g.cs", """
        using RnnGen;

        namespace Models;

        [Gru(input: 7, hidden: 13, ResetAfter = false)]
        public partial class Denoiser
        {
        }
        """);

    /// <summary>A stacked model with a head: first and upper layer kernels, the head's, the runner, Step with an output. Small sizes keep the kernels scalar.</summary>
    [Fact]
    public void StackedLstmWithHead() => VerifyCell("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 2, hidden: 3, Layers = 2, Dropout = 0.25)]
        [Dense(input: 3, output: 2)]
        public partial class Tagger
        {
        }
        """);

    /// <summary>A bidirectional model: no streaming members, Forward through a workspace.</summary>
    [Fact]
    public void BidirectionalGru() => VerifyCell("Models.Speech.g.cs", """
        using RnnGen;

        namespace Models;

        [Gru(input: 2, hidden: 3, Bidirectional = true, Name = "gru")]
        public partial class Speech
        {
        }
        """);

    /// <summary>A projected LSTM without biases: h = W_hr·m, no bias loads or gradients, the packed step's projection.</summary>
    [Fact]
    public void ProjectedLstmWithoutBias() => VerifyCell("Models.Projected.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 4, hidden: 8, ProjectionSize = 3, Bias = false)]
        public partial class Projected
        {
        }
        """);

    /// <summary>A dense layer on the 256-bit path with a tail of 5 inputs, a block of 4 output rows and a remainder row.</summary>
    [Fact]
    public void DenseWithTails() => VerifyCell("Models.Head.g.cs", """
        using RnnGen;

        namespace Models;

        [Dense(input: 13, output: 5)]
        public sealed partial class Head
        {
        }
        """);

    /// <summary>
    /// A dense layer nested in a class in the global namespace: the wrapper reopens the containing type as cells' do. (Its
    /// 3 inputs and 1 output fill no vector, so only the scalar path exists; DenseWithTails shows the scalar bodies.)
    /// </summary>
    [Fact]
    public void DenseScalarNestedInGlobalNamespace() => VerifyWrapper("Model.Head.g.cs", """
        /// <summary>Container.</summary>
        public partial class Model
        {
            [RnnGen.Dense(input: 3, output: 1)]
            internal partial class Head
            {
            }
        }
        """);

    [Fact]
    public void HintNamesAreUniqueAcrossNamespacesAndContainingTypes()
    {
        const string source = """
            using RnnGen;

            [Lstm(3, 5)] public partial class Cell { }

            namespace A
            {
                [Lstm(3, 5)] public partial class Cell { }
                /// <summary>Container.</summary>
                public partial class Outer { [Gru(3, 5)] public partial class Cell { } }
                /// <summary>Container.</summary>
                public partial class Outer<T> { [Gru(3, 5)] public partial class Cell { } }
                /// <summary>Container.</summary>
                public partial class Outer<T, U> { [Lstm(3, 5)] public partial class Cell { } }
                /// <summary>Not Outer{T}, though its name once gave the same hint.</summary>
                public partial class Outer_1 { [Lstm(3, 5)] public partial class Cell { } }
            }

            namespace B
            {
                [Gru(3, 5)] public partial class Cell { }
            }
            """;
        foreach (TargetProfile target in new[] { TargetProfile.Net10Latest, TargetProfile.Net8CSharp12 })
        {
            GeneratorRun run = RunClean(target, source);
            Assert.Equal(
                ["A.Cell.g.cs", "A.Outer-1.Cell.g.cs", "A.Outer-2.Cell.g.cs", "A.Outer.Cell.g.cs", "A.Outer_1.Cell.g.cs", "B.Cell.g.cs", "Cell.g.cs"],
                run.HintNames.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Keywords used as names (@event, @class) must be escaped in the code and dropped from the hint name.</summary>
    [Fact]
    public void KeywordNamesAreEscaped()
    {
        const string source = """
            namespace @event.Models
            {
                /// <summary>Container.</summary>
                public partial class @class<@int>
                {
                    [RnnGen.Lstm(3, 5)] public partial class @struct { }
                }

                [RnnGen.Gru(3, 5)] public partial class @object { }
            }
            """;
        foreach (TargetProfile target in new[] { TargetProfile.Net10Latest, TargetProfile.Net8CSharp12 })
        {
            GeneratorRun run = RunClean(target, source);
            Assert.Equal(["event.Models.class-1.struct.g.cs", "event.Models.object.g.cs"], run.HintNames.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>
    /// Generates <paramref name="source"/>'s one cell for both consumer profiles, checks both compile cleanly and
    /// agree, then matches the code against the snapshot (with Verify.SourceGenerators' "//HintName:" header).
    /// </summary>
    private static void VerifyCell(string hintName, string source, [CallerMemberName] string testName = "")
    {
        GeneratorRun latest = RunClean(TargetProfile.Net10Latest, source);
        GeneratorRun csharp12 = RunClean(TargetProfile.Net8CSharp12, source);
        Assert.Equal([hintName], latest.HintNames);
        Assert.Equal(latest.Source(hintName), csharp12.Source(hintName));
        Snapshot.Match($"//HintName: {hintName}\n{latest.Source(hintName)}", testName: testName);
    }

    /// <summary>
    /// Like <see cref="VerifyCell"/>, but the snapshot holds only the wrapper: the header, namespace and containing types,
    /// and the class's declaration line, with its body elided. These cases test where the class is, not its kernels.
    /// </summary>
    private static void VerifyWrapper(string hintName, string source, [CallerMemberName] string testName = "")
    {
        GeneratorRun latest = RunClean(TargetProfile.Net10Latest, source);
        GeneratorRun csharp12 = RunClean(TargetProfile.Net8CSharp12, source);
        Assert.Equal([hintName], latest.HintNames);
        Assert.Equal(latest.Source(hintName), csharp12.Source(hintName));
        Snapshot.Match($"//HintName: {hintName}\n{Wrapper(latest.Source(hintName))}", testName: testName);
    }

    /// <summary>The file without the generated class's body: every line up to its opening brace, "…", and the closing braces.</summary>
    private static string Wrapper(string source)
    {
        string[] lines = source.Split('\n');
        int declaration = Array.FindIndex(lines, l => l.TrimStart().StartsWith("partial class ", StringComparison.Ordinal) && l.Contains(" : global::RnnGen.", StringComparison.Ordinal));
        Assert.True(declaration >= 0, "no generated class declaration");
        string indent = lines[declaration][..(lines[declaration].Length - lines[declaration].TrimStart().Length)];
        int close = Array.FindIndex(lines, declaration + 1, l => l == indent + "}");
        Assert.True(close > declaration, "the generated class does not close");
        return string.Join("\n", lines[..(declaration + 2)].Append(indent + "    // … the generated members (see the concept snapshots)").Concat(lines[close..]));
    }

    private static GeneratorRun RunClean(TargetProfile target, string source)
    {
        GeneratorRun run = GeneratorHarness.Run(target, source);
        Assert.Empty(run.Diagnostics);
        Assert.NotEmpty(run.Sources);
        var diagnostics = run.CompilerDiagnostics();
        Assert.True(diagnostics.IsEmpty, $"{target}: the user code plus the generated code has diagnostics:\n{string.Join("\n", diagnostics)}");
        return run;
    }
}
