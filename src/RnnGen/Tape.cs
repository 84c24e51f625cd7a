using System.Numerics;
using RnnGen.Generated;
using RnnGen.Layout;
using RnnGen.Simd;

namespace RnnGen;

/// <summary>
/// What a training forward pass records for backpropagation through time, preallocated for one model shape and up to
/// <see cref="MaxSteps"/> steps. Create it with the model's <c>CreateTape</c> and reuse it for every sequence (one per
/// thread). A tape fits every model of the same <see cref="Shape"/>, generated or reference, and refuses any other.
/// </summary>
/// <remarks>
/// Per layer it records the layer's inputs (for layers above the first: the outputs of the layer below, after dropout,
/// with the dropout mask), and per layer and direction the state before and after every step and each step's gate
/// activations; with a head, the top layer's outputs. The backward pass keeps its gradient scratch here too, so
/// neither pass allocates. All buffers start on a cache-line boundary.
/// </remarks>
/// <typeparam name="T">The model's floating-point type.</typeparam>
public sealed class Tape<T> where T : IFloatingPointIeee754<T>
{
    private readonly T[] _buffer;
    private readonly int _start;
    private readonly Section[] _inputs, _states, _activations, _gradients, _masks;
    private readonly Section _layerOutputs, _outputGradients, _inputGradients, _rowScratch, _stateGradients, _backwardScratch, _packedWeights, _gateSums;
    private readonly int[] _lengths;

    /// <summary>A tape for a single-layer cell of the given kind and sizes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the buffers would be too large.</exception>
    public Tape(CellKind kind, int inputSize, int hiddenSize, int maxSteps)
        : this(new ModelShape(kind, inputSize, hiddenSize), maxSteps)
    {
    }

    /// <summary>A tape for one stream of a model of the given shape; a model with dropout draws its masks from <see cref="Random.Shared"/>.</summary>
    /// <param name="shape">The model's shape.</param>
    /// <param name="maxSteps">The longest sequence the tape records.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is not positive, or the buffers would be too large.</exception>
    public Tape(ModelShape shape, int maxSteps)
        : this(shape, maxSteps, 1, null)
    {
    }

    /// <summary>A tape for one stream of a model of the given shape.</summary>
    /// <param name="shape">The model's shape.</param>
    /// <param name="maxSteps">The longest sequence the tape records.</param>
    /// <param name="dropoutRandom">
    /// Where a model with dropout draws its masks, one draw per masked value in each training Forward
    /// (<see cref="Random.Shared"/> when null). A seeded <see cref="Random"/> makes the masks repeatable.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is not positive, or the buffers would be too large.</exception>
    public Tape(ModelShape shape, int maxSteps, Random? dropoutRandom)
        : this(shape, maxSteps, 1, dropoutRandom)
    {
    }

    /// <summary>A tape for minibatches of <paramref name="batchSize"/> sequences of a model of the given shape (the batched passes).</summary>
    /// <param name="shape">The model's shape.</param>
    /// <param name="maxSteps">The longest sequence the tape records.</param>
    /// <param name="batchSize">B: the sequences each batched pass runs together.</param>
    /// <param name="dropoutRandom">Where a model with dropout draws its masks (<see cref="Random.Shared"/> when null).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive, or the buffers would be too large.</exception>
    public Tape(ModelShape shape, int maxSteps, int batchSize, Random? dropoutRandom)
    {
        SequenceBuffers.CheckArguments(shape, maxSteps, batchSize);
        Shape = shape;
        MaxSteps = maxSteps;
        BatchSize = batchSize;
        DropoutRandom = dropoutRandom;
        _lengths = new int[batchSize];
        ModelLayout layout = shape.Layout;
        int layers = layout.Layers, directions = layout.Directions;

        // Rows are time-major: row t·B + b belongs to step t of stream b.
        var sections = new SectionPlanner(maxSteps, batchSize);
        _inputs = new Section[layers];
        _states = new Section[layers * directions];
        _activations = new Section[layers * directions];
        _gradients = new Section[layers * directions];
        _masks = new Section[layers];
        for (int layer = 0; layer < layers; layer++)
        {
            _inputs[layer] = sections.Add(layout.LayerInputSize(layer), extraRows: 0);
            for (int direction = 0; direction < directions; direction++)
            {
                int i = layer * directions + direction;
                _states[i] = sections.Add(layout.LayerStateSize, extraRows: 1);
                _activations[i] = sections.Add(layout.ActivationsPerStep, extraRows: 0);
                _gradients[i] = sections.Add(layout.GradientsPerStep, extraRows: 0);
            }

            if (layer < layers - 1 && shape.Dropout > 0)
            {
                _masks[layer] = sections.Add(layout.LayerOutputSize, extraRows: 0);
            }
        }

        // The top layer's outputs are kept when a head reads them; the backward pass's layer gradients when there is
        // more than one layer or a head between the user's gradients and the top layer.
        if (layout.HeadOutputs > 0)
        {
            _layerOutputs = sections.Add(layout.LayerOutputSize, extraRows: 0);
        }

        if (layout.HeadOutputs > 0 || layers > 1)
        {
            _outputGradients = sections.Add(layout.LayerOutputSize, extraRows: 0);
            _inputGradients = sections.Add(layout.LayerOutputSize, extraRows: 0);
        }

        _rowScratch = sections.AddRows(Math.Max(layout.Input, layout.LayerOutputSize), rows: batchSize);
        _stateGradients = sections.AddRows(layout.LayerStateSize, rows: batchSize);
        _backwardScratch = sections.AddRows(layout.BackwardScratch, rows: batchSize);
        if (batchSize > 1 && layout.PacksForBatch)
        {
            // The batched training step packs each layer-direction's weights once per pass, and sums gates per stream.
            _packedWeights = sections.AddRows(Math.Max(layout.PackedLayerSize(0), layout.PackedLayerSize(layers - 1)), rows: 1);
            _gateSums = sections.AddRows(layout.GateSumsPerStream, rows: batchSize);
        }

        _buffer = CacheAligned.Allocate<T>(sections.Length, out _start);
    }

