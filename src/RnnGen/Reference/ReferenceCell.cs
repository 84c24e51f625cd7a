using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// What the reference LSTM and GRU share: runtime sizes, the parameter buffer and its PyTorch views, the
/// argument checks, the sequence loops and the tape. Subclasses write one step forward and one step back.
/// </summary>
/// <remarks>
/// This is the oracle every fast path is tested against: clarity over speed, but nothing allocated after
/// construction. It keeps one scratch buffer, so an instance serves one stream at a time.
/// </remarks>
public abstract partial class ReferenceCell<T> : IRecurrentCell<T> where T : IFloatingPointIeee754<T>
{
    private readonly T[] _parameters;
    private readonly T[] _activations;

    /// <summary>Allocates the parameters and initialises them as PyTorch does (see <see cref="Initialization"/>).</summary>
    private protected ReferenceCell(CellKind kind, int inputSize, int hiddenSize, Random? random)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        GateRows = CellShape.GateCount(kind) * hiddenSize;
        StateSize = CellShape.StateSize(kind, hiddenSize);
        ParameterCount = CellShape.ParameterCount(kind, inputSize, hiddenSize);
        _parameters = new T[ParameterCount];
        _activations = new T[CellShape.ActivationsPerStep(kind, hiddenSize)];
        Initialization.UniformRecurrent<T>(_parameters, hiddenSize, random);
    }

    /// <inheritdoc/>
    public CellKind Kind { get; }

    /// <inheritdoc/>
    public int InputSize { get; }

    /// <inheritdoc/>
    public int HiddenSize { get; }

    /// <inheritdoc/>
    public int StateSize { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <summary>G·H: rows of each weight matrix.</summary>
    public int GateRows { get; }

    /// <inheritdoc/>
    public Span<T> Parameters => _parameters;

    /// <inheritdoc/>
    public Memory<T> ParameterMemory => _parameters;

    /// <inheritdoc/>
    public Span<T> WeightIh => _parameters.AsSpan(0, GateRows * InputSize);

    /// <inheritdoc/>
    public Span<T> WeightHh => _parameters.AsSpan(GateRows * InputSize, GateRows * HiddenSize);

    /// <inheritdoc/>
    public Span<T> BiasIh => _parameters.AsSpan(GateRows * (InputSize + HiddenSize), GateRows);

    /// <inheritdoc/>
    public Span<T> BiasHh => _parameters.AsSpan(GateRows * (InputSize + HiddenSize + 1), GateRows);

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<T> input, Span<T> state)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        StepCore(input, state, state, _activations);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state)
    {
        int steps = Guard.Rows(inputs.Length, InputSize, nameof(inputs));
        Guard.Length(outputs.Length, steps * HiddenSize, nameof(outputs));
        Guard.Length(state.Length, StateSize, nameof(state));
        for (int t = 0; t < steps; t++)
        {
            StepCore(inputs.Slice(t * InputSize, InputSize), state, state, _activations);
            state[..HiddenSize].CopyTo(outputs.Slice(t * HiddenSize, HiddenSize));
        }
    }

    /// <inheritdoc/>
    public Tape<T> CreateTape(int maxSteps) => new(Kind, InputSize, HiddenSize, maxSteps);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Tape<T> tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        int steps = Guard.Rows(inputs.Length, InputSize, nameof(inputs));
        Guard.Length(outputs.Length, steps * HiddenSize, nameof(outputs));
        Guard.Length(state.Length, StateSize, nameof(state));
        tape.EnsureFits(Kind, InputSize, HiddenSize, nameof(tape));
        tape.EnsureCapacity(steps, nameof(tape));

        tape.BeginRecording(steps);
        inputs.CopyTo(tape.Inputs);
        Span<T> states = tape.States;
        Span<T> activations = tape.Activations;
        int a = tape.ActivationsPerStep;
        state.CopyTo(states);
        for (int t = 0; t < steps; t++)
        {
            StepCore(
                inputs.Slice(t * InputSize, InputSize),
                states.Slice(t * StateSize, StateSize),
                states.Slice((t + 1) * StateSize, StateSize),
                activations.Slice(t * a, a));
            states.Slice((t + 1) * StateSize, HiddenSize).CopyTo(outputs.Slice(t * HiddenSize, HiddenSize));
        }

        states.Slice(steps * StateSize, StateSize).CopyTo(state);
    }

    /// <inheritdoc/>
    public void Backward(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradient, Span<T> inputGradients, Span<T> parameterGradients)
    {
        ArgumentNullException.ThrowIfNull(tape);
        tape.EnsureFits(Kind, InputSize, HiddenSize, nameof(tape));
        int steps = tape.Steps;
        Guard.Length(outputGradients.Length, steps * HiddenSize, nameof(outputGradients));
        Guard.Length(stateGradient.Length, StateSize, nameof(stateGradient));
        Guard.LengthOrEmpty(inputGradients.Length, steps * InputSize, nameof(inputGradients));
        Guard.Length(parameterGradients.Length, ParameterCount, nameof(parameterGradients));

        ReadOnlySpan<T> inputs = tape.Inputs;
        ReadOnlySpan<T> states = tape.States;
        ReadOnlySpan<T> activations = tape.Activations;
        Span<T> scratch = tape.GradientScratch;
        int a = tape.ActivationsPerStep, g = tape.GradientsPerStep;
        for (int t = steps - 1; t >= 0; t--)
        {
            // The gradient reaching h_t: from the output at t and from the steps after t.
            Linear.Add(outputGradients.Slice(t * HiddenSize, HiddenSize), stateGradient[..HiddenSize]);
            BackwardStepCore(
                inputs.Slice(t * InputSize, InputSize),
                states.Slice(t * StateSize, StateSize),
                activations.Slice(t * a, a),
                stateGradient,
                scratch.Slice(t * g, g),
                inputGradients.IsEmpty ? default : inputGradients.Slice(t * InputSize, InputSize),
                parameterGradients);
        }
    }

    /// <summary>One step forward: reads <paramref name="previous"/> fully before writing <paramref name="next"/> (they may be the same span).</summary>
    private protected abstract void StepCore(ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations);

    /// <summary>
    /// One step back: <paramref name="stateGradient"/> holds dL/d(state after the step) and is overwritten with
    /// dL/d(state before it); <paramref name="dx"/> is overwritten unless empty; parameter gradients accumulate.
    /// </summary>
    private protected abstract void BackwardStepCore(
        ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> preActivationGradients, Span<T> dx, Span<T> parameterGradients);

    /// <summary>Adds the parameter gradients of one step: dW_ih += dA_ih ⊗ x, dW_hh += dA_hh ⊗ h, db += dA.</summary>
    private protected void AccumulateParameterGradients(
        ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> inputGateGradients, ReadOnlySpan<T> hiddenGateGradients, Span<T> parameterGradients)
    {
        int ih = GateRows * InputSize, hh = GateRows * HiddenSize;
        Linear.AddOuter(inputGateGradients, x, parameterGradients[..ih]);
        Linear.AddOuter(hiddenGateGradients, h, parameterGradients.Slice(ih, hh));
        Linear.Add(inputGateGradients, parameterGradients.Slice(ih + hh, GateRows));
        Linear.Add(hiddenGateGradients, parameterGradients.Slice(ih + hh + GateRows, GateRows));
    }
}
