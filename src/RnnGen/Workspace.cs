using System.Numerics;
using RnnGen.Simd;

namespace RnnGen;

/// <summary>
/// The buffers a model's sequence pass needs between its layers: a bidirectional layer's reverse direction reads the
/// whole sequence, so each layer's outputs for every step must exist before the next layer starts. Create it once
/// with the model's <c>CreateWorkspace</c> (one per thread, or per concurrent call) and pass it to every
/// <c>Forward</c>; nothing is allocated per call. A workspace fits every model of the same <see cref="Shape"/>, for
/// sequences of up to <see cref="MaxSteps"/> steps and batches of up to <see cref="BatchSize"/> streams.
/// </summary>
/// <typeparam name="T">The model's floating-point type.</typeparam>
public sealed class Workspace<T> where T : IFloatingPointIeee754<T>
{
    private readonly T[] _buffer;
    private readonly int _start, _layerOutputs;

    /// <summary>A workspace for sequences of up to <paramref name="maxSteps"/> steps of one stream of a model of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is not positive, or the buffers would be too large.</exception>
    public Workspace(ModelShape shape, int maxSteps)
        : this(shape, maxSteps, 1)
    {
    }

    /// <summary>A workspace for batches of up to <paramref name="batchSize"/> sequences of up to <paramref name="maxSteps"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive, or the buffers would be too large.</exception>
    public Workspace(ModelShape shape, int maxSteps, int batchSize)
    {
        SequenceBuffers.CheckArguments(shape, maxSteps, batchSize);
        Shape = shape;
        MaxSteps = maxSteps;
        BatchSize = batchSize;
        long layerOutputs = (long)maxSteps * batchSize * shape.LayerOutputSize;
        // Two layer outputs (a layer reads one while it writes the other), each from a cache-line boundary.
        long length = 2 * ((layerOutputs + 15) / 16 * 16);
        if (length > Array.MaxLength - 16)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSteps), $"A workspace of {maxSteps} steps × {batchSize} streams for this model exceeds the largest array .NET allows.");
        }

        _layerOutputs = (int)(length / 2);
        _buffer = CacheAligned.Allocate<T>((int)length, out _start);
    }

    /// <summary>The shape of the models this workspace serves.</summary>
    public ModelShape Shape { get; }

    /// <summary>The longest sequence this workspace holds.</summary>
    public int MaxSteps { get; }

    /// <summary>The most streams a batched pass through this workspace may run.</summary>
    public int BatchSize { get; }

    /// <summary>Throws unless this workspace was made for <paramref name="shape"/> and holds <paramref name="steps"/> steps of <paramref name="batchSize"/> streams.</summary>
    internal void EnsureFits(ModelShape shape, int steps, int batchSize, string paramName)
    {
        SequenceBuffers.EnsureShape(Shape, shape, "workspace", "CreateWorkspace", paramName);
        if (steps > MaxSteps)
        {
            throw new ArgumentException($"The sequence has {steps} steps but the workspace holds at most {MaxSteps}; create it with CreateWorkspace({steps}) or more.", paramName);
        }

        if (batchSize > BatchSize)
        {
            throw new ArgumentException($"The batch has {batchSize} streams but the workspace holds at most {BatchSize}; create it with CreateWorkspace(maxSteps, batchSize: {batchSize}).", paramName);
        }
    }

    /// <summary>One of the two layer-output buffers (0 or 1), rows of D·Hout values for every step and stream.</summary>
    internal Span<T> LayerOutputs(int which, int rows) => _buffer.AsSpan(_start + which * _layerOutputs, rows * Shape.LayerOutputSize);
}
