namespace RnnGen.Generated;

// Inference: streaming steps (forward in time only), and sequence passes layer by layer through a workspace (any
// direction count). Both run either on the model's own parameters (Live) or on a frozen copy (Frozen).
public abstract partial class ModelRunner<TModel, TFirst, TUpper, THead>
{
    /// <summary>One step of a single-layer cell, whose output is its h: <c>state[..H]</c>.</summary>
    public static void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> state)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        Stream<Live>(ref Ref(parameters), input, default, state, 1);
    }

    /// <summary>One streaming step through every layer and the head.</summary>
    public static void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> state, Span<float> output)
    {
        CheckStep(input, state, output);
        Stream<Live>(ref Ref(parameters), input, output, state, 1);
    }

    /// <summary>A sequence, step by step: bit for bit one <see cref="Step(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float})"/> per step.</summary>
    public static void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state)
    {
        int steps = CheckSequence(inputs, outputs, state);
        Stream<Live>(ref Ref(parameters), inputs, outputs, state, steps);
    }

    /// <summary>A sequence through a workspace: layer by layer when bidirectional, else as <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float})"/>.</summary>
    public static void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Workspace<float> workspace)
    {
        int steps = CheckSequence(inputs, outputs, state);
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.EnsureFits(TModel.Shape, steps, nameof(workspace));
        if (Directions == 1)
        {
            Stream<Live>(ref Ref(parameters), inputs, outputs, state, steps);
        }
        else
        {
            Sweep<Live>(ref Ref(parameters), inputs, outputs, state, workspace, steps);
        }
    }

    /// <summary>One step of a frozen single-layer cell.</summary>
    public static void FrozenStep(ReadOnlySpan<float> frozen, ReadOnlySpan<float> input, Span<float> state)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        Stream<Frozen>(ref Ref(frozen), input, default, state, 1);
    }

    /// <summary>One streaming step of a frozen model.</summary>
    public static void FrozenStep(ReadOnlySpan<float> frozen, ReadOnlySpan<float> input, Span<float> state, Span<float> output)
    {
        CheckStep(input, state, output);
        Stream<Frozen>(ref Ref(frozen), input, output, state, 1);
    }

    /// <summary>A sequence on a frozen model, step by step.</summary>
    public static void FrozenForward(ReadOnlySpan<float> frozen, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state)
    {
        int steps = CheckSequence(inputs, outputs, state);
        Stream<Frozen>(ref Ref(frozen), inputs, outputs, state, steps);
    }

    /// <summary>A sequence on a frozen model through a workspace.</summary>
    public static void FrozenForward(ReadOnlySpan<float> frozen, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Workspace<float> workspace)
    {
        int steps = CheckSequence(inputs, outputs, state);
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.EnsureFits(TModel.Shape, steps, nameof(workspace));
        if (Directions == 1)
        {
            Stream<Frozen>(ref Ref(frozen), inputs, outputs, state, steps);
        }
        else
        {
            Sweep<Frozen>(ref Ref(frozen), inputs, outputs, state, workspace, steps);
        }
    }

    private static void CheckStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        Guard.Length(output.Length, OutputSize, nameof(output));
    }

    private static int CheckSequence(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state)
    {
        int steps = Guard.Rows(inputs.Length, InputSize, nameof(inputs));
        Guard.Length(outputs.Length, steps * OutputSize, nameof(outputs));
        Guard.Length(state.Length, StateSize, nameof(state));
        return steps;
    }

    /// <summary>
    /// Steps forward in time, every layer per step (one direction only). The layer states are gathered once and
    /// scattered once; each layer reads the h the layer below just wrote. Outputs may be empty (a cell's Step).
    /// </summary>
    private static void Stream<TStep>(ref float weights, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, int steps)
        where TStep : IStepper
    {
        int layerStates = SingleLayerState ? 0 : Layers * LayerState;
        Span<float> scratch = stackalloc float[layerStates + LayerState + TFirst.ActivationsPerStep];
        ref float s = ref Ref(state);
        ref float kernelScratch = ref At(ref Ref(scratch), layerStates);
        ref float first = ref SingleLayerState ? ref s : ref Ref(scratch);
        if (!SingleLayerState)
        {
            for (int layer = 0; layer < Layers; layer++)
            {
                Gather(ref s, layer, 0, ref At(ref first, layer * LayerState));
            }
        }

        for (int t = 0; t < steps; t++)
        {
            TStep.Layer(0, 0, ref weights, ref At(ref Ref(inputs), t * InputSize), ref first, ref kernelScratch);
            for (int layer = 1; layer < Layers; layer++)
            {
                // h of the layer below starts its state.
                TStep.Layer(layer, 0, ref weights, ref At(ref first, (layer - 1) * LayerState), ref At(ref first, layer * LayerState), ref kernelScratch);
            }

            if (!outputs.IsEmpty)
            {
                ref float top = ref At(ref first, (Layers - 1) * LayerState);
                if (HasHead)
                {
                    TStep.Head(ref weights, ref top, ref At(ref Ref(outputs), t * OutputSize), 1);
                }
                else
                {
                    Copy(ref top, ref At(ref Ref(outputs), t * OutputSize), Recurrent);
                }
            }
        }

        if (!SingleLayerState)
        {
            for (int layer = 0; layer < Layers; layer++)
            {
                Scatter(ref At(ref first, layer * LayerState), ref s, layer, 0);
            }
        }
    }

    /// <summary>
    /// A sequence layer by layer: each direction of a layer runs over the whole sequence (the reverse one from the
    /// last step back), writing its h into its half of each output row, before the next layer reads those rows.
    /// </summary>
    private static void Sweep<TStep>(ref float weights, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Workspace<float> workspace, int steps)
        where TStep : IStepper
    {
        Span<float> scratch = stackalloc float[2 * LayerState + TFirst.ActivationsPerStep];
        ref float layerState = ref Ref(scratch);
        ref float kernelScratch = ref At(ref layerState, LayerState);
        ref float s = ref Ref(state);
        ReadOnlySpan<float> layerInputs = inputs;
        int inputWidth = InputSize;
        for (int layer = 0; layer < Layers; layer++)
        {
            Span<float> layerOutputs = layer == Layers - 1 && !HasHead ? outputs : workspace.LayerOutputs(layer & 1, steps);
            for (int direction = 0; direction < Directions; direction++)
            {
                Gather(ref s, layer, direction, ref layerState);
                for (int i = 0; i < steps; i++)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    TStep.Layer(layer, direction, ref weights, ref At(ref Ref(layerInputs), t * inputWidth), ref layerState, ref kernelScratch);
                    Copy(ref layerState, ref At(ref Ref(layerOutputs), t * LayerOutput + direction * Recurrent), Recurrent);
                }

                Scatter(ref layerState, ref s, layer, direction);
            }

            layerInputs = layerOutputs;
            inputWidth = LayerOutput;
        }

        if (HasHead)
        {
            TStep.Head(ref weights, ref Ref(layerInputs), ref Ref(outputs), steps);
        }
    }

    /// <summary>How a pass advances one layer state by one step in place, and applies the head: on live or frozen weights.</summary>
    private interface IStepper
    {
        static abstract void Layer(int layer, int direction, ref float weights, ref float x, ref float state, ref float scratch);

        static abstract void Head(ref float weights, ref float x, ref float y, int rows);
    }

    /// <summary>The model's own parameters: the state is copied aside (the kernel reads previous, writes next).</summary>
    private readonly struct Live : IStepper
    {
        public static void Layer(int layer, int direction, ref float weights, ref float x, ref float state, ref float scratch)
        {
            Copy(ref state, ref scratch, LayerState);
            ref float w = ref At(ref weights, Offset(layer, direction));
            if (layer == 0)
            {
                TFirst.Step(ref w, ref x, ref scratch, ref state, ref At(ref scratch, LayerState));
            }
            else
            {
                TUpper.Step(ref w, ref x, ref scratch, ref state, ref At(ref scratch, LayerState));
            }
        }

        public static void Head(ref float weights, ref float x, ref float y, int rows) =>
            THead.Forward(ref At(ref weights, HeadOffset), ref x, ref y, rows);
    }

    /// <summary>A frozen copy (<see cref="Freeze"/>): the layer kernels' frozen steps.</summary>
    private readonly struct Frozen : IStepper
    {
        public static void Layer(int layer, int direction, ref float weights, ref float x, ref float state, ref float scratch)
        {
            ref float w = ref At(ref weights, FrozenOffset(layer, direction));
            if (layer == 0)
            {
                TFirst.FrozenStep(ref w, ref x, ref state, ref scratch);
            }
            else
            {
                TUpper.FrozenStep(ref w, ref x, ref state, ref scratch);
            }
        }

        public static void Head(ref float weights, ref float x, ref float y, int rows) =>
            THead.Forward(ref At(ref weights, FrozenHeadOffset), ref x, ref y, rows);
    }
}
