using System.Numerics;

namespace RnnGen;

/// <summary>
/// An inference-only snapshot of a single-layer cell's parameters (a generated cell's <c>Freeze()</c>): the same Step
/// and Forward as the cell, from a copy laid out for the fastest kernels (see <see cref="IFrozenModel{T}"/>).
/// </summary>
/// <typeparam name="T">The floating-point type of inputs and state.</typeparam>
public interface IFrozenCell<T> : IFrozenStreamingModel<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The kind of cell, which fixes the state layout.</summary>
    CellKind Kind { get; }

    /// <summary>Hidden units (H).</summary>
    int HiddenSize { get; }

    /// <summary>One streaming time step; the new output h is <c>state[..HiddenSize]</c>. Allocates nothing.</summary>
    /// <param name="input">This step's input, <see cref="IFrozenModel{T}.InputSize"/> values.</param>
    /// <param name="state">The recurrent state, <see cref="IFrozenModel{T}.StateSize"/> values: read, then overwritten.</param>
    void Step(ReadOnlySpan<T> input, Span<T> state);

    /// <summary>One step of B streams at once: inputs [B, I], states [B, S].</summary>
    void StepBatch(ReadOnlySpan<T> inputs, Span<T> states);
}
