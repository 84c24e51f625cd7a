using RnnGen.Training;

namespace RnnGen.Generated;

// Training: a sequence pass that records every layer-direction in the tape, and backpropagation through time from
// the head down to the inputs. Layers run one after another over the whole sequence (a reverse direction needs it).
public abstract partial class ModelRunner<TModel, TFirst, TUpper, THead>
{
    /// <summary>A sequence in training mode (dropout between layers), recording what <see cref="Backward"/> needs.</summary>
    public static void Record(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Tape<float> tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int steps = CheckSequence(inputs, outputs, state);
        tape.EnsureFits(TModel.Shape, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));
        CheckTapeLayout(tape);

        tape.BeginRecording(steps);
        inputs.CopyTo(tape.Inputs(0));
        ref float w = ref Ref(parameters);
        ref float s = ref Ref(state);
        double dropout = TModel.Shape.Dropout;
        int activations = TFirst.ActivationsPerStep;
        for (int layer = 0; layer < Layers; layer++)
        {
            bool top = layer == Layers - 1;
            int inputWidth = layer == 0 ? InputSize : LayerOutput;
            ref float x = ref Ref(tape.Inputs(layer));
            Span<float> layerOutputs = !top ? tape.Inputs(layer + 1) : HasHead ? tape.LayerOutputs : outputs;
            for (int direction = 0; direction < Directions; direction++)
            {
                ref float layerWeights = ref At(ref w, Offset(layer, direction));
                ref float states = ref Ref(tape.States(layer, direction));
                ref float recorded = ref Ref(tape.Activations(layer, direction));

                // Forward: state rows 0 → T. Reverse: from row T (its initial state) down to row 0, so that in both row t
                // of the activations belongs to input row t, and the state it read is row t (forward) or t + 1 (reverse).
                Gather(ref s, layer, direction, ref At(ref states, direction == 0 ? 0 : steps * LayerState));
                for (int i = 0; i < steps; i++)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    ref float previous = ref At(ref states, (direction == 0 ? t : t + 1) * LayerState);
                    ref float next = ref At(ref states, (direction == 0 ? t + 1 : t) * LayerState);
                    if (layer == 0)
                    {
                        TFirst.Step(ref layerWeights, ref At(ref x, t * inputWidth), ref previous, ref next, ref At(ref recorded, t * activations));
                    }
                    else
                    {
                        TUpper.Step(ref layerWeights, ref At(ref x, t * inputWidth), ref previous, ref next, ref At(ref recorded, t * activations));
                    }

                    Copy(ref next, ref At(ref Ref(layerOutputs), t * LayerOutput + direction * Recurrent), Recurrent);
                }

                Scatter(ref At(ref states, direction == 0 ? steps * LayerState : 0), ref s, layer, direction);
            }

