using System.Runtime.CompilerServices;
using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// The generated code for representative declarations, approved in Snapshots/. Each case must also compile with no
/// diagnostic at all (hidden ones and documentation warnings included), both for the newest consumer (net10.0,
/// C# latest) and the oldest (net8.0, C# 12).
/// </summary>
public class SnapshotTests
{
    [Fact]
    public void LstmInBlockNamespace() => VerifyCell("Models.Speech.Tagger.g.cs", """
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
    public void GruInBlockNamespace() => VerifyCell("Models.Speech.Denoiser.g.cs", """
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
    public void LstmInFileScopedNamespace() => VerifyCell("Models.Tagger.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(input: 3, hidden: 5)]
        internal sealed partial class Tagger
        {
        }
        """);

    [Fact]
    public void GruInGlobalNamespace() => VerifyCell("Denoiser.g.cs", """
        [RnnGen.Gru(input: 3, hidden: 5)]
        public partial class Denoiser
        {
        }
        """);

    [Fact]
    public void LstmNestedInPartialClasses() => VerifyCell("Models.Outer.Inner.Tagger.g.cs", """
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
    public void GruNestedInGenericOuterClass() => VerifyCell("Models.Outer-1.Denoiser.g.cs", """
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
    public void LstmNestedInRecordAndStruct() => VerifyCell("Models.Holder.Slot.Tagger.g.cs", """
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

    [Fact]
    public void LstmHiddenOnly() => VerifyCell("Models.Stacked.g.cs", """
        using RnnGen;

        namespace Models;

        [Lstm(hidden: 32)]
        public partial class Stacked
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

    /// <summary>Fewer inputs than 4 lanes: the scalar kernels only. Nested, to reopen containing types as cells do.</summary>
    [Fact]
    public void DenseScalarNestedInGlobalNamespace() => VerifyCell("Model.Head.g.cs", """
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
