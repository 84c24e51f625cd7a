using System.Numerics;
using RnnGen.IO;
using RnnGen.Training;

namespace RnnGen.Reference;

/// <summary>
/// The reference model: any <see cref="ModelShape"/> (stacked, bidirectional, projected, without biases, with a linear
/// head), runtime sizes, any IEEE floating-point type, written plainly. It is the oracle every generated model is tested
/// against, and is itself tested against PyTorch and finite differences.
/// </summary>
/// <remarks>
/// Clarity over speed, but nothing allocated after construction: it keeps scratch buffers, so an instance serves one
/// stream at a time. It records the same tape as a generated model of its shape, so tapes fit either.
/// </remarks>
public class ReferenceModel<T> : IRecurrentModel<T> where T : IFloatingPointIeee754<T>
{
    private readonly T[] _parameters;
    private readonly LayerMath<T> _first, _upper;
    private readonly T[] _activations, _layerStates, _gradients, _layerGradient, _row;

    /// <summary>A model of <paramref name="shape"/> with PyTorch's default initialisation (<see cref="Initialization.UniformModel"/>).</summary>
    public ReferenceModel(ModelShape shape, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        _parameters = new T[shape.ParameterCount];
        _first = LayerMath<T>.For(shape, 0);
        _upper = shape.Layers > 1 ? LayerMath<T>.For(shape, 1) : _first;
        _activations = new T[_first.ActivationsPerStep];
        _layerStates = new T[shape.Layers * _first.StateSize];
        _gradients = new T[_first.GradientsPerStep];
        _layerGradient = new T[_first.StateSize];
        _row = new T[Math.Max(shape.InputSize, shape.LayerOutputSize)];
        Initialization.UniformModel<T>(_parameters, shape, random);
    }

    /// <inheritdoc/>
    public ModelShape Shape { get; }

    /// <inheritdoc/>
    public int InputSize => Shape.InputSize;

    /// <inheritdoc/>
    public int OutputSize => Shape.OutputSize;

    /// <inheritdoc/>
    public int StateSize => Shape.StateSize;

    /// <inheritdoc/>
    public int ParameterCount => Shape.ParameterCount;

    /// <inheritdoc/>
    public Span<T> Parameters => _parameters;

    /// <inheritdoc/>
    public Memory<T> ParameterMemory => _parameters;

    /// <summary>A view of one tensor of <see cref="Parameters"/> by its state_dict name (see <see cref="ModelShape.Tensors"/>).</summary>
    /// <exception cref="ArgumentException">The model has no such tensor.</exception>
    public Span<T> Tensor(string name)
    {
        ParameterTensor tensor = Shape.Tensor(name);
        return _parameters.AsSpan(tensor.Offset, tensor.Length);
    }

    /// <summary>One streaming step through every layer and the head (a model that is not bidirectional).</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional: its reverse direction needs the whole sequence.</exception>
    public void Step(ReadOnlySpan<T> input, Span<T> state, Span<T> output)
    {
        EnsureStreaming();
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        Guard.Length(output.Length, OutputSize, nameof(output));
        Stream(input, output, state, 1);
    }

    /// <summary>A sequence, step by step (a model that is not bidirectional).</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional.</exception>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state)
    {
        EnsureStreaming();
        int steps = CheckSequence(inputs, outputs, state);
        Stream(inputs, outputs, state, steps);
    }

