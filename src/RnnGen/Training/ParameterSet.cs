using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>
/// The buffers one model trains: each a parameter buffer (a cell's or layer's <c>ParameterMemory</c>) and the gradient
/// buffer of the same length its <c>Backward</c> accumulates into. Given once, here; optimizers and clipping then work
/// on all of them as one model, in place, without allocating.
/// </summary>
/// <example>
/// <code>
/// float[] cellGradients = new float[Tagger.ParameterCount], headGradients = new float[Head.ParameterCount];
/// var model = new ParameterSet((cell.ParameterMemory, cellGradients), (head.ParameterMemory, headGradients));
/// var optimizer = new Adam(model, learningRate: 1e-3);
/// // per batch: model.ZeroGrad(); forward, loss, backward; model.ClipGradientNorm(1); optimizer.Step();
/// </code>
/// </example>
public sealed class ParameterSet
{
    private readonly Memory<float>[] _parameters;
    private readonly Memory<float>[] _gradients;

    /// <summary>The model's (parameters, gradients) pairs, in a fixed order.</summary>
    /// <exception cref="ArgumentException">No pair; an empty buffer; a gradient buffer of another length than its parameters; or buffers that overlap.</exception>
    public ParameterSet(params (Memory<float> Parameters, Memory<float> Gradients)[] buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        if (buffers.Length == 0)
        {
            throw new ArgumentException("A parameter set needs at least one (parameters, gradients) pair.", nameof(buffers));
        }

        _parameters = new Memory<float>[buffers.Length];
        _gradients = new Memory<float>[buffers.Length];
        long total = 0;
        for (int i = 0; i < buffers.Length; i++)
        {
            (Memory<float> p, Memory<float> g) = buffers[i];
            if (p.IsEmpty)
            {
                throw new ArgumentException($"Pair {i} has no parameters.", nameof(buffers));
            }

            if (g.Length != p.Length)
            {
                throw new ArgumentException($"Pair {i}: {p.Length} parameters but {g.Length} gradients; allocate the gradients as new float[{p.Length}].", nameof(buffers));
            }

            _parameters[i] = p;
            _gradients[i] = g;
            total += p.Length;
        }

        // A shared or overlapping buffer would be updated twice per step, or its gradient clipped twice.
        for (int i = 0; i < buffers.Length; i++)
        {
            for (int j = 0; j < buffers.Length; j++)
            {
                if ((i < j && (Overlap(_parameters[i], _parameters[j]) || Overlap(_gradients[i], _gradients[j]))) || Overlap(_parameters[i], _gradients[j]))
                {
                    throw new ArgumentException($"Buffers of pairs {i} and {j} overlap; every parameter and gradient buffer must be distinct.", nameof(buffers));
                }
            }
        }

        ParameterCount = checked((int)total);
    }

    /// <summary>How many (parameters, gradients) pairs the set holds.</summary>
    public int Count => _parameters.Length;

    /// <summary>All parameters of all buffers.</summary>
    public int ParameterCount { get; }

    /// <summary>The parameter buffer of pair <paramref name="index"/>.</summary>
    public Memory<float> GetParameters(int index) => _parameters[index];

    /// <summary>The gradient buffer of pair <paramref name="index"/>.</summary>
    public Memory<float> GetGradients(int index) => _gradients[index];

    /// <summary>Sets every gradient to zero (PyTorch's <c>zero_grad</c>): Backward accumulates, so call it before each batch.</summary>
    public void ZeroGrad()
    {
        foreach (Memory<float> g in _gradients)
        {
            g.Span.Clear();
        }
    }

    /// <summary>True when no gradient is NaN or ±∞.</summary>
    public bool GradientsAreFinite()
    {
        foreach (Memory<float> g in _gradients)
        {
            if (!TensorPrimitives.IsFiniteAll<float>(g.Span))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The global L2 norm of all gradients, √(Σ over every buffer of g²), as <c>torch.nn.utils.clip_grad_norm_</c> computes
    /// it (summed in double here, so it neither overflows nor loses the small buffers next to a large one).
    /// NaN or +∞ when a gradient is.
    /// </summary>
    public float GradientNorm() => (float)Math.Sqrt(SumOfSquares());

    /// <summary>
    /// Scales all gradients together so that their global L2 norm is at most <paramref name="maxNorm"/>, exactly as
    /// <c>torch.nn.utils.clip_grad_norm_</c> does: by <c>min(1, maxNorm / (norm + 1e-6))</c>. Returns the norm before clipping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not a positive finite number.</exception>
    /// <exception cref="NonFiniteValueException">A gradient is NaN or ±∞; nothing was scaled.</exception>
    public float ClipGradientNorm(double maxNorm)
    {
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The norm to clip to must be a positive finite number.");
        }

        ThrowIfNonFiniteGradients(nameof(ClipGradientNorm));
        float norm = GradientNorm();

        // PyTorch's arithmetic, in float32: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1.
        float coefficient = (float)maxNorm / (norm + 1e-6f);
        if (coefficient < 1f)
        {
            foreach (Memory<float> g in _gradients)
            {
                TensorPrimitives.Multiply(g.Span, coefficient, g.Span);
            }
        }

        return norm;
    }

    /// <summary>Clamps every gradient to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] (<c>torch.nn.utils.clip_grad_value_</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipValue"/> is not a positive finite number.</exception>
    /// <exception cref="NonFiniteValueException">A gradient is NaN or ±∞ (clamping would hide it); nothing was clamped.</exception>
    public void ClipGradientValue(double clipValue)
    {
        if (!(clipValue > 0) || !double.IsFinite(clipValue))
        {
            throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "The value to clip to must be a positive finite number.");
        }

        ThrowIfNonFiniteGradients(nameof(ClipGradientValue));
        float bound = (float)clipValue;
        foreach (Memory<float> g in _gradients)
        {
            TensorPrimitives.Clamp<float>(g.Span, -bound, bound, g.Span);
        }
    }

    /// <summary>Throws <see cref="NonFiniteValueException"/> naming the first NaN or ±∞ gradient, if there is one.</summary>
    internal void ThrowIfNonFiniteGradients(string operation)
    {
        for (int b = 0; b < _gradients.Length; b++)
        {
            ReadOnlySpan<float> g = _gradients[b].Span;
            if (!TensorPrimitives.IsFiniteAll(g))   // never empty: the constructor refuses empty buffers
            {
                int index = FirstNonFinite(g);
                throw new NonFiniteValueException(NonFiniteQuantity.Gradient, b, index, g[index], operation);
            }
        }
    }

    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private double SumOfSquares()
    {
        double sum = 0;
        foreach (Memory<float> g in _gradients)
        {
            sum += SumOfSquares(g.Span);
        }

        return sum;
    }

    /// <summary>Σ x² in double: a float's square always fits a double, so a finite buffer never overflows.</summary>
    private static double SumOfSquares(ReadOnlySpan<float> x)
    {
        var accumulator = Vector<double>.Zero;
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector.Widen(new Vector<float>(x[i..]), out Vector<double> low, out Vector<double> high);
            accumulator += low * low + high * high;
        }

        double sum = Vector.Sum(accumulator);
        for (; i < x.Length; i++)
        {
            sum += (double)x[i] * x[i];
        }

        return sum;
    }

    private static bool Overlap(Memory<float> a, Memory<float> b) => a.Span.Overlaps(b.Span);
}
