using System.Runtime.Intrinsics;
using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// From 32 steps (64 for a packed copy under 16,384 floats) a live Forward on the packed path packs the parameters into
/// the calling thread's buffer and runs the frozen kernels: its outputs and final state are <c>Freeze().Forward</c>'s bit
/// for bit, read from the parameters as they are at the call; shorter sequences stay on the live kernels. Where no packed
/// kernel runs (no Vector256, H not a multiple of 8) it is the live Forward at any length. A live ForwardBatch of B &gt; 1
/// streams packs where the snapshot's batched step has its Vector512 body (tiles of 16 units), from T·B = 32 stream-steps
/// (64 for a small copy), and is then the snapshot's ForwardBatch bit for bit; elsewhere it is StepBatch repeated, exactly.
/// </summary>
public sealed class SequencePackingTests
{
    public static TheoryData<CellKind, int, int, int> Cells()
    {
        var cases = new TheoryData<CellKind, int, int, int>();
        foreach (CellKind kind in new[] { CellKind.Lstm, CellKind.Gru })
        {
            cases.Add(kind, 1, 8, 64);      // small: packs from 64 steps
            cases.Add(kind, 10, 40, 100);
            cases.Add(kind, 32, 40, 64);
            cases.Add(kind, 64, 128, 32);   // packs from 32 steps
            cases.Add(kind, 33, 65, 100);   // H = 65: no packed kernel
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void LongSequencesRunTheFrozenKernelsOnTheParametersOfTheCall(CellKind kind, int input, int hidden, int steps)
    {
        IRecurrentCell<float> cell = Models.Scaled(GeneratedCells.Create(kind, input, hidden, new Random(51)), 4);
        float[] inputs = Models.Uniform(new Random(52), steps * input);
        float[] start = Models.Uniform(new Random(53), cell.StateSize);
        bool packs = Hoisting.Packs(kind, input, hidden, steps);
        Assert.Equal(Vector256.IsHardwareAccelerated && hidden % 8 == 0, packs);

        // A first call with other parameters: the buffer's previous contents must not leak into the next call.
        IRecurrentCell<float> other = GeneratedCells.Create(kind, input, hidden, new Random(54));
        other.Forward(inputs, new float[steps * hidden], (float[])start.Clone());

        (float[] outputs, float[] state) = Run(cell.Forward, inputs, start, steps * hidden);
        (float[] frozenOutputs, float[] frozenState) = Run(GeneratedCells.Freeze(cell).Forward, inputs, start, steps * hidden);
        (float[] stepped, float[] steppedState) = Stepped(cell, inputs, start, steps);
        Assert.Contains(outputs, v => v != 0);
        // Packed or not: where nothing packs, the snapshot is a plain copy run by the same kernels.
        Assert.True(frozenOutputs.AsSpan().SequenceEqual(outputs), $"{kind} ({input},{hidden}), T = {steps}: outputs are not the frozen Forward's");
        Assert.True(frozenState.AsSpan().SequenceEqual(state), $"{kind} ({input},{hidden}), T = {steps}: final state is not the frozen Forward's");

        // Either way, within the float-rounding rule of one Step per step.
        Models.AssertClose(stepped, outputs, Models.SequenceTolerance, $"{kind} ({input},{hidden}), T = {steps}: outputs");
        Models.AssertClose(steppedState, state, Models.SequenceTolerance, $"{kind} ({input},{hidden}), T = {steps}: final state");

        // Parameters changed after a packed call are what the next call packs.
        cell.Parameters[0] += 0.5f;
        cell.Parameters[^1] -= 0.25f;
        (float[] changed, _) = Run(cell.Forward, inputs, start, steps * hidden);
        (float[] changedStepped, _) = Stepped(cell, inputs, start, steps);
        Models.AssertClose(changedStepped, changed, Models.SequenceTolerance, $"{kind} ({input},{hidden}), T = {steps}: after a parameter change");
        Assert.False(changed.AsSpan().SequenceEqual(outputs), $"{kind} ({input},{hidden}): the change did not reach Forward");
    }

    [Theory]
    [InlineData(CellKind.Lstm, 1, 8, 63)]
    [InlineData(CellKind.Gru, 1, 8, 63)]
    [InlineData(CellKind.Gru, 10, 40, 31)]
    public void ShorterSequencesStepOnTheLiveKernels(CellKind kind, int input, int hidden, int steps)
    {
        // Below the packing length, and too small to hoist: exactly one Step per step.
        IRecurrentCell<float> cell = Models.Scaled(GeneratedCells.Create(kind, input, hidden, new Random(61)), 4);
        float[] inputs = Models.Uniform(new Random(62), steps * input);
        float[] start = Models.Uniform(new Random(63), cell.StateSize);
        Assert.False(Hoisting.Packs(kind, input, hidden, steps));
        Assert.False(Hoisting.Hoists(kind, input, hidden, hidden));

        (float[] outputs, float[] state) = Run(cell.Forward, inputs, start, steps * hidden);
        (float[] stepped, float[] steppedState) = Stepped(cell, inputs, start, steps);
        Assert.True(stepped.AsSpan().SequenceEqual(outputs) && steppedState.AsSpan().SequenceEqual(state), $"{kind} ({input},{hidden}), T = {steps}: not bit for bit");
    }

    [Fact]
    public void AStackedModelWithAHeadPacksEveryLayer()
    {
        const int Steps = 40;
        var concrete = Models.Scaled(new Lstm32x64L2Head(new Random(71)), 2);
        IStreamingModel<float> model = concrete;
        float[] inputs = Models.Uniform(new Random(72), Steps * model.InputSize);
        float[] start = Models.Uniform(new Random(73), model.StateSize);

        (float[] outputs, float[] state) = Run(model.Forward, inputs, start, Steps * model.OutputSize);
        (float[] frozenOutputs, float[] frozenState) = Run(concrete.Freeze().Forward, inputs, start, Steps * model.OutputSize);
        float[] stepped = new float[Steps * model.OutputSize], steppedState = (float[])start.Clone();
        for (int t = 0; t < Steps; t++)
        {
            model.Step(inputs.AsSpan(t * model.InputSize, model.InputSize), steppedState, stepped.AsSpan(t * model.OutputSize, model.OutputSize));
        }

        // On every path: where nothing packs, the snapshot is a plain copy run by the same kernels.
        Assert.True(frozenOutputs.AsSpan().SequenceEqual(outputs) && frozenState.AsSpan().SequenceEqual(state), "not the frozen Forward's bits");
        Models.AssertClose(stepped, outputs, Models.SequenceTolerance, "outputs");
        Models.AssertClose(steppedState, state, Models.SequenceTolerance, "final state");
    }

    [Fact]
    public void ABidirectionalModelPacksThroughItsWorkspace()
    {
        const int Steps = 70;
        var concrete = Models.Scaled(new Gru8x24L2BiHead(new Random(75)), 4);
        IRecurrentModel<float> model = concrete;
        float[] inputs = Models.Uniform(new Random(76), Steps * model.InputSize);
        float[] start = Models.Uniform(new Random(77), model.StateSize);
        float[] outputs = new float[Steps * model.OutputSize], state = (float[])start.Clone();
        model.Forward(inputs, outputs, state, model.CreateWorkspace(Steps));
        IFrozenModel<float> frozen = concrete.Freeze();
        float[] frozenOutputs = new float[Steps * model.OutputSize], frozenState = (float[])start.Clone();
        frozen.Forward(inputs, frozenOutputs, frozenState, frozen.CreateWorkspace(Steps));

        // Below the packing length the same call stays live: within rounding of the packed one on its first steps.
        const int Short = 20;
        float[] shortOutputs = new float[Short * model.OutputSize];
        model.Forward(inputs.AsSpan(0, Short * model.InputSize), shortOutputs, (float[])start.Clone(), model.CreateWorkspace(Short));
        float[] packedShort = new float[Short * model.OutputSize];
        frozen.Forward(inputs.AsSpan(0, Short * model.InputSize), packedShort, (float[])start.Clone(), frozen.CreateWorkspace(Short));
        Models.AssertClose(packedShort, shortOutputs, Models.SequenceTolerance, "a short sequence");

        Assert.Contains(outputs, v => v != 0);
        Assert.True(frozenOutputs.AsSpan().SequenceEqual(outputs) && frozenState.AsSpan().SequenceEqual(state), "not the frozen Forward's bits");
    }

    /// <summary>
    /// Cells, T, B, and whether the pass packs where Vector512 is accelerated (tiles of 16, T·B against 64 or 32) and
    /// where only Vector256 is (B ≥ 8, T against 64 or 32).
    /// </summary>
    public static TheoryData<CellKind, int, int, int, int, bool, bool> BatchedCells()
    {
        var cases = new TheoryData<CellKind, int, int, int, int, bool, bool>();
        foreach (CellKind kind in new[] { CellKind.Lstm, CellKind.Gru })
        {
            cases.Add(kind, 8, 16, 16, 4, true, false);     // small: 64 stream-steps
            cases.Add(kind, 8, 16, 9, 7, false, false);     // 63
            cases.Add(kind, 64, 128, 8, 4, true, false);    // 32 stream-steps of a copy of 16,384 floats or more
            cases.Add(kind, 10, 40, 20, 9, false, false);   // tiles of 8: no Vector512 body; on Vector256, 20 steps of a small copy
            cases.Add(kind, 10, 40, 64, 8, false, true);    // 8 streams of 64 steps of a small copy
            cases.Add(kind, 64, 128, 32, 8, true, true);    // 8 streams of 32 steps
            cases.Add(kind, 64, 128, 31, 9, true, false);   // 31 steps
            cases.Add(kind, 64, 128, 40, 7, true, false);   // 7 streams
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(BatchedCells))]
    public void BatchedSequencesPackWhereTheFrozenBatchedBodyPays(CellKind kind, int input, int hidden, int steps, int batch, bool packsOn512, bool packsOn256)
    {
        IRecurrentCell<float> cell = Models.Scaled(GeneratedCells.Create(kind, input, hidden, new Random(55)), 4);
        IFrozenCell<float> frozen = GeneratedCells.Freeze(cell);
        float[] inputs = Models.Uniform(new Random(56), steps * batch * input);
        float[] start = Models.Uniform(new Random(57), batch * cell.StateSize);
        bool packs = Hoisting.PacksBatch(cell.Shape, steps, batch);
        Assert.Equal(Vector512.IsHardwareAccelerated ? packsOn512 : Vector256.IsHardwareAccelerated && packsOn256, packs);
        string what = $"{kind} ({input},{hidden}), T = {steps}, B = {batch}";

        // One StepBatch per step: the live batched kernels.
        float[] stepped = new float[steps * batch * hidden], steppedStates = (float[])start.Clone();
        for (int t = 0; t < steps; t++)
        {
            cell.StepBatch(inputs.AsSpan(t * batch * input, batch * input), steppedStates, stepped.AsSpan(t * batch * hidden, batch * hidden));
        }

        foreach (bool throughWorkspace in new[] { false, true })
        {
            string pass = $"{what}, {(throughWorkspace ? "workspace" : "streaming")} ForwardBatch";
            float[] outputs = new float[steps * batch * hidden], states = (float[])start.Clone();
            float[] frozenOutputs = new float[steps * batch * hidden], frozenStates = (float[])start.Clone();
            if (throughWorkspace)
            {
                cell.ForwardBatch(inputs, outputs, states, cell.CreateWorkspace(steps, batch));
                frozen.ForwardBatch(inputs, frozenOutputs, frozenStates, frozen.CreateWorkspace(steps, batch));
            }
            else
            {
                cell.ForwardBatch(inputs, outputs, states);
                frozen.ForwardBatch(inputs, frozenOutputs, frozenStates);
            }

            Assert.Contains(outputs, v => v != 0);
            if (packs)
            {
                // The frozen snapshot's kernels on the parameters of the call: its bits; the live steps within rounding.
                Assert.True(frozenOutputs.AsSpan().SequenceEqual(outputs) && frozenStates.AsSpan().SequenceEqual(states), $"{pass}: not the frozen ForwardBatch's bits");
                Models.AssertClose(stepped, outputs, Models.SequenceTolerance, $"{pass}: outputs");
                Models.AssertClose(steppedStates, states, Models.SequenceTolerance, $"{pass}: final states");
            }
            else
            {
                Assert.True(stepped.AsSpan().SequenceEqual(outputs) && steppedStates.AsSpan().SequenceEqual(states), $"{pass}: not StepBatch's bits");
            }
        }
    }

    [Fact]
    public void ABidirectionalBatchPacksThroughItsWorkspace()
    {
        const int Steps = 12, Batch = 3;
        var concrete = Models.Scaled(new HoistedGru48x144L2Bi(new Random(78)), 2);
        IRecurrentModel<float> model = concrete;
        IFrozenModel<float> frozen = concrete.Freeze();
        float[] inputs = Models.Uniform(new Random(79), Steps * Batch * model.InputSize);
        float[] start = Models.Uniform(new Random(80), Batch * model.StateSize);
        float[] outputs = new float[Steps * Batch * model.OutputSize], states = (float[])start.Clone();
        model.ForwardBatch(inputs, outputs, states, model.CreateWorkspace(Steps, Batch));
        float[] frozenOutputs = new float[outputs.Length], frozenStates = (float[])start.Clone();
        frozen.ForwardBatch(inputs, frozenOutputs, frozenStates, frozen.CreateWorkspace(Steps, Batch));

        Assert.Equal(Vector512.IsHardwareAccelerated, Hoisting.PacksBatch(model.Shape, Steps, Batch));
        Assert.Contains(outputs, v => v != 0);
        bool same = frozenOutputs.AsSpan().SequenceEqual(outputs) && frozenStates.AsSpan().SequenceEqual(states);
        if (Vector512.IsHardwareAccelerated)
        {
            Assert.True(same, "a packed bidirectional batch is not the frozen ForwardBatch's bits");
        }
        else
        {
            // Live: the snapshot's batched kernels add in another order.
            Models.AssertClose(frozenOutputs, outputs, Models.SequenceTolerance, "outputs against the snapshot's");
        }
    }

    [Fact]
    public void ThreadsRunningOneModelPackIntoTheirOwnBuffers()
    {
        const int Steps = 64, Rounds = 200;
        var cell = Models.Scaled(new Gru64x128(new Random(81)), 4);
        float[][] inputs = [Models.Uniform(new Random(82), Steps * 64), Models.Uniform(new Random(83), Steps * 64)];
        float[][] expected = inputs.Select(x => Run(cell.Forward, x, new float[128], Steps * 128).Outputs).ToArray();

        var failures = new int[2];
        using var go = new Barrier(2);
        Thread[] threads = Enumerable.Range(0, 2).Select(i => new Thread(() =>
        {
            go.SignalAndWait();
            for (int round = 0; round < Rounds; round++)
            {
                if (!Run(cell.Forward, inputs[i], new float[128], Steps * 128).Outputs.AsSpan().SequenceEqual(expected[i]))
                {
                    failures[i]++;
                }
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Equal([0, 0], failures);
    }

    [Fact]
    public void APackedForwardAllocatesNothingOnceItsBufferHasGrown()
    {
        // Bidirectional through a workspace and streaming, both packing (T = 100), and a batch of 4 streams (packing where
        // Vector512 runs the frozen batched step); measured once the runtime's first-time work is done (SteadyState), the
        // first call having grown this thread's buffer.
        const int Steps = 100, Batch = 4;
        var cell = new Lstm64x128(new Random(91));
        var model = new Gru8x24L2BiHead(new Random(93));
        Workspace<float> workspace = model.CreateWorkspace(Steps);
        float[] inputs = Models.Uniform(new Random(92), Steps * 64), outputs = new float[Steps * 128], state = new float[Lstm64x128.StateSize];
        float[] modelInputs = Models.Uniform(new Random(94), Steps * Gru8x24L2BiHead.InputSize), modelOutputs = new float[Steps * Gru8x24L2BiHead.OutputSize];
        float[] modelState = new float[Gru8x24L2BiHead.StateSize];
        float[] batchInputs = Models.Uniform(new Random(95), Steps * Batch * 64), batchOutputs = new float[Steps * Batch * 128];
        float[] batchStates = new float[Batch * Lstm64x128.StateSize];

        long[] bytes = SteadyState.Allocations(() =>
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            cell.Forward(inputs, outputs, state);
            long afterCell = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(modelInputs, modelOutputs, modelState, workspace);
            long afterModel = GC.GetAllocatedBytesForCurrentThread();
            cell.ForwardBatch(batchInputs, batchOutputs, batchStates);
            long end = GC.GetAllocatedBytesForCurrentThread();   // before the array below is allocated
            return [afterCell - start, afterModel - afterCell, end - afterModel];
        });

        Assert.True(bytes[0] == 0, $"a packed Forward of LSTM (64,128) allocated {bytes[0]} bytes");
        Assert.True(bytes[1] == 0, $"a packed workspace Forward of a bidirectional model allocated {bytes[1]} bytes");
        Assert.True(bytes[2] == 0, $"a ForwardBatch of 4 LSTM (64,128) streams allocated {bytes[2]} bytes");
    }

    [Theory]
    [InlineData(8, 8, 8)]
    [InlineData(16, 40, 48)]
    [InlineData(8, 13, 32)]
    [InlineData(11, 5, 16)]
    [InlineData(24, 1, 72)]
    public void BlockTransposeWritesEachRowAsAColumn(int rows, int columns, int dstStride)
    {
        float[] src = Models.Uniform(new Random(rows * 100 + columns), rows * columns);
        float[] dst = Enumerable.Repeat(-7f, (columns - 1) * dstStride + rows + 3).ToArray();
        BlockTranspose.Rows(src, columns, rows, dst, dstStride);
        for (int i = 0; i < dst.Length; i++)
        {
            (int k, int u) = (i / dstStride, i % dstStride);
            float want = u < rows && k < columns ? src[u * columns + k] : -7f;
            Assert.True(want == dst[i], $"dst[{i}] (column {k}, lane {u}) is {dst[i]}, expected {want}");
        }

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => BlockTranspose.Rows(src, columns, rows, new float[(columns - 1) * dstStride + rows - 1], dstStride));
        Assert.Equal("dst", error.ParamName);
    }

    private static (float[] Outputs, float[] State) Run(Forward forward, float[] inputs, float[] start, int outputLength)
    {
        float[] outputs = new float[outputLength], state = (float[])start.Clone();
        forward(inputs, outputs, state);
        return (outputs, state);
    }

    private static (float[] Outputs, float[] State) Stepped(IRecurrentCell<float> cell, float[] inputs, float[] start, int steps)
    {
        int input = cell.InputSize, hidden = cell.HiddenSize;
        float[] outputs = new float[steps * hidden], state = (float[])start.Clone();
        for (int t = 0; t < steps; t++)
        {
            cell.Step(inputs.AsSpan(t * input, input), state);
            state.AsSpan(0, hidden).CopyTo(outputs.AsSpan(t * hidden));
        }

        return (outputs, state);
    }

    private delegate void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state);
}