    /// <summary>The shape of the models this tape records.</summary>
    public ModelShape Shape { get; }

    /// <summary>The longest sequence this tape can record.</summary>
    public int MaxSteps { get; }

    /// <summary>B: the sequences a batched pass records together (1 for a single-stream tape).</summary>
    public int BatchSize { get; }

    /// <summary>Steps recorded by the last forward pass (0 for a new tape): the longest sequence of the batch.</summary>
    public int Steps { get; private set; }

    /// <summary>Each stream's own length in the last batched pass (all <see cref="Steps"/> unless given shorter).</summary>
    internal ReadOnlySpan<int> Lengths => _lengths;

    /// <summary>Whether some stream of the last pass is shorter than <see cref="Steps"/> (padded at the end).</summary>
    internal bool Ragged { get; private set; }

    internal Random? DropoutRandom { get; }

    /// <summary>Throws unless this tape was made for a model of <paramref name="shape"/> and batches of <paramref name="batchSize"/>.</summary>
    internal void EnsureFits(ModelShape shape, int batchSize, string paramName)
    {
        SequenceBuffers.EnsureShape(Shape, shape, "tape", "CreateTape", paramName);
        if (batchSize != BatchSize)
        {
            throw new ArgumentException(
                BatchSize == 1
                    ? $"The tape records one stream, but this call runs {batchSize}; create one with CreateTape(maxSteps, batchSize: {batchSize})."
                    : batchSize == 1
                        ? $"The tape records batches of {BatchSize} streams; use the batched passes (ForwardBatch, BackwardBatch), or create a tape with CreateTape(maxSteps)."
                        : $"The tape records batches of {BatchSize} streams, but this call runs {batchSize}.",
                paramName);
        }
    }

    /// <summary>Throws unless <paramref name="steps"/> fit in this tape.</summary>
    internal void EnsureCapacity(int steps, string paramName)
    {
        if (steps > MaxSteps)
        {
            throw new ArgumentException($"The sequence has {steps} steps but the tape holds at most {MaxSteps}; create it with CreateTape({steps}) or more.", paramName);
        }
    }

    /// <summary>Starts a new record of <paramref name="steps"/> steps (checked by <see cref="EnsureCapacity"/>), every stream that long.</summary>
    internal void BeginRecording(int steps)
    {
        EnsureCapacity(steps, nameof(steps));
        Steps = steps;
        _lengths.AsSpan().Fill(steps);
        Ragged = false;
    }

    /// <summary>
    /// Starts a new record whose streams have their own lengths, as a batched pass's caller gave them: one for each of
    /// the tape's streams, each from 0 to <paramref name="steps"/>; none (empty) means every stream is that long.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths are not one a stream, or one is out of range.</exception>
    internal void BeginRecording(int steps, ReadOnlySpan<int> lengths)
    {
        if (lengths.IsEmpty)
        {
            BeginRecording(steps);
            return;
        }

        Guard.Length(lengths.Length, BatchSize, nameof(lengths));
        for (int b = 0; b < lengths.Length; b++)
        {
            if ((uint)lengths[b] > (uint)steps)
            {
                throw new ArgumentException($"lengths[{b}] is {lengths[b]}; each stream's length must be between 0 and the sequence's {steps} steps.", nameof(lengths));
            }
        }

        BeginRecording(steps);
        lengths.CopyTo(_lengths);
        foreach (int length in lengths)
        {
            Ragged |= length != steps;
        }
    }

