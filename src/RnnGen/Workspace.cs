using System.Numerics;
using RnnGen.Simd;

namespace RnnGen;

/// <summary>
/// The buffers a model's sequence pass needs between its layers: a bidirectional layer's reverse direction reads the
/// whole sequence, so each layer's outputs for every step must exist before the next layer starts. Create it once
/// with the model's <c>CreateWorkspace</c> (one per thread, or per concurrent call) and pass it to every
/// <c>Forward</c>; nothing is allocated per call. A workspace fits every model of the same <see cref="Shape"/>.
/// </summary>
/// <typeparam name="T">The model's floating-point type.</typeparam>
public sealed class Workspace<T> where T : IFloatingPointIeee754<T>
{
    private readonly T[] _buffer;
    private readonly int _start, _layerOutputs;

    /// <summary>A workspace for sequences of up to <paramref name="maxSteps"/> steps of a model of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is not positive, or the buffers would be too large.</exception>
    public Workspace(ModelShape shape, int maxSteps)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        Shape = shape;
        MaxSteps = maxSteps;
        long layerOutputs = (long)maxSteps * shape.LayerOutputSize;
        // Two layer outputs (a layer reads one while it writes the other), each from a cache-line boundary.
        long length = 2 * ((layerOutputs + 15) / 16 * 16);
        if (length > Array.MaxLength - 16)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSteps), $"A workspace of {maxSteps} steps for this model exceeds the largest array .NET allows.");
        }

        _layerOutputs = (int)(length / 2);
        _buffer = CacheAligned.Allocate<T>((int)length, out _start);
    }

    /// <summary>The shape of the models this workspace serves.</summary>
    public ModelShape Shape { get; }

    /// <summary>The longest sequence this workspace holds.</summary>
    public int MaxSteps { get; }

    /// <summary>Throws unless this workspace was made for <paramref name="shape"/> and holds <paramref name="steps"/> steps.</summary>
    internal void EnsureFits(ModelShape shape, int steps, string paramName)
    {
        if (!shape.Equals(Shape))
        {
            throw new ArgumentException($"The workspace was created for {ModelShape.Describe(Shape, shape)}, not for {ModelShape.Describe(shape, Shape)}; create one with this model's CreateWorkspace.", paramName);
        }

        if (steps > MaxSteps)
        {
            throw new ArgumentException($"The sequence has {steps} steps but the workspace holds at most {MaxSteps}; create it with CreateWorkspace({steps}) or more.", paramName);
        }
    }

    /// <summary>One of the two layer-output buffers (0 or 1), <paramref name="steps"/> rows of D·Hout values.</summary>
    internal Span<T> LayerOutputs(int which, int steps) => _buffer.AsSpan(_start + which * _layerOutputs, steps * Shape.LayerOutputSize);
}
