using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Which switch each dispatcher reads: a large layer's kernels take Vector512 by default (SimdSupport.Vector512LargeLayers),
/// where it measured faster: the training kernels from 64 hidden units, the forward kernels from 64 in a GRU and 96 in an
/// LSTM; smaller ones only when the process opts in (SimdSupport.Vector512Kernels). The snapshot cases are all smaller.
/// </summary>
public class DispatchTests
{
    private const string OptedIn = "global::RnnGen.Simd.SimdSupport.Vector512Kernels", ByDefault = "global::RnnGen.Simd.SimdSupport.Vector512LargeLayers";

    [Theory]
    [InlineData("Lstm", 63, OptedIn, OptedIn)]
    [InlineData("Lstm", 64, OptedIn, ByDefault)]
    [InlineData("Lstm", 95, OptedIn, ByDefault)]
    [InlineData("Lstm", 96, ByDefault, ByDefault)]
    [InlineData("Gru", 63, OptedIn, OptedIn)]
    [InlineData("Gru", 64, ByDefault, ByDefault)]
    [InlineData("Gru", 128, ByDefault, ByDefault)]
    public void LargeLayersTakeVector512ByDefault(string kind, int hidden, string forwardSwitch, string trainingSwitch)
    {
        string source = CellSource($"[{kind}(input: 8, hidden: {hidden})]");

        foreach (string kernel in new[] { "Step", "StepProjected", "StepBatch" })
        {
            Assert.Contains($"if ({forwardSwitch}) {kernel}512(", source, StringComparison.Ordinal);
            Assert.Contains($"else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) {kernel}256(", source, StringComparison.Ordinal);
        }

        foreach (string kernel in new[] { "BackwardStep", "BackwardStepBatch", "InputGradients", "ParameterGradients" })
        {
            Assert.Contains($"if ({trainingSwitch}) {kernel}512(", source, StringComparison.Ordinal);
            Assert.Contains($"else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) {kernel}256(", source, StringComparison.Ordinal);
        }

        // ActivePath reports the forward kernels' path; its summary says so where the training kernels may take another.
        Assert.Contains($"{forwardSwitch} ? global::RnnGen.Simd.SimdPath.Vector512 : ", source, StringComparison.Ordinal);
        Assert.Equal(forwardSwitch != trainingSwitch, source.Contains("the training kernels take Vector512 wherever SimdSupport.Vector512LargeLayers", StringComparison.Ordinal));
        Assert.Equal(trainingSwitch == ByDefault, source.Contains(ByDefault, StringComparison.Ordinal));
    }

    /// <summary>
    /// The live batched step takes its gates one at a time, for chunks of 8 streams, on the Vector512 path only and only
    /// where one vector of units' rows of every gate fill a 48 KB L1 (G·16·(I + H) floats): LSTM (64,128) is 48 KB, GRU
    /// (64,128) 36 KB, GRU (96,160) 48 KB, and a projected LSTM goes stream by stream whatever its size.
    /// </summary>
    [Theory]
    [InlineData("[Lstm(input: 64, hidden: 128)]", true)]
    [InlineData("[Lstm(input: 64, hidden: 127)]", false)]
    [InlineData("[Gru(input: 64, hidden: 128)]", false)]
    [InlineData("[Gru(input: 96, hidden: 160)]", true)]
    [InlineData("[Gru(input: 100, hidden: 180)]", true)]
    [InlineData("[Lstm(input: 64, hidden: 128, ProjectionSize = 64)]", false)]
    public void TheLiveBatchedStepTakesGatesOneAtATimeWhereTheirRowsFillL1(string attribute, bool gateByGate)
    {
        string source = CellSource(attribute);
        string stepBatch512 = Body(source, "private static void StepBatch512(");
        Assert.Equal(gateByGate, stepBatch512.Contains("stackalloc float[", StringComparison.Ordinal));
        Assert.DoesNotContain("stackalloc", Body(source, "private static void StepBatch256("), StringComparison.Ordinal);

        // From a method's signature to the next method's summary.
        static string Body(string source, string signature)
        {
            int start = source.IndexOf(signature, StringComparison.Ordinal);
            Assert.True(start >= 0, signature);
            int end = source.IndexOf("/// <summary>", start, StringComparison.Ordinal);
            return source[start..end];
        }
    }

