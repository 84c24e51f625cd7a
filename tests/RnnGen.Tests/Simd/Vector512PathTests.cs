using System.Reflection;
using System.Runtime.Intrinsics;
using RnnGen.Reference;
using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The Vector512 path itself, where the hardware accelerates it (skipped elsewhere): cells of 16 hidden units or more
/// take it, its step body agrees with the double reference as every path must, and a cell's own Step is that body.
/// The rest of the suite (parity with PyTorch, backward, batches, models, the dense head) runs on it in CI's opted-in run
/// (and, for GRUs from 64 units and LSTMs from 96, in the default run).
/// </summary>
public sealed class Vector512PathTests
{
    // The parity rule of GeneratedParityTests: 2e-6 for ordinary weights, 4e-5 for strongly saturated gates.
    private const double Floor = 2e-6, SaturatedFloor = 4e-5;

    private delegate void StepKernel(ref float w, ref float x, ref float previous, ref float next, ref float activations);

    public static TheoryData<CellKind, int, int, double> ShapesThatFillAVector512
    {
        get
        {
            var data = new TheoryData<CellKind, int, int, double>();
            foreach (CellKind kind in Enum.GetValues<CellKind>())
            {
                foreach (var (input, hidden) in GeneratedCells.Shapes.Where(shape => shape.Hidden >= 16))
                {
                    data.Add(kind, input, hidden, 1.0);
                    data.Add(kind, input, hidden, 4.0);
                }
            }

            return data;
        }
    }

    [Vector512Fact]
    public void CellsOfSixteenUnitsOrMoreTakeIt()
    {
        Assert.Equal(SimdPath.Vector512, SimdSupport.Widest);
        Assert.Equal(SimdPath.Vector512, Lstm8x16.ActivePath);
        Assert.Equal(SimdPath.Vector512, Gru16x17.ActivePath);
        Assert.Equal(SimdPath.Vector512, Lstm64x128.ActivePath);
        Assert.Equal(SimdPath.Vector256, Gru7x13.ActivePath);   // 13 units fill no Vector512
    }

    [Vector512Theory]
    [MemberData(nameof(ShapesThatFillAVector512))]
    public void Step512MatchesTheReferenceAndIsWhatStepRuns(CellKind kind, int input, int hidden, double weightScale)
    {
        var random = new Random(100 * input + hidden);
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, random);
        foreach (ref float p in cell.Parameters)
        {
            p *= (float)weightScale;
        }

        float[] x = ReferenceTestCells.Uniform<float>(random, input, 1), previous = ReferenceTestCells.Uniform<float>(random, cell.StateSize, 1);
        float[] parameters = cell.Parameters.ToArray();

        // The Vector512 body, called directly: the nested layer class's private Step512.
        Type layer = cell.GetType().GetNestedType("Kernels", BindingFlags.NonPublic)!.GetNestedType("FirstLayer")!;
        StepKernel step512 = layer.GetMethod("Step512", BindingFlags.NonPublic | BindingFlags.Static)!.CreateDelegate<StepKernel>();
        float[] next = new float[cell.StateSize], activations = new float[(int)layer.GetField("ActivationsPerStep")!.GetRawConstantValue()!];
        step512(ref parameters[0], ref x[0], ref previous[0], ref next[0], ref activations[0]);

        ReferenceCell<double> reference = kind == CellKind.Lstm ? new ReferenceLstm<double>(input, hidden) : new ReferenceGru<double>(input, hidden);
        FixtureRunner.Widen<float>(cell.Parameters).CopyTo(reference.Parameters);
        double[] expected = FixtureRunner.Widen<float>(previous);
        reference.Step(FixtureRunner.Widen<float>(x), expected);
        Error.AssertWithin(FixtureRunner.Widen<float>(next), expected, weightScale > 1 ? SaturatedFloor : Floor, $"{kind} ({input},{hidden}) ×{weightScale}: Step512");

        // The cell's public Step dispatches to that body: the same floats, bit for bit.
        float[] state = (float[])previous.Clone();
        cell.Step(x, state);
        Assert.Equal(next, state);
    }

    [Vector512Fact]
    public void SumEachSumsEveryAccumulator()
    {
        // Integers: every order of additions gives the exact sum, so lane k must be Σ a_k exactly, whatever the reduction tree.
        var random = new Random(5);
        Vector512<float>[] a = [.. Enumerable.Range(0, 16).Select(_ => Vector512.Create(Enumerable.Range(0, 16).Select(_ => (float)random.Next(-1000, 1000)).ToArray()))];
        Vector512<float> sums = VectorMath.SumEach(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
        for (int k = 0; k < 16; k++)
        {
            Assert.Equal(Vector512.Sum(a[k]), sums.GetElement(k));
        }
    }

    [Vector512Fact]
    public void TailMaskKeepsTheLastLanes()
    {
        for (int valid = 1; valid <= 16; valid++)
        {
            Vector512<float> kept = Vector512<float>.One & VectorMath.TailMask512(valid);
            for (int lane = 0; lane < 16; lane++)
            {
                Assert.Equal(lane >= 16 - valid ? 1f : 0f, kept.GetElement(lane));
            }
        }
    }
}
