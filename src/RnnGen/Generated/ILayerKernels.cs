using System.ComponentModel;

namespace RnnGen.Generated;

/// <summary>
/// The fixed-size kernels of one layer shape, as a generated model exposes them to <see cref="ModelRunner{TModel, TFirst, TUpper, THead}"/>.
/// All pointers are checked by the caller; <c>w</c> is the start of one layer-direction's parameters in state_dict
/// order, and a layer state is contiguous: h (<see cref="RecurrentSize"/> values), then for an LSTM c.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ILayerKernels
{
    /// <summary>Features the layer reads per step.</summary>
    static abstract int InputSize { get; }

    /// <summary>Hout: the width of h, the layer's output per direction.</summary>
    static abstract int RecurrentSize { get; }

    /// <summary>h then c: one direction's state.</summary>
    static abstract int StateSize { get; }

    /// <summary>One direction's parameters.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>G·H: the gate rows, the length of one step's input projection (<see cref="ProjectInputs"/>).</summary>
    static abstract int GateRows { get; }

    /// <summary>The instruction path this layer's forward kernels take in this process (the generated class's ActivePath).</summary>
    static abstract RnnGen.Simd.SimdPath ActivePath { get; }

    /// <summary>Values recorded per step (the tape's layout for this kind).</summary>
    static abstract int ActivationsPerStep { get; }

    /// <summary>Pre-activation gradients kept per step.</summary>
    static abstract int GradientsPerStep { get; }

    /// <summary>Floats one backward step needs: dL/d(previous state) first, then scratch.</summary>
    static abstract int BackwardScratch { get; }

    /// <summary>Floats of a frozen copy of one direction's parameters (packed where a packed kernel runs).</summary>
    static abstract int FrozenLength { get; }

    /// <summary>
    /// Whether <see cref="Step"/> and <see cref="StepProjected"/> may take the same state as previous and next (they read
    /// all of h before writing any): then a single stream's step needs no copy of its state.
    /// </summary>
    static abstract bool StepsInPlace { get; }

    /// <summary>One step: previous → next (distinct unless <see cref="StepsInPlace"/>), recording the activations.</summary>
    static abstract void Step(ref float w, ref float x, ref float previous, ref float next, ref float activations);

    /// <summary>
    /// Row t of <paramref name="projected"/> (<see cref="GateRows"/> floats) = W_ih·x_t + b_ih for x_t at
    /// xs + t·xStride, t &lt; steps: the input part of a sequence's gates as one blocked product, for <see cref="StepProjected"/>.
    /// </summary>
    static abstract void ProjectInputs(ref float w, ref float xs, int xStride, ref float projected, int steps);

    /// <summary><see cref="Step"/> with its input part W_ih·x + b_ih read from one row of <see cref="ProjectInputs"/> (float rounding may differ from Step's).</summary>
    static abstract void StepProjected(ref float w, ref float projected, ref float previous, ref float next, ref float activations);

    /// <summary>
    /// One step of <paramref name="count"/> streams, reading each weight once for all of them: stream b reads
    /// x + b·xStride and previous + b·StateSize, writes next + b·StateSize and activations + b·activationsStride (0: a
    /// scratch row every stream overwrites).
    /// </summary>
    static abstract void StepBatch(ref float w, ref float x, int xStride, ref float previous, ref float next, ref float activations, int activationsStride, int count);

    /// <summary>One step back: dL/d(next) and dL/d(output h) → da, dL/d(previous) into dPrev, and (if asked) dL/dx.</summary>
    static abstract void BackwardStep(ref float w, ref float previous, ref float activations, ref float dNext, ref float dOut, ref float da, ref float dPrev, ref float dx, bool computeDx);

    /// <summary>
    /// One step back for <paramref name="count"/> streams: stream b's previous, dNext at + b·StateSize, activations at
    /// + b·ActivationsPerStep, da at + b·GradientsPerStep, dPrev at + b·BackwardScratch, dOut at + b·dOutStride, dx at
    /// + b·dxStride.
    /// </summary>
    static abstract void BackwardStepBatch(
        ref float w, ref float previous, ref float activations, ref float dNext, ref float dOut, int dOutStride,
        ref float da, ref float dPrev, ref float dx, int dxStride, bool computeDx, int count);

    /// <summary>
    /// dL/dx of <paramref name="count"/> rows at once, after their steps back ran without it: row b of dxRows (at
    /// + b·dxStride) = W_ihᵀ·(row b of daRows, at + b·GradientsPerStep), each weight vector loaded once per block of
    /// rows (the batched step back's product over rows); equal to the step back's own dx within float rounding.
    /// </summary>
    static abstract void InputGradients(ref float w, ref float daRows, ref float dxRows, int dxStride, int count);

    /// <summary>The parameter gradients of all steps at once: row t of da, inputs and activations with row t of states (the state before step t).</summary>
    static abstract void ParameterGradients(ref float dp, ref float da, ref float inputs, ref float states, ref float activations, int steps);

    /// <summary>Writes the frozen copy of one direction's parameters (<see cref="FrozenLength"/> floats).</summary>
    static abstract void Freeze(ReadOnlySpan<float> parameters, Span<float> frozen);

    /// <summary>One step on a frozen copy, updating a layer state in place; scratch holds StateSize + ActivationsPerStep floats.</summary>
    static abstract void FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch);

    /// <summary>Whether a frozen copy is packed: its step streams packed columns with no horizontal sums (so hoisting pays from smaller sizes).</summary>
    static abstract bool FrozenPacked { get; }

    /// <summary>
    /// Row t of <paramref name="projected"/> (<see cref="GateRows"/> floats) = the input part of a frozen step's gates for
    /// x_t at xs + t·xStride, t &lt; steps: on a packed copy laid out as the packed biases (per tile, every gate's units)
    /// and starting from them, else as <see cref="ProjectInputs"/>. For <see cref="FrozenStepProjected"/>.
    /// </summary>
    static abstract void FrozenProjectInputs(ref float frozen, ref float xs, int xStride, ref float projected, int steps);

    /// <summary><see cref="FrozenStep"/> with its input part read from one row of <see cref="FrozenProjectInputs"/> (float rounding may differ from FrozenStep's).</summary>
    static abstract void FrozenStepProjected(ref float frozen, ref float projected, ref float state, ref float scratch);

    /// <summary>Steps per block of a sequence that projects ahead (<see cref="FrozenStepProjectedAhead"/>).</summary>
    public const int AheadSteps = 8;

    /// <summary>Whether <see cref="FrozenStepProjectedAhead"/> computes the next block's input parts inside its steps (else it computes them all at the block's first step).</summary>
    static abstract bool FrozenProjectsAhead { get; }

    /// <summary>
    /// <see cref="FrozenStepProjected"/> for step <paramref name="step"/> (0 ≤ step &lt; <see cref="AheadSteps"/>) of a block,
    /// which also writes its share of the next block's input parts: rows 0 … AheadSteps − 1 of
    /// <paramref name="projectedAhead"/> for the inputs at <paramref name="xsAhead"/> (InputSize apart), complete once the
    /// block's steps 0 … AheadSteps − 1 have run in order: the floats <see cref="FrozenProjectInputs"/> gives.
    /// </summary>
    static abstract void FrozenStepProjectedAhead(ref float frozen, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead);

    /// <summary>Scratch floats per stream that <see cref="FrozenStepBatch"/> needs beyond the single step's.</summary>
    static abstract int FrozenScratchPerStream { get; }

    /// <summary>
    /// One step of <paramref name="count"/> streams on a frozen copy, in place (stream b's state at + b·StateSize, input at
    /// x + b·xStride); scratch holds count·FrozenScratchPerStream + StateSize + ActivationsPerStep floats.
    /// </summary>
    static abstract void FrozenStepBatch(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count);

    /// <summary>
    /// The fewest streams from which a live batch of more than one stream steps on a packed copy with
    /// <see cref="FrozenStepBatch"/> (int.MaxValue: never): 2 where its Vector512 body runs (tiles of 16 units, Vector512
    /// accelerated), 8 for the Vector256 body where Vector512 is not accelerated.
    /// </summary>
    static abstract int FrozenBatchMinimumStreams { get; }

    /// <summary>
    /// Floats of a bfloat16 frozen copy of one direction's parameters: two weights per float slot where a packed 16-bit
    /// kernel runs (the Vector256 path), else <see cref="FrozenLength"/>.
    /// </summary>
    static abstract int FrozenLengthBFloat16 { get; }

    /// <summary>
    /// Writes the bfloat16 frozen copy (<see cref="FrozenLengthBFloat16"/> floats) of parameters whose weights are already
    /// rounded to bfloat16; where no packed 16-bit kernel runs it is <see cref="Freeze"/>'s copy.
    /// </summary>
    static abstract void FreezeBFloat16(ReadOnlySpan<float> rounded, Span<float> frozen);

    /// <summary><see cref="FrozenStep"/> on a bfloat16 frozen copy (<see cref="FreezeBFloat16"/>).</summary>
    static abstract void FrozenStepBFloat16(ref float frozen, ref float x, ref float state, ref float scratch);

    /// <summary><see cref="FrozenStepBatch"/> on a bfloat16 frozen copy, with the same scratch.</summary>
    static abstract void FrozenStepBatchBFloat16(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count);

    /// <summary>Whether <see cref="StepBatchPacked"/> reads weights packed by <see cref="Freeze"/> (else the parameters themselves).</summary>
    static abstract bool PacksForBatch { get; }

    /// <summary>
    /// <see cref="StepBatch"/> on <paramref name="packed"/>: a frozen copy (<see cref="Freeze"/>) when <see cref="PacksForBatch"/>,
    /// else the parameters; sums holds count·4·H floats of gate sums. Records what Step records.
    /// </summary>
    static abstract void StepBatchPacked(ref float packed, ref float xs, int xStride, ref float previous, ref float next, ref float activations, int activationsStride, ref float sums, int count);
}