    private const string V256 = "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated", V128 = "global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated";

    /// <summary>
    /// When a single stream's step may skip the copy of its state: the step must read all of h, and each unit's c,
    /// before writing them. A unit loop that runs once does (H = the lanes of the first path H gets); where h' is
    /// written after the loop (projection, reset-before GRU) every path does whose loop has no overlapping last vector.
    /// </summary>
    [Theory]
    [InlineData("[Lstm(input: 1, hidden: 8)]", V256)]
    [InlineData("[Gru(input: 1, hidden: 8)]", V256)]
    [InlineData("[Lstm(input: 8, hidden: 16)]", OptedIn)]
    [InlineData("[Lstm(input: 3, hidden: 4)]", V128)]
    [InlineData("[Gru(input: 1, hidden: 1)]", "true")]
    [InlineData("[Lstm(input: 8, hidden: 32)]", "false")]
    [InlineData("[Gru(input: 7, hidden: 13)]", "false")]
    [InlineData("[Gru(input: 3, hidden: 8, ResetAfter = false)]", "true")]
    [InlineData("[Gru(input: 3, hidden: 24, ResetAfter = false)]", "!" + OptedIn)]
    [InlineData("[Lstm(input: 7, hidden: 13, ProjectionSize = 5)]", "!" + V256 + " && !" + V128)]
    public void StepsInPlaceOnlyWhereTheStepReadsAllOfHFirst(string attribute, string condition)
    {
        Assert.Contains($"public static bool StepsInPlace {{ [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] get => {condition}; }}", CellSource(attribute), StringComparison.Ordinal);
    }

    /// <summary>
    /// Where the float32 Vector512 packed body takes two tiles per pass: an LSTM's (a GRU sums in two sets) of several
    /// tiles of 16 while its weights fit in L1 or its W_ih·x is short; with weights from L2 (past 32 KB) behind more
    /// inputs, a tile per pass. The bfloat16 body pairs tiles either way.
    /// </summary>
    [Theory]
    [InlineData("[Lstm(input: 8, hidden: 32)]", true, 2)]     // 20 KB
    [InlineData("[Lstm(input: 8, hidden: 48)]", true, 3)]     // 43 KB, 8 input columns
    [InlineData("[Gru(input: 8, hidden: 32)]", false, 2)]     // two sets of sums
    [InlineData("[Gru(input: 32, hidden: 64)]", false, 4)]
    [InlineData("[Lstm(input: 40, hidden: 32)]", false, 2)]   // 36 KB
    [InlineData("[Lstm(input: 32, hidden: 64)]", false, 4)]   // 96 KB
    [InlineData("[Lstm(input: 64, hidden: 128)]", false, 8)]  // 384 KB
    [InlineData("[Lstm(input: 16, hidden: 16)]", false, 1)]   // one tile
    public void PackedStep512PairsTilesOnlyWhileTheWeightsFitInL1(string attribute, bool paired, int tiles)
    {
        string source = CellSource(attribute);
        const string Summary = "/// <summary>PackedStep256 with one Vector512 per gate of a tile of 16 units";
        Assert.Contains(Summary, source, StringComparison.Ordinal);
        Assert.Equal(paired, source.Contains(Summary + ", two tiles at a time.</summary>", StringComparison.Ordinal));
        Assert.Equal(tiles > 1, source.Contains("/// <summary>PackedStep256BFloat16 with one Vector512 per gate of a tile of 16 units, two tiles at a time.</summary>", StringComparison.Ordinal));
    }

    /// <summary>The generated file of a cell <c>Models.Cell</c> declared with <paramref name="attribute"/>, which must compile without diagnostics.</summary>
    private static string CellSource(string attribute)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            {{attribute}} public partial class Cell;
            """);
        Assert.Empty(run.Diagnostics);
        return run.Source("Models.Cell.g.cs");
    }
}