            if (!top && dropout > 0)
            {
                Dropout.Apply(layerOutputs, tape.Mask(layer), dropout, tape.DropoutRandom);
            }
        }

        if (HasHead)
        {
            THead.Forward(ref At(ref w, HeadOffset), ref Ref(tape.LayerOutputs), ref Ref(outputs), steps);
        }
    }

    /// <summary>Backpropagation through time over the sequence the tape recorded: the head, then each layer from the top.</summary>
    public static void Backward(
        ReadOnlySpan<float> parameters, Tape<float> tape, ReadOnlySpan<float> outputGradients, Span<float> stateGradient,
        Span<float> inputGradients, Span<float> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(TModel.Shape, nameof(tape));
        CheckTapeLayout(tape);
        int steps = tape.Steps;
        Guard.Length(outputGradients.Length, steps * OutputSize, nameof(outputGradients));
        Guard.Length(stateGradient.Length, StateSize, nameof(stateGradient));
        Guard.LengthOrEmpty(inputGradients.Length, steps * InputSize, nameof(inputGradients));
        Guard.Length(parameterGradients.Length, ParameterCount, nameof(parameterGradients));

        ref float w = ref Ref(parameters);
        ref float dp = ref Ref(parameterGradients);
        ref float dState = ref Ref(stateGradient);
        Span<float> scratch = stackalloc float[LayerState + Math.Max(TFirst.BackwardScratch, TUpper.BackwardScratch)];
        ref float layerGradient = ref Ref(scratch);
        ref float dPrev = ref At(ref layerGradient, LayerState);
        int activations = TFirst.ActivationsPerStep, gradients = TFirst.GradientsPerStep;

        // dL/d(top layer's outputs): through the head, or the caller's gradients themselves.
        ReadOnlySpan<float> dOutputs = outputGradients;
        bool inScratchA = false;
        if (HasHead)
        {
            THead.Backward(ref At(ref w, HeadOffset), ref Ref(tape.LayerOutputs), ref Ref(outputGradients), ref Ref(tape.OutputGradients), ref At(ref dp, HeadOffset), steps, computeDx: true);
            dOutputs = tape.OutputGradients;
            inScratchA = true;
        }

        for (int layer = Layers - 1; layer >= 0; layer--)
        {
            int inputWidth = layer == 0 ? InputSize : LayerOutput;
            bool computeDx = layer > 0 || !inputGradients.IsEmpty;
            Span<float> dInputs = layer == 0 ? inputGradients : inScratchA ? tape.InputGradients : tape.OutputGradients;
            ref float dx = ref computeDx ? ref Ref(dInputs) : ref Ref(tape.RowScratch);
            ref float rowScratch = ref Ref(tape.RowScratch);
            ref float inputs = ref Ref(tape.Inputs(layer));
            for (int direction = 0; direction < Directions; direction++)
            {
                ref float layerWeights = ref At(ref w, Offset(layer, direction));
                ref float states = ref Ref(tape.States(layer, direction));
                ref float recorded = ref Ref(tape.Activations(layer, direction));
                ref float da = ref Ref(tape.Gradients(layer, direction));
                Gather(ref dState, layer, direction, ref layerGradient);

                // Back in the opposite order of the forward pass: forward from the last step, reverse from the first.
                for (int i = steps - 1; i >= 0; i--)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    ref float previous = ref At(ref states, (direction == 0 ? t : t + 1) * LayerState);
                    ref float dOut = ref At(ref Ref(dOutputs), t * LayerOutput + direction * Recurrent);
                    // The first direction overwrites dL/dx; the reverse one adds its share from a scratch row.
                    ref float dxRow = ref computeDx && direction == 0 ? ref At(ref dx, t * inputWidth) : ref rowScratch;
                    if (layer == 0)
                    {
                        TFirst.BackwardStep(ref layerWeights, ref previous, ref At(ref recorded, t * activations), ref layerGradient, ref dOut, ref At(ref da, t * gradients), ref dPrev, ref dxRow, computeDx);
                    }
                    else
                    {
                        TUpper.BackwardStep(ref layerWeights, ref previous, ref At(ref recorded, t * activations), ref layerGradient, ref dOut, ref At(ref da, t * gradients), ref dPrev, ref dxRow, computeDx);
                    }

                    Copy(ref dPrev, ref layerGradient, LayerState);
                    if (computeDx && direction == 1)
                    {
                        Add(ref rowScratch, ref At(ref dx, t * inputWidth), inputWidth);
                    }
                }

                Scatter(ref layerGradient, ref dState, layer, direction);
                if (steps > 0)
                {
                    ref float layerDp = ref At(ref dp, Offset(layer, direction));
                    ref float statesBefore = ref At(ref states, direction == 0 ? 0 : LayerState);
                    if (layer == 0)
                    {
                        TFirst.ParameterGradients(ref layerDp, ref da, ref inputs, ref statesBefore, ref recorded, steps);
                    }
                    else
                    {
                        TUpper.ParameterGradients(ref layerDp, ref da, ref inputs, ref statesBefore, ref recorded, steps);
                    }
                }
            }

            if (layer > 0)
            {
                // dInputs is dL/d(the layer below's outputs after dropout); through the mask to before it.
                if (TModel.Shape.Dropout > 0)
                {
                    Dropout.Backward(dInputs, tape.Mask(layer - 1));
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
}
