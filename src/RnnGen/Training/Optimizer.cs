namespace RnnGen.Training;

/// <summary>
/// What every optimizer shares: the <see cref="ParameterSet"/> it updates (given once, at construction), its state per
/// parameter, the step count, and a <see cref="Step"/> that never writes a NaN or an infinity.
/// </summary>
/// <remarks>
/// <para>The update rules are element-wise, so a step runs in chunks of a few hundred values through
/// <see cref="System.Numerics.Tensors.TensorPrimitives"/> (SIMD) and allocates nothing.</para>
/// <para>NaN/∞ policy: <see cref="Step"/> first checks every gradient, then computes the whole update once into stack
/// scratch and checks every new parameter and state value, and only then computes it again in place. A NaN or ±∞ at
/// any point throws <see cref="NonFiniteValueException"/> with nothing written, so the model stays usable: the caller
/// can skip the batch, lower <see cref="LearningRate"/>, or stop. Checking costs one more pass of the (cheap,
/// element-wise) update; the forward and backward passes that produced the gradients cost far more.</para>
/// </remarks>
public abstract class Optimizer
{
    /// <summary>Values per chunk: the stack scratch of a step holds a few chunks.</summary>
    private protected const int Chunk = 256;

    private readonly float[][][] _state;
    private double _learningRate;

    private protected Optimizer(ParameterSet parameters, double learningRate, int stateBuffers)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        LearningRate = learningRate;
        _state = new float[stateBuffers][][];
        for (int s = 0; s < stateBuffers; s++)
        {
            _state[s] = new float[parameters.Count][];
            for (int b = 0; b < parameters.Count; b++)
            {
                _state[s][b] = new float[parameters.GetParameters(b).Length];
            }
        }
    }

    /// <summary>The buffers this optimizer updates.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The step size (PyTorch's <c>lr</c>); may be changed between steps, e.g. by a schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, NaN or infinite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || !double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a finite number ≥ 0.");
            }

            _learningRate = value;
        }
    }

    /// <summary>Steps taken so far (PyTorch's per-parameter <c>step</c>, which Adam's bias correction uses).</summary>
    public long StepCount { get; private set; }

    /// <summary>Sets every gradient to zero (<see cref="ParameterSet.ZeroGrad"/>).</summary>
    public void ZeroGrad() => Parameters.ZeroGrad();

    /// <summary>Updates every parameter buffer from its gradients, in place, with PyTorch's rule for this optimizer.</summary>
    /// <exception cref="NonFiniteValueException">A gradient is NaN or ±∞, or the update would make a parameter or state value so; nothing was written.</exception>
    public void Step()
    {
        Parameters.ThrowIfNonFiniteGradients(nameof(Step));
        long step = StepCount + 1;
        BeginStep(step);

        Span<float> scratch = stackalloc float[5 * Chunk];
        Span<float> newParameters = scratch[..Chunk], newState0 = scratch.Slice(Chunk, Chunk), newState1 = scratch.Slice(2 * Chunk, Chunk);
        Span<float> work = scratch[(3 * Chunk)..];

        // Pass 1: the update into scratch, chunk by chunk, checked; nothing is written yet.
        for (int b = 0; b < Parameters.Count; b++)
        {
            int length = Parameters.GetParameters(b).Length;
            for (int offset = 0; offset < length; offset += Chunk)
            {
                int n = Math.Min(Chunk, length - offset);
                Run(b, offset, n, step, newParameters[..n], _state.Length > 0 ? newState0[..n] : default, _state.Length > 1 ? newState1[..n] : default, work);
                Check(NonFiniteQuantity.Parameter, newParameters[..n], b, offset);
                Check(NonFiniteQuantity.OptimizerState, _state.Length > 0 ? newState0[..n] : default, b, offset);
                Check(NonFiniteQuantity.OptimizerState, _state.Length > 1 ? newState1[..n] : default, b, offset);
            }
        }

        // Pass 2: the same arithmetic in place (element-wise, so bit for bit what pass 1 checked).
        for (int b = 0; b < Parameters.Count; b++)
        {
            Span<float> p = Parameters.GetParameters(b).Span;
            for (int offset = 0; offset < p.Length; offset += Chunk)
            {
                int n = Math.Min(Chunk, p.Length - offset);
                Run(b, offset, n, step, p.Slice(offset, n), State(0, b, offset, n), State(1, b, offset, n), work);
            }
        }

        StepCount = step;
    }

    /// <summary>Computes what one step needs once (bias corrections, say) before the chunks run.</summary>
    private protected virtual void BeginStep(long step)
    {
    }

    /// <summary>
    /// The update rule on one chunk: reads parameters <paramref name="p"/>, gradients <paramref name="g"/> and state
    /// <paramref name="s0"/>, <paramref name="s1"/>; writes the new values into the destinations, which are either those
    /// very spans (in place) or scratch. Everything it needs from p must be read before pOut is written.
    /// <paramref name="work"/> holds two chunks of temporaries.
    /// </summary>
    private protected abstract void Update(
        long step, ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> s0, ReadOnlySpan<float> s1,
        Span<float> pOut, Span<float> s0Out, Span<float> s1Out, Span<float> work);

    private void Run(int b, int offset, int n, long step, Span<float> pOut, Span<float> s0Out, Span<float> s1Out, Span<float> work) =>
        Update(step,
            Parameters.GetParameters(b).Span.Slice(offset, n), Parameters.GetGradients(b).Span.Slice(offset, n),
            State(0, b, offset, n), State(1, b, offset, n),
            pOut, s0Out, s1Out, work);

    private Span<float> State(int s, int b, int offset, int n) => s < _state.Length ? _state[s][b].AsSpan(offset, n) : default;

    private static void Check(NonFiniteQuantity quantity, ReadOnlySpan<float> values, int buffer, int offset)
    {
        // IsFiniteAll is false for an empty span (an optimizer without that state buffer).
        if (!values.IsEmpty && !System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(values))
        {
            int i = ParameterSet.FirstNonFinite(values);
            throw new NonFiniteValueException(quantity, buffer, offset + i, values[i], nameof(Step));
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and at least <paramref name="min"/> (and below <paramref name="below"/> when given).</summary>
    internal static double Checked(double value, string name, double min = 0, double below = double.PositiveInfinity)
    {
        if (!(value >= min && value < below) || !double.IsFinite(value))
        {
            string range = double.IsPositiveInfinity(below) ? $"≥ {min}" : $"in [{min}, {below})";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number {range}.");
        }

        return value;
    }
}
