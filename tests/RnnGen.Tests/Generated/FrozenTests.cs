using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// <c>Freeze()</c> snapshots: the packed kernels compute the cell's equations (to float rounding), a snapshot is
/// exactly that (writes to the cell after it was taken never reach it, a new one sees them), Forward is Step
/// repeated bit for bit, nothing is allocated per call, and bad lengths are refused before anything is written.
/// </summary>
public sealed class FrozenTests
{
    /// <summary>
    /// Frozen vs cell: the same equations summed in another order. Measured worst over 200 steps with weights ×4:
    /// ~7e-6 on an LSTM's growing c, ~1e-6 on h; a swapped gate or column is off by 1e-1 or more.
    /// </summary>
    private const float Tolerance = 3e-5f;

    private const int Steps = 200;

    public static TheoryData<CellKind, int, int, float> Cases()
    {
        var cases = new TheoryData<CellKind, int, int, float>();
        foreach (CellKind kind in new[] { CellKind.Lstm, CellKind.Gru })
        {
            foreach ((int input, int hidden) in GeneratedCells.Shapes)
            {
                cases.Add(kind, input, hidden, 1f);
                cases.Add(kind, input, hidden, 4f);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FrozenStepMatchesTheCell(CellKind kind, int input, int hidden, float weightScale)
    {
        IRecurrentCell<float> cell = Scaled(GeneratedCells.Create(kind, input, hidden, new Random(11)), weightScale);
        IFrozenCell<float> frozen = GeneratedCells.Freeze(cell);
        Assert.Equal((kind, input, hidden, cell.StateSize), (frozen.Kind, frozen.InputSize, frozen.HiddenSize, frozen.StateSize));

        float[] inputs = Uniform(new Random(12), Steps * input);
        float[] expected = Uniform(new Random(13), cell.StateSize), actual = (float[])expected.Clone();
        for (int t = 0; t < Steps; t++)
        {
            cell.Step(inputs.AsSpan(t * input, input), expected);
            frozen.Step(inputs.AsSpan(t * input, input), actual);
            for (int i = 0; i < expected.Length; i++)
            {
                float error = MathF.Abs(actual[i] - expected[i]);
                Assert.True(error <= Tolerance * MathF.Max(1, MathF.Abs(expected[i])),
                    $"step {t}, state[{i}]: frozen {actual[i]:R}, cell {expected[i]:R} (error {error:E2})");
            }
        }
    }

    // Forward hoists layer 0's input projection where it pays; where it does (a GRU of (64,128): FrozenHoistingTests) it
    // is within float rounding of the steps, here it is not, or (an LSTM's 16-unit tiles) it adds in the same order. On
    // a plain copy (no Vector256: no packed kernel) the LSTM (64,128) hoists as the live Forward does (from 64 Ki
    // floats), within float rounding.
    [Theory]
    [InlineData(CellKind.Lstm, 64, 128)]
    [InlineData(CellKind.Gru, 8, 16)]
    [InlineData(CellKind.Lstm, 13, 24)]
    [InlineData(CellKind.Gru, 10, 40)]
    [InlineData(CellKind.Lstm, 7, 13)]
    [InlineData(CellKind.Gru, 1, 8)]
    public void ForwardIsStepRepeatedBitForBit(CellKind kind, int input, int hidden)
    {
        IFrozenCell<float> frozen = GeneratedCells.Freeze(Scaled(GeneratedCells.Create(kind, input, hidden, new Random(21)), 2));
        const int steps = 37;
        float[] inputs = Uniform(new Random(22), steps * input);
        float[] start = Uniform(new Random(23), frozen.StateSize);

        float[] stepped = (float[])start.Clone(), steppedOutputs = new float[steps * hidden];
        for (int t = 0; t < steps; t++)
        {
            frozen.Step(inputs.AsSpan(t * input, input), stepped);
            stepped.AsSpan(0, hidden).CopyTo(steppedOutputs.AsSpan(t * hidden));
        }

        float[] forwarded = (float[])start.Clone(), outputs = new float[steps * hidden];
        frozen.Forward(inputs, outputs, forwarded);

        bool plainHoists = !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && Hoisting.Hoists(kind, input, hidden, hidden);
        if (plainHoists)
        {
            Models.AssertClose(steppedOutputs, outputs, Models.SequenceTolerance, $"{kind} ({input},{hidden}): hoisted Forward outputs");
            Models.AssertClose(stepped, forwarded, Models.SequenceTolerance, $"{kind} ({input},{hidden}): hoisted Forward final state");
            return;
        }

        Assert.Equal(steppedOutputs, outputs);
        Assert.Equal(stepped, forwarded);
    }

    [Theory]
    [InlineData(CellKind.Lstm, 64, 128)]
    [InlineData(CellKind.Gru, 13, 24)]
    [InlineData(CellKind.Lstm, 3, 5)]
    public void ASnapshotKeepsTheWeightsItWasTakenWith(CellKind kind, int input, int hidden)
    {
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, new Random(31));
        IFrozenCell<float> before = GeneratedCells.Freeze(cell);
        float[] inputs = Uniform(new Random(32), 10 * input);
        float[] outputsBefore = Run(before, inputs);

        // An optimizer-like write through the memory the cell hands out, and one through the span.
        foreach (ref float p in cell.ParameterMemory.Span)
        {
            p *= -1.5f;
        }

        cell.BiasHh[0] += 1f;

        Assert.Equal(outputsBefore, Run(before, inputs));   // untouched by the writes, bit for bit

        IFrozenCell<float> after = GeneratedCells.Freeze(cell);
        float[] outputsAfter = Run(after, inputs), cellOutputs = new float[outputsAfter.Length];
        cell.Forward(inputs, cellOutputs, new float[cell.StateSize]);
        Assert.NotEqual(outputsBefore, outputsAfter);
        for (int i = 0; i < cellOutputs.Length; i++)
        {
            Assert.True(MathF.Abs(outputsAfter[i] - cellOutputs[i]) <= Tolerance, $"output {i}: frozen {outputsAfter[i]:R}, cell {cellOutputs[i]:R}");
        }
    }

    [Theory]
    [InlineData(CellKind.Lstm, 64, 128)]
    [InlineData(CellKind.Gru, 64, 128)]
    [InlineData(CellKind.Lstm, 3, 5)]
    [InlineData(CellKind.Gru, 1, 8)]
    public void StepAndForwardAllocateNothing(CellKind kind, int input, int hidden)
    {
        IFrozenCell<float> frozen = GeneratedCells.Freeze(GeneratedCells.Create(kind, input, hidden, new Random(41)));
        const int steps = 100;
        float[] inputs = Uniform(new Random(42), steps * input), outputs = new float[steps * hidden], state = new float[frozen.StateSize];

        long[] bytes = SteadyState.Allocations(Measure);
        (long step, long forward) = (bytes[0], bytes[1]);
        Assert.True(step == 0, $"10000 Steps allocated {step} bytes");
        Assert.True(forward == 0, $"Forward over {steps} steps allocated {forward} bytes");

        long[] Measure()
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10_000; i++)
            {
                frozen.Step(inputs.AsSpan(0, input), state);
            }

            long afterStep = GC.GetAllocatedBytesForCurrentThread();
            frozen.Forward(inputs, outputs, state);
            long afterForward = GC.GetAllocatedBytesForCurrentThread();
            return [afterStep - start, afterForward - afterStep];   // the array after the last reading
        }
    }

