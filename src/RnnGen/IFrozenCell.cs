using System.Numerics;

namespace RnnGen;

/// <summary>
/// An inference-only snapshot of a cell's parameters (a generated cell's <c>Freeze()</c>): the same Step and Forward as
/// the cell, from a copy laid out for the fastest kernels. It never changes after it is made, so later writes to the
/// cell's parameters do not reach it, and one snapshot may serve any number of threads, each with its own state.
/// </summary>
/// <typeparam name="T">The floating-point type of inputs and state.</typeparam>
public interface IFrozenCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The kind of cell, which fixes the state layout.</summary>
    CellKind Kind { get; }

    /// <summary>Features per time step (I).</summary>
    int InputSize { get; }

    /// <summary>Hidden units (H).</summary>
    int HiddenSize { get; }

    /// <summary>Values in the recurrent state (S): 2·H for an LSTM (h then c), H for a GRU.</summary>
    int StateSize { get; }

    /// <summary>One streaming time step; the new output h is <c>state[..HiddenSize]</c>. Allocates nothing.</summary>
    /// <param name="input">This step's input, <see cref="InputSize"/> values.</param>
    /// <param name="state">The recurrent state, <see cref="StateSize"/> values: read, then overwritten.</param>
    void Step(ReadOnlySpan<T> input, Span<T> state);

    /// <summary>Runs a sequence: bit for bit the same as one <see cref="Step"/> per time step.</summary>
    /// <param name="inputs">T·<see cref="InputSize"/> values.</param>
    /// <param name="outputs">T·<see cref="HiddenSize"/> values, overwritten with h after each step.</param>
    /// <param name="state">The initial state in, the final state out.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state);
}