    /// <inheritdoc/>
    public Workspace<T> CreateWorkspace(int maxSteps) => new(Shape, maxSteps);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Workspace<T> workspace)
    {
        int steps = CheckSequence(inputs, outputs, state);
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.EnsureFits(Shape, steps, nameof(workspace));
        ReadOnlySpan<T> layerInputs = inputs;
        for (int layer = 0; layer < Shape.Layers; layer++)
        {
            Span<T> layerOutputs = layer == Shape.Layers - 1 && Shape.HeadOutputs == 0 ? outputs : workspace.LayerOutputs(layer & 1, steps);
            for (int direction = 0; direction < Shape.Directions; direction++)
            {
                Span<T> layerState = _layerStates.AsSpan(0, _first.StateSize);
                Gather(state, layer, direction, layerState);
                for (int i = 0; i < steps; i++)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    LayerStep(layer, direction, Row(layerInputs, t, layer), layerState, layerState, _activations);
                    layerState[..Shape.RecurrentSize].CopyTo(OutputSlot(layerOutputs, t, direction));
                }

                Scatter(layerState, state, layer, direction);
            }

            layerInputs = layerOutputs;
        }

        HeadForward(layerInputs, outputs);
    }

    /// <inheritdoc/>
    public Tape<T> CreateTape(int maxSteps) => new(Shape, maxSteps);

    /// <summary>A tape whose dropout masks are drawn from <paramref name="dropoutRandom"/>.</summary>
    public Tape<T> CreateTape(int maxSteps, Random? dropoutRandom) => new(Shape, maxSteps, dropoutRandom);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Tape<T> tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int steps = CheckSequence(inputs, outputs, state);
        tape.EnsureFits(Shape, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));

        tape.BeginRecording(steps);
        inputs.CopyTo(tape.Inputs(0));
        int s = _first.StateSize, a = _first.ActivationsPerStep;
        for (int layer = 0; layer < Shape.Layers; layer++)
        {
            bool top = layer == Shape.Layers - 1;
            Span<T> layerOutputs = !top ? tape.Inputs(layer + 1) : Shape.HeadOutputs > 0 ? tape.LayerOutputs : outputs;
            for (int direction = 0; direction < Shape.Directions; direction++)
            {
                // Forward: state rows 0 → T; reverse: row T → 0. Row t of the activations belongs to input row t.
                Span<T> states = tape.States(layer, direction), activations = tape.Activations(layer, direction);
                Gather(state, layer, direction, states.Slice(direction == 0 ? 0 : steps * s, s));
                for (int i = 0; i < steps; i++)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    Span<T> previous = states.Slice((direction == 0 ? t : t + 1) * s, s);
                    Span<T> next = states.Slice((direction == 0 ? t + 1 : t) * s, s);
                    LayerStep(layer, direction, Row(tape.Inputs(layer), t, layer), previous, next, activations.Slice(t * a, a));
                    next[..Shape.RecurrentSize].CopyTo(OutputSlot(layerOutputs, t, direction));
                }

                Scatter(states.Slice(direction == 0 ? steps * s : 0, s), state, layer, direction);
            }

            if (!top && Shape.Dropout > 0)
            {
                Dropout.Apply(layerOutputs, tape.Mask(layer), Shape.Dropout, tape.DropoutRandom);
            }
        }

        if (Shape.HeadOutputs > 0)
        {
            HeadForward(tape.LayerOutputs, outputs);
        }
    }

    /// <inheritdoc/>
    public void Backward(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradient, Span<T> inputGradients, Span<T> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(Shape, nameof(tape));
        int steps = tape.Steps;
        Guard.Length(outputGradients.Length, steps * OutputSize, nameof(outputGradients));
        Guard.Length(stateGradient.Length, StateSize, nameof(stateGradient));
        Guard.LengthOrEmpty(inputGradients.Length, steps * InputSize, nameof(inputGradients));
        Guard.Length(parameterGradients.Length, ParameterCount, nameof(parameterGradients));

        // dL/d(the top layer's outputs): through the head (dW += dy ⊗ x, db += dy, dx = Wᵀ·dy), or the given gradients.
        ReadOnlySpan<T> dOutputs = outputGradients;
        bool inFirstScratch = false;
        if (Shape.HeadOutputs > 0)
        {
            HeadBackward(tape.LayerOutputs, outputGradients, tape.OutputGradients, parameterGradients[Shape.Layout.HeadOffset..]);
            dOutputs = tape.OutputGradients;
            inFirstScratch = true;
        }

        int s = _first.StateSize, a = _first.ActivationsPerStep;
        for (int layer = Shape.Layers - 1; layer >= 0; layer--)
        {
            int inputWidth = Shape.Layout.LayerInputSize(layer);
            Span<T> dInputs = layer == 0 ? inputGradients : inFirstScratch ? tape.InputGradients : tape.OutputGradients;
            dInputs.Clear();
            Span<T> dx = dInputs.IsEmpty ? default : _row.AsSpan(0, inputWidth);
            for (int direction = 0; direction < Shape.Directions; direction++)
            {
                LayerMath<T> math = layer == 0 ? _first : _upper;
                ReadOnlySpan<T> parameters = LayerParameters(layer, direction);
                Span<T> dp = parameterGradients.Slice(Shape.Layout.LayerOffset(layer, direction), math.ParameterCount);
                Span<T> states = tape.States(layer, direction), activations = tape.Activations(layer, direction);
                Gather(stateGradient, layer, direction, _layerGradient);
                for (int i = steps - 1; i >= 0; i--)
                {
                    int t = direction == 0 ? i : steps - 1 - i;
                    // The gradient reaching this step's h: from its output and from the steps after it.
                    Linear.Add(OutputSlot(dOutputs, t, direction), _layerGradient.AsSpan(0, Shape.RecurrentSize));
                    math.Backward(
                        parameters, Row(tape.Inputs(layer), t, layer), states.Slice((direction == 0 ? t : t + 1) * s, s),
                        activations.Slice(t * a, a), _layerGradient, _gradients, dx, dp);
                    if (!dx.IsEmpty)
                    {
                        Linear.Add(dx, dInputs.Slice(t * inputWidth, inputWidth));
                    }
                }

                Scatter(_layerGradient, stateGradient, layer, direction);
            }

            if (layer > 0)
            {
                if (Shape.Dropout > 0)
                {
                    Dropout.Backward(dInputs, tape.Mask(layer - 1));
                }

                dOutputs = dInputs;
                inFirstScratch = !inFirstScratch;
            }
        }
    }

    /// <summary>Loads the parameters from a safetensors file in the module's state_dict names; on any error they stay unchanged.</summary>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended verbatim to every name.</param>
    /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this model does not use are an error.</param>
    /// <param name="layer">For a single-layer model, the layer of a stacked file to read.</param>
    /// <exception cref="InvalidDataException">The file is invalid or does not fit this model (see <see cref="WeightFileErrors"/>).</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public void LoadWeights(string path, string prefix = "", bool strict = false, int layer = 0) =>
        ModelWeights.Load(this, path, prefix, strict, layer);

    /// <summary>Loads the parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="LoadWeights(string, string, bool, int)"/>
    public void LoadWeights(Stream stream, string prefix = "", bool strict = false, int layer = 0) =>
        ModelWeights.Load(this, stream, prefix, strict, layer);

    /// <summary>Loads the parameters from a weight file shared with other modules.</summary>
    /// <inheritdoc cref="LoadWeights(string, string, bool, int)"/>
    public void LoadWeights(WeightFile file, string prefix = "", bool strict = false, int layer = 0) =>
        ModelWeights.Load(this, file, prefix, strict, layer);

    /// <summary>Saves the parameters as a new safetensors file (F32 for float, F64 for double), atomically.</summary>
    /// <param name="path">The file, replaced only once the new one is complete.</param>
    /// <param name="prefix">Prepended verbatim to every name.</param>
    /// <param name="layer">For a single-layer model, the layer index in the names.</param>
    public void SaveWeights(string path, string prefix = "", int layer = 0) => ModelWeights.Save(this, path, prefix, layer);

    /// <summary>Writes the parameters as a safetensors file into <paramref name="stream"/> (left open).</summary>
    /// <inheritdoc cref="SaveWeights(string, string, int)"/>
    public void SaveWeights(Stream stream, string prefix = "", int layer = 0) => ModelWeights.Save(this, stream, prefix, layer);

    /// <summary>Adds the parameters to a weight file shared with other modules.</summary>
    /// <inheritdoc cref="SaveWeights(string, string, int)"/>
    public void SaveWeights(WeightFile file, string prefix = "", int layer = 0) => ModelWeights.Save(this, file, prefix, layer);

    /// <summary>Steps forward in time, every layer per step; outputs may be empty (a cell's Step: the output is its h).</summary>
    private protected void Stream(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, int steps)
    {
        int s = _first.StateSize;
        for (int layer = 0; layer < Shape.Layers; layer++)
        {
            Gather(state, layer, 0, _layerStates.AsSpan(layer * s, s));
        }

        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<T> x = inputs.Slice(t * InputSize, InputSize);
            for (int layer = 0; layer < Shape.Layers; layer++)
            {
                Span<T> layerState = _layerStates.AsSpan(layer * s, s);
                LayerStep(layer, 0, x, layerState, layerState, _activations);
                x = layerState[..Shape.RecurrentSize];
            }

            if (!outputs.IsEmpty)
            {
                Span<T> output = outputs.Slice(t * OutputSize, OutputSize);
                if (Shape.HeadOutputs > 0)
                {
                    HeadForward(x, output);
                }
                else
                {
                    x.CopyTo(output);
                }
            }
        }

        for (int layer = 0; layer < Shape.Layers; layer++)
        {
            Scatter(_layerStates.AsSpan(layer * s, s), state, layer, 0);
        }
    }

    private int CheckSequence(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state)
    {
        int steps = Guard.Rows(inputs.Length, InputSize, nameof(inputs));
        Guard.Length(outputs.Length, steps * OutputSize, nameof(outputs));
        Guard.Length(state.Length, StateSize, nameof(state));
        return steps;
    }

    private void EnsureStreaming()
    {
        if (Shape.Bidirectional)
        {
            throw new InvalidOperationException($"A bidirectional model ({Shape}) has no Step: its reverse direction needs the whole sequence. Use Forward with a workspace.");
        }
    }

    private ReadOnlySpan<T> LayerParameters(int layer, int direction) =>
        _parameters.AsSpan(Shape.Layout.LayerOffset(layer, direction), (layer == 0 ? _first : _upper).ParameterCount);

    private void LayerStep(int layer, int direction, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations) =>
        (layer == 0 ? _first : _upper).Step(LayerParameters(layer, direction), x, previous, next, activations);

    /// <summary>Row t of a layer's inputs.</summary>
    private ReadOnlySpan<T> Row(ReadOnlySpan<T> inputs, int t, int layer)
    {
        int width = Shape.Layout.LayerInputSize(layer);
        return inputs.Slice(t * width, width);
    }

    /// <summary>Where a direction's h goes in row t of a layer's outputs: the forward half, then the reverse one.</summary>
    private Span<T> OutputSlot(Span<T> layerOutputs, int t, int direction) =>
        layerOutputs.Slice(t * Shape.LayerOutputSize + direction * Shape.RecurrentSize, Shape.RecurrentSize);

    private ReadOnlySpan<T> OutputSlot(ReadOnlySpan<T> layerOutputs, int t, int direction) =>
        layerOutputs.Slice(t * Shape.LayerOutputSize + direction * Shape.RecurrentSize, Shape.RecurrentSize);

    private void Gather(ReadOnlySpan<T> state, int layer, int direction, Span<T> layerState)
    {
        int h = Shape.RecurrentSize;
        state.Slice(Shape.Layout.HiddenStateOffset(layer, direction), h).CopyTo(layerState);
        if (Shape.Kind == CellKind.Lstm)
        {
            state.Slice(Shape.Layout.CellStateOffset(layer, direction), Shape.HiddenSize).CopyTo(layerState[h..]);
        }
    }

    private void Scatter(ReadOnlySpan<T> layerState, Span<T> state, int layer, int direction)
    {
        int h = Shape.RecurrentSize;
        layerState[..h].CopyTo(state.Slice(Shape.Layout.HiddenStateOffset(layer, direction), h));
        if (Shape.Kind == CellKind.Lstm)
        {
            layerState[h..].CopyTo(state.Slice(Shape.Layout.CellStateOffset(layer, direction), Shape.HiddenSize));
        }
    }

    /// <summary>y = W·x + b for each row (the head, PyTorch nn.Linear).</summary>
    private void HeadForward(ReadOnlySpan<T> inputs, Span<T> outputs)
    {
        if (Shape.HeadOutputs == 0)
        {
            return;
        }

        int n = Shape.LayerOutputSize, m = Shape.HeadOutputs, head = Shape.Layout.HeadOffset;
        ReadOnlySpan<T> weight = _parameters.AsSpan(head, m * n), bias = _parameters.AsSpan(head + m * n, m);
        for (int t = 0; t < inputs.Length / n; t++)
        {
            Span<T> y = outputs.Slice(t * m, m);
            bias.CopyTo(y);
            Linear.AddProduct(weight, inputs.Slice(t * n, n), y);
        }
    }

    /// <summary>The head's gradients: dW += dy ⊗ x, db += dy, dx = Wᵀ·dy, per row.</summary>
    private void HeadBackward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradients, Span<T> inputGradients, Span<T> dp)
    {
        int n = Shape.LayerOutputSize, m = Shape.HeadOutputs, head = Shape.Layout.HeadOffset;
        ReadOnlySpan<T> weight = _parameters.AsSpan(head, m * n);
        for (int t = 0; t < inputs.Length / n; t++)
        {
            ReadOnlySpan<T> x = inputs.Slice(t * n, n), dy = outputGradients.Slice(t * m, m);
            Linear.AddOuter(dy, x, dp[..(m * n)]);
            Linear.Add(dy, dp.Slice(m * n, m));
            Span<T> dx = inputGradients.Slice(t * n, n);
            dx.Clear();
            Linear.AddTransposedProduct(weight, dy, dx);
        }
    }
}