    [Theory]
    [InlineData(CellKind.Lstm, 8, 16)]
    [InlineData(CellKind.Gru, 8, 16)]
    [InlineData(CellKind.Lstm, 13, 24)]
    [InlineData(CellKind.Gru, 3, 5)]
    public void SilenceDecaysStraightToZero(CellKind kind, int input, int hidden)
    {
        IFrozenCell<float> frozen = GeneratedCells.Freeze(DecayTests.Contracting(kind, input, hidden));
        float[] zero = new float[input];
        float[] state = Enumerable.Repeat(0.5f, frozen.StateSize).ToArray();
        bool reachedZero = false;
        for (int t = 0; t < 2000; t++)
        {
            frozen.Step(zero, state);
            DecayTests.AssertNoTinyValues(state, $"state after {t + 1} zero inputs");
            reachedZero |= state.All(v => v == 0);
        }

        Assert.True(reachedZero, "the state never decayed to zero");
    }

    [Fact]
    public void BadLengthsNameTheArgumentAndWriteNothing()
    {
        IFrozenCell<float> frozen = GeneratedCells.Freeze(GeneratedCells.Create(CellKind.Lstm, 13, 24, new Random(51)));
        float[] state = Uniform(new Random(52), frozen.StateSize), original = (float[])state.Clone();
        float[] outputs = Enumerable.Repeat(7f, 2 * 24).ToArray();

        AssertThrows("input", "12", () => frozen.Step(new float[12], state));
        AssertThrows("state", "47", () => frozen.Step(new float[13], new float[47]));
        AssertThrows("inputs", "27", () => frozen.Forward(new float[27], outputs, state));
        AssertThrows("outputs", "47", () => frozen.Forward(new float[26], new float[47], state));
        AssertThrows("state", "24", () => frozen.Forward(new float[26], outputs, new float[24]));

        Assert.Equal(original, state);
        Assert.All(outputs, v => Assert.Equal(7f, v));

        static void AssertThrows(string parameter, string actualLength, Action call)
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Equal(parameter, e.ParamName);
            Assert.Contains(actualLength, e.Message, StringComparison.Ordinal);
        }
    }

    private static float[] Run(IFrozenCell<float> frozen, float[] inputs)
    {
        float[] outputs = new float[inputs.Length / frozen.InputSize * frozen.HiddenSize];
        frozen.Forward(inputs, outputs, new float[frozen.StateSize]);
        return outputs;
    }

    private static IRecurrentCell<float> Scaled(IRecurrentCell<float> cell, float scale)
    {
        foreach (ref float p in cell.Parameters)
        {
            p *= scale;
        }

        return cell;
    }

    private static float[] Uniform(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
}
