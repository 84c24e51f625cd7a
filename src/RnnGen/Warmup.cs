using System.Numerics;

namespace RnnGen;

/// <summary>
/// Gets a model's inference path compiled before the first real call, for real-time callers (an audio callback has a
/// few milliseconds in all). Under the JIT each method is compiled on its first call: the generated kernels
/// (<c>AggressiveOptimization</c>, so fully optimised at once and never recompiled) cost milliseconds each, the thin
/// methods around them less. <c>Prepare</c> makes those first calls on scratch data, so that the stream itself starts
/// on compiled code. Under Native AOT there is nothing to compile and it only costs the scratch steps.
/// </summary>
/// <remarks>
/// It does not change the runtime's tiering: the thin methods start at tier 0 and are recompiled at tier 1 on a
/// background thread later, as any method is. docs/performance.md ("Cold start and real-time settings") has the
/// measured worst blocks with and without it, and the runtime settings that go with it. A live Forward of 32 steps or
/// more (and, where Vector512 runs the packed batched step, a ForwardBatch of 32 stream-steps or more; elsewhere an
/// LSTM's ForwardBatch of 8 streams or more of 32 steps or more) packs the parameters into a buffer of the calling
/// thread, allocated on that thread's first such call: call Prepare on the thread that will run the sequences.
/// </remarks>
public static class Warmup
{
    /// <summary>Scratch calls per entry point: more than the 30 calls after which tiering counts a method as hot.</summary>
    private const int Calls = 32;

    /// <summary>Batch sizes run once each, so that every register-block variant of a batched kernel is compiled.</summary>
    private const int MaxBatch = 8;

    /// <summary>Steps of a Forward long enough to pack a live model's parameters (ModelRunner.PackingMinimumSteps).</summary>
    private const int PackedSteps = 64;

    /// <summary>Rows of the scratch inputs and outputs: a packing batch of up to <see cref="MaxBatch"/> streams (<see cref="PackedRows"/>).</summary>
    private const int Rows = PackedSteps * MaxBatch;

    /// <summary>
    /// T·B rows of a ForwardBatch of <paramref name="batch"/> streams long enough to pack: T·B ≥ <see cref="PackedSteps"/>
    /// (the Vector512 batched body), and of <see cref="MaxBatch"/> streams T ≥ <see cref="PackedSteps"/> too (an LSTM's
    /// Vector256 one, from 8 streams).
    /// </summary>
    private static int PackedRows(int batch) => batch == MaxBatch ? PackedSteps * batch : (PackedSteps + batch - 1) / batch * batch;

    /// <summary>
    /// Runs every streaming entry point of <paramref name="model"/> (Step, Forward, StepBatch, ForwardBatch; a cell's
    /// two-argument Step and StepBatch too) on zero inputs and scratch states. The model's parameters are only read.
    /// Allocates its scratch buffers: call it once, before the stream starts, not on the real-time thread's budget.
    /// </summary>
    public static void Prepare<T>(IStreamingModel<T> model)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var scratch = new Scratch<T>(model.InputSize, model.OutputSize, model.StateSize);
        IRecurrentCell<T>? cell = model as IRecurrentCell<T>;
        for (int i = 0; i < Calls; i++)
        {
            model.Step(scratch.Input, scratch.State, scratch.Output);
            cell?.Step(scratch.Input, scratch.State);
        }

        model.Forward(scratch.Inputs(2), scratch.Outputs(2), scratch.State);
        model.Forward(scratch.Inputs(PackedSteps), scratch.Outputs(PackedSteps), scratch.State);   // packs, and grows this thread's buffer
        for (int batch = 1; batch <= MaxBatch; batch++)
        {
            model.StepBatch(scratch.Inputs(batch), scratch.States(batch), scratch.Outputs(batch));
            cell?.StepBatch(scratch.Inputs(batch), scratch.States(batch));
            model.ForwardBatch(scratch.Inputs(2 * batch), scratch.Outputs(2 * batch), scratch.States(batch));
            model.ForwardBatch(scratch.Inputs(PackedRows(batch)), scratch.Outputs(PackedRows(batch)), scratch.States(batch));   // packs where batches do
        }
    }

    /// <summary>The same for a frozen snapshot (<c>Freeze()</c>): every streaming entry point on scratch data.</summary>
    /// <inheritdoc cref="Prepare{T}(IStreamingModel{T})" path="/remarks"/>
    public static void Prepare<T>(IFrozenStreamingModel<T> model)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var scratch = new Scratch<T>(model.InputSize, model.OutputSize, model.StateSize);
        IFrozenCell<T>? cell = model as IFrozenCell<T>;
        for (int i = 0; i < Calls; i++)
        {
            model.Step(scratch.Input, scratch.State, scratch.Output);
            cell?.Step(scratch.Input, scratch.State);
        }

        model.Forward(scratch.Inputs(2), scratch.Outputs(2), scratch.State);
        model.Forward(scratch.Inputs(PackedSteps), scratch.Outputs(PackedSteps), scratch.State);   // the long-sequence kernels (projecting ahead)
        for (int batch = 1; batch <= MaxBatch; batch++)
        {
            model.StepBatch(scratch.Inputs(batch), scratch.States(batch), scratch.Outputs(batch));
            cell?.StepBatch(scratch.Inputs(batch), scratch.States(batch));
            model.ForwardBatch(scratch.Inputs(2 * batch), scratch.Outputs(2 * batch), scratch.States(batch));
        }
    }

    /// <summary>Zero inputs and scratch states and outputs, sized for up to <see cref="Rows"/> rows.</summary>
    private sealed class Scratch<T>(int inputSize, int outputSize, int stateSize)
        where T : IFloatingPointIeee754<T>
    {
        private readonly T[] _inputs = new T[Rows * inputSize];
        private readonly T[] _outputs = new T[Rows * outputSize];
        private readonly T[] _states = new T[MaxBatch * stateSize];

        public ReadOnlySpan<T> Input => Inputs(1);

        public Span<T> Output => Outputs(1);

        public Span<T> State => States(1);

        public ReadOnlySpan<T> Inputs(int rows) => _inputs.AsSpan(0, rows * inputSize);

        public Span<T> Outputs(int rows) => _outputs.AsSpan(0, rows * outputSize);

        public Span<T> States(int rows) => _states.AsSpan(0, rows * stateSize);
    }
}
