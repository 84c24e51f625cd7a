using System.Numerics;
using RnnGen.Generated;
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
        Stream(input, output, state, 1, 1);
    }

    /// <summary>A sequence, step by step (a model that is not bidirectional).</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional.</exception>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state)
    {
        EnsureStreaming();
        int steps = CheckSequence(inputs, outputs, state, 1, nameof(state));
        Stream(inputs, outputs, state, 1, steps);
    }

    /// <summary>One streaming step of B streams: inputs [B, I], states [B, S], outputs [B, O].</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional.</exception>
    public void StepBatch(ReadOnlySpan<T> inputs, Span<T> states, Span<T> outputs)
    {
        EnsureStreaming();
        int batch = Batch(states, nameof(states));
        Guard.Length(inputs.Length, batch * InputSize, nameof(inputs));
        Guard.Length(outputs.Length, batch * OutputSize, nameof(outputs));
        Stream(inputs, outputs, states, batch, 1);
    }

    /// <summary>B sequences, step by step: inputs [T, B, I], outputs [T, B, O], states [B, S].</summary>
    /// <exception cref="InvalidOperationException">The model is bidirectional.</exception>
    public void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states)
    {
        EnsureStreaming();
        int batch = Batch(states, nameof(states));
        int steps = CheckSequence(inputs, outputs, states, batch, nameof(states));
        Stream(inputs, outputs, states, batch, steps);
    }

    /// <inheritdoc/>
    public Workspace<T> CreateWorkspace(int maxSteps) => new(Shape, maxSteps);

    /// <summary>A workspace for batches of up to <paramref name="batchSize"/> sequences.</summary>
    public Workspace<T> CreateWorkspace(int maxSteps, int batchSize) => new(Shape, maxSteps, batchSize);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Workspace<T> workspace) =>
        Sequence(inputs, outputs, state, workspace, 1, nameof(state));

    /// <summary>B sequences through a workspace: inputs [T, B, I], outputs [T, B, O], states [B, S].</summary>
    public void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Workspace<T> workspace) =>
        Sequence(inputs, outputs, states, workspace, Batch(states, nameof(states)), nameof(states));

    /// <inheritdoc/>
    public Tape<T> CreateTape(int maxSteps) => new(Shape, maxSteps);

    /// <summary>A tape whose dropout masks are drawn from <paramref name="dropoutRandom"/>.</summary>
    public Tape<T> CreateTape(int maxSteps, Random? dropoutRandom) => new(Shape, maxSteps, dropoutRandom);

    /// <inheritdoc/>
    public Tape<T> CreateTape(int maxSteps, int batchSize) => new(Shape, maxSteps, batchSize, null);

    /// <summary>A tape for minibatches of <paramref name="batchSize"/> sequences whose dropout masks are drawn from <paramref name="dropoutRandom"/>.</summary>
    public Tape<T> CreateTape(int maxSteps, int batchSize, Random? dropoutRandom) => new(Shape, maxSteps, batchSize, dropoutRandom);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Tape<T> tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int steps = CheckSequence(inputs, outputs, state, 1, nameof(state));
        tape.EnsureFits(Shape, 1, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));
        tape.BeginRecording(steps);
        Record(inputs, outputs, state, tape, 1, steps);
    }

    /// <summary>
    /// B sequences in training mode: inputs [T, B, I], outputs [T, B, O], states [B, S]; <paramref name="lengths"/> (B
    /// values in 0..T, or empty) gives each stream's own length (padded at the end).
    /// </summary>
    public void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Tape<T> tape, ReadOnlySpan<int> lengths = default)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int batch = Batch(states, nameof(states));
        int steps = CheckSequence(inputs, outputs, states, batch, nameof(states));
        tape.EnsureFits(Shape, batch, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));
        tape.BeginRecording(steps, lengths);

        Record(inputs, outputs, states, tape, batch, steps);
    }

    /// <inheritdoc/>
    public void Backward(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradient, Span<T> inputGradients, Span<T> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(Shape, 1, nameof(tape));
        BackwardCore(tape, outputGradients, stateGradient, inputGradients, parameterGradients, nameof(stateGradient));
    }

    /// <summary>Backpropagation through time for a minibatch: gradients [T, B, O], [B, S], [T, B, I] (or empty); parameter gradients of all streams summed (+=).</summary>
    public void BackwardBatch(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradients, Span<T> inputGradients, Span<T> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(Shape, Batch(stateGradients, nameof(stateGradients)), nameof(tape));
        BackwardCore(tape, outputGradients, stateGradients, inputGradients, parameterGradients, nameof(stateGradients));
    }

    private void Sequence(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Workspace<T> workspace, int batch, string statesName)
    {
        int steps = CheckSequence(inputs, outputs, states, batch, statesName);
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.EnsureFits(Shape, steps, batch, nameof(workspace));
        int rows = steps * batch;
        ReadOnlySpan<T> layerInputs = inputs;
        for (int layer = 0; layer < Shape.Layers; layer++)
        {
            Span<T> layerOutputs = layer == Shape.Layers - 1 && Shape.HeadOutputs == 0 ? outputs : workspace.LayerOutputs(layer & 1, rows);
            for (int direction = 0; direction < Shape.Directions; direction++)
            {
                for (int b = 0; b < batch; b++)
                {
                    Span<T> layerState = _layerStates.AsSpan(0, _first.StateSize);
                    Gather(StateOf(states, b), layer, direction, layerState);
                    for (int i = 0; i < steps; i++)
                    {
                        int t = direction == 0 ? i : steps - 1 - i;
                        LayerStep(layer, direction, Row(layerInputs, t * batch + b, layer), layerState, layerState, _activations);
                        layerState[..Shape.RecurrentSize].CopyTo(OutputSlot(layerOutputs, t * batch + b, direction));
                    }

                    Scatter(layerState, StateOf(states, b), layer, direction);
                }
            }

            layerInputs = layerOutputs;
        }

        HeadForward(layerInputs, outputs);
    }

    private void Record(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Tape<T> tape, int batch, int steps)
    {
        tape.RecordInputs(inputs);
        ReadOnlySpan<int> lengths = tape.Lengths;
        int s = _first.StateSize, a = _first.ActivationsPerStep;
        for (int layer = 0; layer < Shape.Layers; layer++)
        {
            bool top = layer == Shape.Layers - 1;
            Span<T> layerOutputs = !top ? tape.Inputs(layer + 1) : Shape.HeadOutputs > 0 ? tape.LayerOutputs : outputs;
            for (int direction = 0; direction < Shape.Directions; direction++)
            {
                // Blocks of B state rows: forward from block 0 to block T; reverse from block T down to block 0. Row
                // t·B + b of the activations belongs to input row t·B + b.
                Span<T> stateRows = tape.States(layer, direction), activations = tape.Activations(layer, direction);
                for (int b = 0; b < batch; b++)
                {
                    Gather(StateOf(states, b), layer, direction, stateRows.Slice(((direction == 0 ? 0 : steps) * batch + b) * s, s));
                    for (int i = 0; i < steps; i++)
                    {
                        int t = direction == 0 ? i : steps - 1 - i;
                        Span<T> previous = stateRows.Slice(((direction == 0 ? t : t + 1) * batch + b) * s, s);
                        Span<T> next = stateRows.Slice(((direction == 0 ? t + 1 : t) * batch + b) * s, s);
                        if (t < lengths[b])
                        {
                            LayerStep(layer, direction, Row(tape.Inputs(layer), t * batch + b, layer), previous, next, activations.Slice((t * batch + b) * a, a));
                            next[..Shape.RecurrentSize].CopyTo(OutputSlot(layerOutputs, t * batch + b, direction));
                        }
                        else
                        {
                            // Past this stream's end: its state is carried, its output is padding.
                            previous.CopyTo(next);
                            OutputSlot(layerOutputs, t * batch + b, direction).Clear();
                        }
                    }

                    Scatter(stateRows.Slice(((direction == 0 ? steps : 0) * batch + b) * s, s), StateOf(states, b), layer, direction);
                }
            }

            if (!top && Shape.Dropout > 0)
            {
                Dropout.Apply(layerOutputs[..(steps * batch * Shape.LayerOutputSize)], tape.Mask(layer), Shape.Dropout, tape.DropoutRandom);
            }
        }

        if (Shape.HeadOutputs > 0)
        {
            HeadForward(tape.LayerOutputs, outputs);
        }
    }

    private void BackwardCore(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradients, Span<T> inputGradients, Span<T> parameterGradients, string stateGradientsName)
    {
        int steps = tape.Steps, batch = tape.BatchSize, rows = steps * batch;
        Guard.Length(outputGradients.Length, rows * OutputSize, nameof(outputGradients));
        Guard.Length(stateGradients.Length, batch * StateSize, stateGradientsName);
        Guard.LengthOrEmpty(inputGradients.Length, rows * InputSize, nameof(inputGradients));
        Guard.Length(parameterGradients.Length, ParameterCount, nameof(parameterGradients));
        ReadOnlySpan<int> lengths = tape.Lengths;

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
                Span<T> stateRows = tape.States(layer, direction), activations = tape.Activations(layer, direction);
                for (int b = 0; b < batch; b++)
                {
                    Gather(StateOf(stateGradients, b), layer, direction, _layerGradient);
                    for (int i = steps - 1; i >= 0; i--)
                    {
                        int t = direction == 0 ? i : steps - 1 - i;
                        if (t >= lengths[b])
                        {
                            continue;   // a padded step carried the state: its gradient passes through unchanged
                        }

                        // The gradient reaching this step's h: from its output and from the steps after it.
                        Linear.Add(OutputSlot(dOutputs, t * batch + b, direction), _layerGradient.AsSpan(0, Shape.RecurrentSize));
                        math.Backward(
                            parameters, Row(tape.Inputs(layer), t * batch + b, layer), stateRows.Slice(((direction == 0 ? t : t + 1) * batch + b) * s, s),
                            activations.Slice((t * batch + b) * a, a), _layerGradient, _gradients, dx, dp);
                        if (!dx.IsEmpty)
                        {
                            Linear.Add(dx, dInputs.Slice((t * batch + b) * inputWidth, inputWidth));
                        }
                    }

                    Scatter(_layerGradient, StateOf(stateGradients, b), layer, direction);
                }
            }

            if (layer > 0)
            {
                if (Shape.Dropout > 0)
                {
                    Dropout.Backward(dInputs[..(rows * Shape.LayerOutputSize)], tape.Mask(layer - 1));
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

    /// <summary>Steps B streams forward in time, one stream after another, every layer per step; outputs may be empty (a cell's Step: the output is its h).</summary>
    private protected void Stream(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, int batch, int steps)
    {
        int s = _first.StateSize;
        for (int b = 0; b < batch; b++)
        {
            for (int layer = 0; layer < Shape.Layers; layer++)
            {
                Gather(StateOf(states, b), layer, 0, _layerStates.AsSpan(layer * s, s));
            }

            for (int t = 0; t < steps; t++)
            {
                ReadOnlySpan<T> x = inputs.Slice((t * batch + b) * InputSize, InputSize);
                for (int layer = 0; layer < Shape.Layers; layer++)
                {
                    Span<T> layerState = _layerStates.AsSpan(layer * s, s);
                    LayerStep(layer, 0, x, layerState, layerState, _activations);
                    x = layerState[..Shape.RecurrentSize];
                }

                if (!outputs.IsEmpty)
                {
                    Span<T> output = outputs.Slice((t * batch + b) * OutputSize, OutputSize);
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
                Scatter(_layerStates.AsSpan(layer * s, s), StateOf(states, b), layer, 0);
            }
        }
    }

    /// <summary>Stream b's state in a batch of states.</summary>
    private Span<T> StateOf(Span<T> states, int b) => states.Slice(b * StateSize, StateSize);

    /// <summary>B = states.Length / StateSize: a positive whole number of states.</summary>
    private int Batch(Span<T> states, string paramName)
    {
        int batch = Guard.Rows(states.Length, StateSize, paramName);
        return batch > 0 ? batch : throw new ArgumentException($"{paramName} has length 0; expected B·{StateSize} values, one state per stream (B ≥ 1).", paramName);
    }

    private int CheckSequence(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, int batch, string statesName)
    {
        int steps = Guard.Rows(inputs.Length, batch * InputSize, nameof(inputs));
        Guard.Length(outputs.Length, steps * batch * OutputSize, nameof(outputs));
        Guard.Length(states.Length, batch * StateSize, statesName);
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

    /// <summary>A row (t·B + b) of a layer's inputs.</summary>
    private ReadOnlySpan<T> Row(ReadOnlySpan<T> inputs, int row, int layer)
    {
        int width = Shape.Layout.LayerInputSize(layer);
        return inputs.Slice(row * width, width);
    }

    /// <summary>Where a direction's h goes in a row of a layer's outputs: the forward half, then the reverse one.</summary>
    private Span<T> OutputSlot(Span<T> layerOutputs, int row, int direction) =>
        layerOutputs.Slice(row * Shape.LayerOutputSize + direction * Shape.RecurrentSize, Shape.RecurrentSize);

    private ReadOnlySpan<T> OutputSlot(ReadOnlySpan<T> layerOutputs, int row, int direction) =>
        layerOutputs.Slice(row * Shape.LayerOutputSize + direction * Shape.RecurrentSize, Shape.RecurrentSize);

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
