using RnnGen.Generator.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Which switch each dispatcher reads: the forward kernels take Vector512 only when the process opts in
/// (SimdSupport.Vector512Kernels); the training kernels of a layer with 64 hidden units or more take it by default
/// (SimdSupport.Vector512Training), where it measured faster. The snapshot cases are all smaller than that.
/// </summary>
public class DispatchTests
{
    private const string OptedIn = "global::RnnGen.Simd.SimdSupport.Vector512Kernels", ByDefault = "global::RnnGen.Simd.SimdSupport.Vector512Training";

    [Theory]
    [InlineData("Lstm", 63, OptedIn)]
    [InlineData("Lstm", 64, ByDefault)]
    [InlineData("Gru", 63, OptedIn)]
    [InlineData("Gru", 128, ByDefault)]
    public void TrainingKernelsTakeVector512ByDefaultFromSixtyFourUnits(string kind, int hidden, string trainingSwitch)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            [{{kind}}(input: 8, hidden: {{hidden}})] public partial class Cell;
            """);
        Assert.Empty(run.Diagnostics);
        string source = run.Source("Models.Cell.g.cs");

        foreach (string kernel in new[] { "Step", "StepProjected", "StepBatch" })
        {
            Assert.Contains($"if ({OptedIn}) {kernel}512(", source, StringComparison.Ordinal);
        }

        foreach (string kernel in new[] { "BackwardStep", "BackwardStepBatch", "ParameterGradients" })
        {
            Assert.Contains($"if ({trainingSwitch}) {kernel}512(", source, StringComparison.Ordinal);
            Assert.Contains($"else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) {kernel}256(", source, StringComparison.Ordinal);
        }

        Assert.Equal(trainingSwitch == ByDefault, source.Contains(ByDefault, StringComparison.Ordinal));
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
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            {{attribute}} public partial class Cell;
            """);
        Assert.Empty(run.Diagnostics);
        Assert.Contains($"public static bool StepsInPlace {{ [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] get => {condition}; }}", run.Source("Models.Cell.g.cs"), StringComparison.Ordinal);
    }

    /// <summary>
    /// Where the packed step runs a tile's W_ih and W_hh products through one shared column loop: several tiles, weights
    /// past 32 KB (from L2), both column counts multiples of the unroll and W_ih·x not fully unrolled; tiles of 16 get it in
    /// their Vector512 body too, a tile per pass.
    /// </summary>
    [Theory]
    [InlineData("[Gru(input: 32, hidden: 64)]", true, true)]
    [InlineData("[Lstm(input: 32, hidden: 64)]", true, true)]
    [InlineData("[Lstm(input: 32, hidden: 40)]", true, false)]   // tiles of 8: no Vector512 body
    [InlineData("[Lstm(input: 64, hidden: 128, ProjectionSize = 32)]", true, true)]
    [InlineData("[Lstm(input: 8, hidden: 32)]", false, false)]   // 20 KB: in L1
    [InlineData("[Lstm(input: 16, hidden: 16)]", false, false)]  // one tile
    [InlineData("[Gru(input: 10, hidden: 64)]", false, false)]   // 10 input columns: not a multiple of the unroll
    [InlineData("[Gru(input: 8, hidden: 96)]", false, false)]    // W_ih·x fully unrolled
    [InlineData("[Gru(input: 32, hidden: 65)]", false, false)]   // no packed kernel
    public void PackedStepSharesOneColumnLoopWhereTheWeightsStreamFromL2(string attribute, bool shared, bool vector512)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using RnnGen;
            namespace Models;
            {{attribute}} public partial class Cell;
            """);
        Assert.Empty(run.Diagnostics);
        string source = run.Source("Models.Cell.g.cs");
        Assert.Equal(shared, source.Contains("private static void PackedColumnRun256(", StringComparison.Ordinal));
        Assert.Equal(shared ? 2 : 0, CountOf(source, "PackedColumnRun256(ref column, ref "));
        Assert.Equal(vector512, source.Contains("private static void PackedColumnRun512(", StringComparison.Ordinal));
        Assert.Equal(vector512 ? 2 : 0, CountOf(source, "PackedColumnRun512(ref column, ref "));
    }

    private static int CountOf(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
