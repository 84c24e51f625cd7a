using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

// Layer 0 above the 256 KB (384 KB on Vector512) of W_ih + W_hh from which Forward hoists (ModelRunner.HoistingMinimum), with tails.
[Lstm(input: 100, hidden: 252)] public partial class HoistedLstm100x252;
[Gru(input: 130, hidden: 250)] public partial class HoistedGru130x250;

/// <summary>
/// A live Forward of a layer 0 of 256 KB or more (384 KB where it steps on Vector512) computes the input projections
/// W_ih·x_t + b_ih a block of steps at a time and steps on W_hh·h alone: over 200 steps (several blocks and a partial
/// one, at every SIMD-relevant width: I below, at and above 8, H with tails) its outputs and final state stay within the
/// float-rounding rule of one Step per step, weights ×1 and ×4; below (up to (33,65), 100 KB; GRU (64,128), 288 KB, on
/// Vector512) it does not hoist and, unless it packs (SequencePackingTests), gives them bit for bit.
/// </summary>
public sealed class SequenceHoistingTests
{
    private const int Steps = 200;

    public static TheoryData<CellKind, int, int, float> Cases()
    {
        var cases = new TheoryData<CellKind, int, int, float>();
        foreach (CellKind kind in new[] { CellKind.Lstm, CellKind.Gru })
        {
            foreach (var (input, hidden) in new[] { (1, 8), (7, 13), (33, 65), (64, 128), kind == CellKind.Lstm ? (100, 252) : (130, 250) })
            {
                cases.Add(kind, input, hidden, 1f);
                cases.Add(kind, input, hidden, 4f);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardStaysWithinRoundingOfStepsOver200Steps(CellKind kind, int input, int hidden, float scale)
    {
        IRecurrentCell<float> cell = Models.Scaled(Create(kind, input, hidden, new Random(41)), scale);
        float[] inputs = Models.Uniform(new Random(42), Steps * input);
        float[] start = Models.Uniform(new Random(43), cell.StateSize);

        float[] stepped = (float[])start.Clone(), steppedOutputs = new float[Steps * hidden];
        for (int t = 0; t < Steps; t++)
        {
            cell.Step(inputs.AsSpan(t * input, input), stepped);
            stepped.AsSpan(0, hidden).CopyTo(steppedOutputs.AsSpan(t * hidden));
        }

        float[] forwarded = (float[])start.Clone(), outputs = new float[Steps * hidden];
        cell.Forward(inputs, outputs, forwarded);

        Models.AssertClose(steppedOutputs, outputs, Models.SequenceTolerance, $"{kind} ({input},{hidden}) ×{scale}: Forward outputs");
        Models.AssertClose(stepped, forwarded, Models.SequenceTolerance, $"{kind} ({input},{hidden}) ×{scale}: Forward final state");
        Assert.Contains(outputs, v => v != 0);
        if (!Hoisting.Hoists(kind, input, hidden, hidden) && !Hoisting.Packs(kind, input, hidden, Steps))
        {
            // Below the threshold, and where it does not pack, Forward does not hoist: exactly one Step per step.
            Assert.True(steppedOutputs.AsSpan().SequenceEqual(outputs) && stepped.AsSpan().SequenceEqual(forwarded), $"{kind} ({input},{hidden}): not bit for bit");
        }
    }

    private static IRecurrentCell<float> Create(CellKind kind, int input, int hidden, Random random) => (kind, input, hidden) switch
    {
        (CellKind.Lstm, 100, 252) => new HoistedLstm100x252(random),
        (CellKind.Gru, 130, 250) => new HoistedGru130x250(random),
        _ => GeneratedCells.Create(kind, input, hidden, random),
    };
}
