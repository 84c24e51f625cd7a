using System.Numerics;
using RnnGen.Generated;

namespace RnnGen.Reference;

/// <summary>
/// What the reference LSTM and GRU share: a <see cref="ReferenceModel{T}"/> of one layer, one direction, no projection
/// and no head, with the single-cell surface (<see cref="IRecurrentCell{T}"/>): PyTorch's views of its four tensors and
/// a Step whose output is h, the first H values of the state.
/// </summary>
/// <remarks>
/// This is the oracle every generated cell is tested against: clarity over speed, but nothing allocated after
/// construction. It keeps scratch buffers, so an instance serves one stream at a time.
/// </remarks>
public abstract class ReferenceCell<T> : ReferenceModel<T>, IRecurrentCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>Allocates the parameters and initialises them as PyTorch does (see <see cref="Initialization"/>).</summary>
    private protected ReferenceCell(CellKind kind, int inputSize, int hiddenSize, Random? random, bool resetAfter = true)
        : base(new ModelShape(kind, inputSize, hiddenSize, resetAfter: resetAfter), random)
    {
        GateRows = CellShape.GateCount(kind) * hiddenSize;
    }

    /// <inheritdoc/>
    public CellKind Kind => Shape.Kind;

    /// <inheritdoc/>
    public int HiddenSize => Shape.HiddenSize;

    /// <summary>G·H: rows of each weight matrix.</summary>
    public int GateRows { get; }

    /// <inheritdoc/>
    public Span<T> WeightIh => Parameters[..(GateRows * InputSize)];

    /// <inheritdoc/>
    public Span<T> WeightHh => Parameters.Slice(GateRows * InputSize, GateRows * HiddenSize);

    /// <inheritdoc/>
    public Span<T> BiasIh => Parameters.Slice(GateRows * (InputSize + HiddenSize), GateRows);

    /// <inheritdoc/>
    public Span<T> BiasHh => Parameters.Slice(GateRows * (InputSize + HiddenSize + 1), GateRows);

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<T> input, Span<T> state)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        Stream(input, default, state, 1, 1);
    }

    /// <inheritdoc/>
    public void StepBatch(ReadOnlySpan<T> inputs, Span<T> states)
    {
        int batch = Guard.Rows(states.Length, StateSize, nameof(states));
        Guard.Length(inputs.Length, batch * InputSize, nameof(inputs));
        Stream(inputs, default, states, batch, 1);
    }
}
