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
}