    /// <summary>
    /// Copies a pass's inputs [T, B, I] into the record of layer 0, with zeros on every padded step (past a stream's own
    /// length): padding is never read, as with pack_padded_sequence, so whatever it holds (a NaN, an infinity) cannot reach
    /// the recorded activations or the weight gradients, whose products over all rows multiply it by a zero gradient.
    /// </summary>
    internal void RecordInputs(ReadOnlySpan<T> inputs)
    {
        Span<T> recorded = Inputs(0);
        inputs.CopyTo(recorded);
        if (Ragged)
        {
            int width = Shape.InputSize;
            for (int b = 0; b < BatchSize; b++)
            {
                for (int t = _lengths[b]; t < Steps; t++)
                {
                    recorded.Slice((t * BatchSize + b) * width, width).Clear();
                }
            }
        }
    }

    /// <summary>The inputs <paramref name="layer"/> read, one row of its input size per step and stream (row t·B + b).</summary>
    internal Span<T> Inputs(int layer) => Rows(_inputs[layer], Steps * BatchSize);

    /// <summary>
    /// One layer-direction's states, (Steps + 1)·B rows: block t holds every stream's state before step t; block 0
    /// (forward) or block T (reverse) is the initial state.
    /// </summary>
    internal Span<T> States(int layer, int direction) => Rows(_states[Index(layer, direction)], (Steps + 1) * BatchSize);

    /// <summary>One layer-direction's recorded activations, a row per step and stream in time order.</summary>
    internal Span<T> Activations(int layer, int direction) => Rows(_activations[Index(layer, direction)], Steps * BatchSize);

    /// <summary>One layer-direction's pre-activation gradients, written by the backward pass (not part of the record).</summary>
    internal Span<T> Gradients(int layer, int direction) => Rows(_gradients[Index(layer, direction)], Steps * BatchSize);

    /// <summary>The dropout mask applied to <paramref name="layer"/>'s outputs (0 or 1/(1 − p) per value).</summary>
    internal Span<T> Mask(int layer) => Rows(_masks[layer], Steps * BatchSize);

    /// <summary>The top layer's outputs, the head's inputs.</summary>
    internal Span<T> LayerOutputs => Rows(_layerOutputs, Steps * BatchSize);

    /// <summary>Backward scratch: dL/d(a layer's outputs), and dL/d(its inputs) (the next layer down's outputs).</summary>
    internal Span<T> OutputGradients => Rows(_outputGradients, Steps * BatchSize);

    /// <inheritdoc cref="OutputGradients"/>
    internal Span<T> InputGradients => Rows(_inputGradients, Steps * BatchSize);

    /// <summary>One row per stream of scratch as wide as any layer's input.</summary>
    internal Span<T> RowScratch => Rows(_rowScratch, BatchSize);

    /// <summary>Backward scratch: every stream's dL/d(one layer-direction's state), contiguous.</summary>
    internal Span<T> StateGradients => Rows(_stateGradients, BatchSize);

    /// <summary>Backward scratch: what one backward step of every stream needs (ModelLayout.BackwardScratch each).</summary>
    internal Span<T> BackwardScratch => Rows(_backwardScratch, BatchSize);

    /// <summary>Room for one layer-direction's weights as the batched training step packs them (empty for single streams).</summary>
    internal Span<T> PackedWeights => Rows(_packedWeights, 1);

    /// <summary>Every stream's gate sums for the packed batched step (empty for single streams).</summary>
    internal Span<T> GateSums => Rows(_gateSums, BatchSize);

    /// <summary>Values per row of the recorded activations and of the gradients.</summary>
    internal int ActivationsPerStep => Shape.Layout.ActivationsPerStep;

    /// <inheritdoc cref="ActivationsPerStep"/>
    internal int GradientsPerStep => Shape.Layout.GradientsPerStep;

    private int Index(int layer, int direction) => layer * Shape.Directions + direction;

    private Span<T> Rows(Section section, int rows) => _buffer.AsSpan(_start + section.Start, rows * section.Width);

    /// <summary>Where one buffer lies in the tape's single allocation.</summary>
    private readonly record struct Section(int Start, int Width);

    /// <summary>Lays buffers out one after another, each from a cache-line boundary, checking the total fits an array.</summary>
    private sealed class SectionPlanner(int maxSteps, int batchSize)
    {
        private const int LineValues = 16;   // 64 bytes of float; more than a line for double
        private long _length;

        public int Length => (int)_length;

        /// <summary>A buffer of <paramref name="width"/>-value rows, one per step and stream plus <paramref name="extraRows"/> per stream.</summary>
        public Section Add(int width, int extraRows) => AddRows(width, ((long)maxSteps + extraRows) * batchSize);

        public Section AddRows(int width, long rows)
        {
            long start = (_length + LineValues - 1) / LineValues * LineValues;
            _length = start + rows * width;
            if (_length > Array.MaxLength - LineValues)
            {
                throw new ArgumentOutOfRangeException(nameof(maxSteps), $"A tape of {maxSteps} steps × {batchSize} streams for this model exceeds the largest array .NET allows.");
            }

            return new Section((int)start, width);
        }
    }
}
