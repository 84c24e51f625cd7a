using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RnnGen.Training;

namespace RnnGen.Generated;

// Training: a sequence pass that records every layer-direction in the tape, and backpropagation through time from the
// head down to the inputs, for one stream or a minibatch of B. Layers run one after another over the whole sequence (a
// reverse direction needs it); within a layer every stream advances together, so each weight is read once per step
// for the whole batch, and the weight gradients are one product over all T·B rows. Streams may be shorter than the
// batch's longest (padded at the end, like pack_padded_sequence): past its length a stream's state is carried
// unchanged, its outputs are zero, and nothing flows back through those steps.
public abstract partial class ModelRunner<TModel, TFirst, TUpper, THead>
{
    /// <summary>A sequence in training mode (dropout between layers), recording what <see cref="Backward"/> needs.</summary>
    public static void Record(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Tape<float> tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int steps = CheckSequence(inputs, outputs, state, 1, nameof(state));
        tape.EnsureFits(TModel.Shape, 1, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));
        tape.BeginRecording(steps);
        RecordCore(ref Ref(parameters), inputs, outputs, state, tape, 1, steps);
    }

    /// <summary>
    /// B sequences in training mode: inputs [T, B, I], outputs [T, B, O], states [B, S]; <paramref name="lengths"/> (B
    /// values in 0..T, or empty for all T) gives each stream's own length.
    /// </summary>
    public static void RecordBatch(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Tape<float> tape, ReadOnlySpan<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int batch = Batch(states, nameof(states));
        int steps = CheckSequence(inputs, outputs, states, batch, nameof(states));
        tape.EnsureFits(TModel.Shape, batch, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));
        tape.BeginRecording(steps, lengths);

        RecordCore(ref Ref(parameters), inputs, outputs, states, tape, batch, steps);
    }

    private static void RecordCore(ref float w, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Tape<float> tape, int batch, int steps)
    {
        CheckTapeLayout(tape);
        tape.RecordInputs(inputs);
        ref float s = ref Ref(states);
        double dropout = TModel.Shape.Dropout;
        int activations = TFirst.ActivationsPerStep, rows = steps * batch;
        ReadOnlySpan<int> lengths = tape.Lengths;

        // One stream: a layer large enough to hoist (as the streaming Forward's layer 0) computes its input parts a block
        // of steps at a time, then steps on W_hh·h alone, recording what Step records. Every layer can: its inputs are
        // known for the whole sequence before it runs.
        bool hoistFirst = batch == 1 && steps > 1 && Hoists<Live>(0);
        bool hoistUpper = batch == 1 && steps > 1 && Layers > 1 && Hoists<Live>(1);
        Span<float> projections = hoistFirst || hoistUpper ? stackalloc float[ProjectionBudget] : default;
        for (int layer = 0; layer < Layers; layer++)
        {
            bool top = layer == Layers - 1;
            int inputWidth = layer == 0 ? InputSize : LayerOutput;
            ref float x = ref Ref(tape.Inputs(layer));
            Span<float> layerOutputs = !top ? tape.Inputs(layer + 1) : HasHead ? tape.LayerOutputs : outputs;
            for (int direction = 0; direction < Directions; direction++)
            {
                ref float layerWeights = ref At(ref w, Offset(layer, direction));
                ref float recorded = ref Ref(tape.Activations(layer, direction));
                // Many streams: the weights packed once for the pass, so each load serves a block of streams.
                bool packs = batch > 1 && PacksForMinibatch(layer);
                if (packs)
                {
                    ReadOnlySpan<float> parameters = MemoryMarshal.CreateReadOnlySpan(ref layerWeights, layer == 0 ? TFirst.ParameterCount : TUpper.ParameterCount);
                    if (layer == 0)
                    {
                        TFirst.Freeze(parameters, tape.PackedWeights);
                    }
                    else
                    {
                        TUpper.Freeze(parameters, tape.PackedWeights);
                    }
                }

                // State blocks of B rows: forward from block 0 to block T; reverse from block T down to block 0, so that
                // in both, activation row t·B + b belongs to input row t·B + b, and the state it read is block t
                // (forward) or t + 1 (reverse).
                ref float stateBlocks = ref Ref(tape.States(layer, direction));
                ref float initial = ref At(ref stateBlocks, (direction == 0 ? 0 : steps) * batch * LayerState);
                for (int b = 0; b < batch; b++)
                {
                    Gather(ref At(ref s, b * StateSize), layer, direction, ref At(ref initial, b * LayerState));
                }

                int blockStart = 0;
                for (int i = 0; i < steps; i++)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    ref float previous = ref At(ref stateBlocks, (direction == 0 ? t : t + 1) * batch * LayerState);
                    ref float next = ref At(ref stateBlocks, (direction == 0 ? t + 1 : t) * batch * LayerState);
                    ref float xt = ref At(ref x, t * batch * inputWidth);
                    ref float at = ref At(ref recorded, t * batch * activations);
                    if (layer == 0 ? hoistFirst : hoistUpper)
                    {
                        int gateRows = layer == 0 ? TFirst.GateRows : TUpper.GateRows;
                        int block = ProjectionBlock(steps, gateRows);
                        if (i % block == 0)
                        {
                            // This block's steps, lowest t first (a reverse direction takes them from the end).
                            int count = Math.Min(block, steps - i);
                            blockStart = direction == 0 ? t : t - count + 1;
                            ref float xs = ref At(ref x, blockStart * inputWidth);
                            if (layer == 0)
                            {
                                TFirst.ProjectInputs(ref layerWeights, ref xs, inputWidth, ref Ref(projections), count);
                            }
                            else
                            {
                                TUpper.ProjectInputs(ref layerWeights, ref xs, inputWidth, ref Ref(projections), count);
                            }
                        }

                        ref float projected = ref At(ref Ref(projections), (t - blockStart) * gateRows);
                        if (layer == 0)
                        {
                            TFirst.StepProjected(ref layerWeights, ref projected, ref previous, ref next, ref at);
                        }
                        else
                        {
                            TUpper.StepProjected(ref layerWeights, ref projected, ref previous, ref next, ref at);
                        }
                    }
                    else if (batch == 1)
                    {
                        if (layer == 0)
                        {
                            TFirst.Step(ref layerWeights, ref xt, ref previous, ref next, ref at);
                        }
                        else
                        {
                            TUpper.Step(ref layerWeights, ref xt, ref previous, ref next, ref at);
                        }
                    }
                    else if (packs)
                    {
                        ref float packed = ref Ref(tape.PackedWeights);
                        ref float sums = ref Ref(tape.GateSums);
                        if (layer == 0)
                        {
                            TFirst.StepBatchPacked(ref packed, ref xt, inputWidth, ref previous, ref next, ref at, activations, ref sums, batch);
                        }
                        else
                        {
                            TUpper.StepBatchPacked(ref packed, ref xt, inputWidth, ref previous, ref next, ref at, activations, ref sums, batch);
                        }
                    }
                    else if (layer == 0)
                    {
                        TFirst.StepBatch(ref layerWeights, ref xt, inputWidth, ref previous, ref next, ref at, activations, batch);
                    }
                    else
                    {
                        TUpper.StepBatch(ref layerWeights, ref xt, inputWidth, ref previous, ref next, ref at, activations, batch);
                    }

                    for (int b = 0; b < batch; b++)
                    {
                        ref float output = ref At(ref Ref(layerOutputs), (t * batch + b) * LayerOutput + direction * Recurrent);
                        if (t < lengths[b])
                        {
                            Copy(ref At(ref next, b * LayerState), ref output, Recurrent);
                        }
                        else
                        {
                            // Past this stream's end: its state is carried, its output is padding.
                            Copy(ref At(ref previous, b * LayerState), ref At(ref next, b * LayerState), LayerState);
                            Clear(ref output, Recurrent);
                        }
                    }
                }

                ref float final = ref At(ref stateBlocks, (direction == 0 ? steps : 0) * batch * LayerState);
                for (int b = 0; b < batch; b++)
                {
                    Scatter(ref At(ref final, b * LayerState), ref At(ref s, b * StateSize), layer, direction);
                }
            }

            if (!top && dropout > 0)
            {
                Dropout.Apply(layerOutputs[..(rows * LayerOutput)], tape.Mask(layer), dropout, tape.DropoutRandom);
            }
        }

        if (HasHead)
        {
            THead.Forward(ref At(ref w, HeadOffset), ref Ref(tape.LayerOutputs), ref Ref(outputs), rows);
        }
    }

    /// <summary>Backpropagation through time over the sequence the tape recorded: the head, then each layer from the top.</summary>
    public static void Backward(
        ReadOnlySpan<float> parameters, Tape<float> tape, ReadOnlySpan<float> outputGradients, Span<float> stateGradient,
        Span<float> inputGradients, Span<float> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(TModel.Shape, 1, nameof(tape));
        BackwardCore(ref Ref(parameters), tape, outputGradients, stateGradient, inputGradients, parameterGradients, nameof(stateGradient));
    }

    /// <summary>Backpropagation through time for a minibatch: gradients [T, B, O], [B, S], [T, B, I]; the parameter gradients of all streams summed.</summary>
    public static void BackwardBatch(
        ReadOnlySpan<float> parameters, Tape<float> tape, ReadOnlySpan<float> outputGradients, Span<float> stateGradients,
        Span<float> inputGradients, Span<float> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(TModel.Shape, Batch(stateGradients, nameof(stateGradients)), nameof(tape));
        BackwardCore(ref Ref(parameters), tape, outputGradients, stateGradients, inputGradients, parameterGradients, nameof(stateGradients));
    }

    private static void BackwardCore(
        ref float w, Tape<float> tape, ReadOnlySpan<float> outputGradients, Span<float> stateGradients, Span<float> inputGradients,
        Span<float> parameterGradients, string stateGradientsName)
    {
        CheckTapeLayout(tape);
        int steps = tape.Steps, batch = tape.BatchSize, rows = steps * batch;
        Guard.Length(outputGradients.Length, rows * OutputSize, nameof(outputGradients));
        Guard.Length(stateGradients.Length, batch * StateSize, stateGradientsName);
        Guard.LengthOrEmpty(inputGradients.Length, rows * InputSize, nameof(inputGradients));
        Guard.Length(parameterGradients.Length, ParameterCount, nameof(parameterGradients));

        ref float dp = ref Ref(parameterGradients);
        ref float dState = ref Ref(stateGradients);
        ref float layerGradients = ref Ref(tape.StateGradients);
        ref float dPrev = ref Ref(tape.BackwardScratch);
        ref float rowScratch = ref Ref(tape.RowScratch);
        int activations = TFirst.ActivationsPerStep, gradients = TFirst.GradientsPerStep, backwardScratch = TFirst.BackwardScratch;
        ReadOnlySpan<int> lengths = tape.Lengths;
        bool ragged = tape.Ragged;

        // dL/d(top layer's outputs): through the head, or the caller's gradients themselves.
        ReadOnlySpan<float> dOutputs = outputGradients;
        bool inScratchA = false;
        if (HasHead)
        {
            THead.Backward(ref At(ref w, HeadOffset), ref Ref(tape.LayerOutputs), ref Ref(outputGradients), ref Ref(tape.OutputGradients), ref At(ref dp, HeadOffset), rows, computeDx: true);
            dOutputs = tape.OutputGradients;
            inScratchA = true;
        }

        for (int layer = Layers - 1; layer >= 0; layer--)
        {
            int inputWidth = layer == 0 ? InputSize : LayerOutput;
            bool computeDx = layer > 0 || !inputGradients.IsEmpty;
            Span<float> dInputs = layer == 0 ? inputGradients : inScratchA ? tape.InputGradients : tape.OutputGradients;
            ref float dx = ref computeDx ? ref Ref(dInputs) : ref rowScratch;
            ref float inputs = ref Ref(tape.Inputs(layer));
            for (int direction = 0; direction < Directions; direction++)
            {
                ref float layerWeights = ref At(ref w, Offset(layer, direction));
                ref float stateBlocks = ref Ref(tape.States(layer, direction));
                ref float recorded = ref Ref(tape.Activations(layer, direction));
                ref float da = ref Ref(tape.Gradients(layer, direction));
                for (int b = 0; b < batch; b++)
                {
                    Gather(ref At(ref dState, b * StateSize), layer, direction, ref At(ref layerGradients, b * LayerState));
                }

                // The forward direction's dx (which it overwrites) waits until every step is back: one product over all
                // rows then reads W_ih once per block of rows instead of once per step (the same dx to float rounding).
                // The reverse direction adds its share per step from scratch rows.
                bool deferDx = computeDx && direction == 0;
                bool stepDx = computeDx && !deferDx;

                // Back in the opposite order of the forward pass: forward from the last step, reverse from the first.
                for (int i = steps - 1; i >= 0; i--)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    ref float previous = ref At(ref stateBlocks, (direction == 0 ? t : t + 1) * batch * LayerState);
                    ref float dOut = ref At(ref Ref(dOutputs), t * batch * LayerOutput + direction * Recurrent);
                    ref float daRows = ref At(ref da, t * batch * gradients);
                    if (batch == 1)
                    {
                        if (layer == 0)
                        {
                            TFirst.BackwardStep(ref layerWeights, ref previous, ref At(ref recorded, t * activations), ref layerGradients, ref dOut, ref daRows, ref dPrev, ref rowScratch, stepDx);
                        }
                        else
                        {
                            TUpper.BackwardStep(ref layerWeights, ref previous, ref At(ref recorded, t * activations), ref layerGradients, ref dOut, ref daRows, ref dPrev, ref rowScratch, stepDx);
                        }
                    }
                    else if (layer == 0)
                    {
                        TFirst.BackwardStepBatch(ref layerWeights, ref previous, ref At(ref recorded, t * batch * activations), ref layerGradients, ref dOut, LayerOutput, ref daRows, ref dPrev, ref rowScratch, inputWidth, stepDx, batch);
                    }
                    else
                    {
                        TUpper.BackwardStepBatch(ref layerWeights, ref previous, ref At(ref recorded, t * batch * activations), ref layerGradients, ref dOut, LayerOutput, ref daRows, ref dPrev, ref rowScratch, inputWidth, stepDx, batch);
                    }

                    for (int b = 0; b < batch; b++)
                    {
                        if (ragged && t >= lengths[b])
                        {
                            // A padded step: the state was carried, so its gradient passes through; nothing else flows.
                            Clear(ref At(ref daRows, b * gradients), gradients);
                            if (stepDx)
                            {
                                Clear(ref At(ref rowScratch, b * inputWidth), inputWidth);
                            }

                            continue;
                        }

                        Copy(ref At(ref dPrev, b * backwardScratch), ref At(ref layerGradients, b * LayerState), LayerState);
                        if (stepDx)
                        {
                            Add(ref At(ref rowScratch, b * inputWidth), ref At(ref dx, (t * batch + b) * inputWidth), inputWidth);
                        }
                    }
                }

                for (int b = 0; b < batch; b++)
                {
                    Scatter(ref At(ref layerGradients, b * LayerState), ref At(ref dState, b * StateSize), layer, direction);
                }

                if (deferDx && rows > 0)
                {
                    if (layer == 0)
                    {
                        TFirst.InputGradients(ref layerWeights, ref da, ref dx, inputWidth, rows);
                    }
                    else
                    {
                        TUpper.InputGradients(ref layerWeights, ref da, ref dx, inputWidth, rows);
                    }

                    // A padded step passes nothing to its input (its da is zero; an infinite weight must not make that NaN).
                    for (int t = 0; ragged && t < steps; t++)
                    {
                        for (int b = 0; b < batch; b++)
                        {
                            if (t >= lengths[b])
                            {
                                Clear(ref At(ref dx, (t * batch + b) * inputWidth), inputWidth);
                            }
                        }
                    }
                }

                if (rows > 0)
                {
                    ref float layerDp = ref At(ref dp, Offset(layer, direction));
                    ref float statesBefore = ref At(ref stateBlocks, direction == 0 ? 0 : batch * LayerState);
                    if (layer == 0)
                    {
                        TFirst.ParameterGradients(ref layerDp, ref da, ref inputs, ref statesBefore, ref recorded, rows);
                    }
                    else
                    {
                        TUpper.ParameterGradients(ref layerDp, ref da, ref inputs, ref statesBefore, ref recorded, rows);
                    }
                }
            }

            if (layer > 0)
            {
                // dInputs is dL/d(the layer below's outputs after dropout); through the mask to before it.
                if (TModel.Shape.Dropout > 0)
                {
                    Dropout.Backward(dInputs[..(rows * LayerOutput)], tape.Mask(layer - 1));
                }

                dOutputs = dInputs;
                inScratchA = !inScratchA;
            }
        }
    }

    /// <summary>The tape's per-step layout must be the one these kernels were generated for (both follow ModelLayout).</summary>
    private static void CheckTapeLayout(Tape<float> tape)
    {
        if (tape.ActivationsPerStep != TFirst.ActivationsPerStep || tape.GradientsPerStep != TFirst.GradientsPerStep)
        {
            throw new InvalidOperationException(
                $"The tape records {tape.ActivationsPerStep} activations and {tape.GradientsPerStep} gradients per step; these kernels use {TFirst.ActivationsPerStep} and {TFirst.GradientsPerStep}. The generated code and the RnnGen library are from different versions.");
        }
    }

    private static void Add(ref float source, ref float destination, int count)
    {
        for (int i = 0; i < count; i++)
        {
            At(ref destination, i) += At(ref source, i);
        }
    }

    private static void Clear(ref float destination, int count) =>
        Unsafe.InitBlockUnaligned(ref Unsafe.As<float, byte>(ref destination), 0, (uint)count * sizeof(float));

    /// <summary>
    /// Whether a minibatch pass packs this layer's weights for the packed batched step (a block of streams per weight load,
    /// column chunks in L1; Vector512 sub-tiles where tiles hold 16 units). In-process on a Zen 5 (T = 50, B = 8 and 32,
    /// forward with a tape then backward, ns per stream-step, live → packed): GRU (32,64) 746 → 624, GRU (64,128) 2,425 →
    /// 2,049, LSTM (64,128) 3,427 → 2,720 (B = 8); tiles of 8, whose packed step is 256-bit, level on Vector512 (GRU
    /// (32,72) 1,135 → 1,143, LSTM (64,104) 2,752 → 2,652). The Vector512 body took GRU (128,256) from 13,748 (256-bit, an earlier run) to 8,779.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PacksForMinibatch(int layer) => layer == 0 ? TFirst.PacksForBatch : TUpper.PacksForBatch;
}
