using System.Numerics;

namespace RnnGen;

/// <summary>
/// The contract every single-layer RnnGen cell follows, generated (float, fixed size) or reference (any IEEE type,
/// runtime size): a model of one layer, one direction, no projection and no head, whose output is its h.
/// Spans are row-major; every length is checked before anything is written.
/// </summary>
/// <remarks>
/// The state is h then, for an LSTM, c (S = 2·H; H for a GRU). Parameters are <c>weight_ih_l0 [G·H, I]</c>,
/// <c>weight_hh_l0 [G·H, H]</c>, <c>bias_ih_l0 [G·H]</c>, <c>bias_hh_l0 [G·H]</c>. Sequence calls read T·I inputs and
/// write T·H outputs, the h after each step.
/// </remarks>
/// <typeparam name="T">The floating-point type of parameters, inputs and state.</typeparam>
public interface IRecurrentCell<T> : IStreamingModel<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The kind of cell, which fixes the gate count and the state layout.</summary>
    CellKind Kind { get; }

    /// <summary>Hidden units (H), also the output per step.</summary>
    int HiddenSize { get; }

    /// <summary><c>weight_ih_l0</c>, [G·H, I], a view into <see cref="IRecurrentModel{T}.Parameters"/>.</summary>
    Span<T> WeightIh { get; }

    /// <summary><c>weight_hh_l0</c>, [G·H, H], a view into <see cref="IRecurrentModel{T}.Parameters"/>.</summary>
    Span<T> WeightHh { get; }

    /// <summary><c>bias_ih_l0</c>, [G·H], a view into <see cref="IRecurrentModel{T}.Parameters"/>.</summary>
    Span<T> BiasIh { get; }

    /// <summary><c>bias_hh_l0</c>, [G·H], a view into <see cref="IRecurrentModel{T}.Parameters"/>.</summary>
    Span<T> BiasHh { get; }

    /// <summary>One streaming time step. The new output h is <c>state[..H]</c>.</summary>
    /// <param name="input">This step's input, I values.</param>
    /// <param name="state">The recurrent state, S values: read, then overwritten with the next state.</param>
    void Step(ReadOnlySpan<T> input, Span<T> state);

    /// <summary>One step of B cells' streams at once: inputs [B, I], states [B, S]; each new h is the first H values of its state.</summary>
    void StepBatch(ReadOnlySpan<T> inputs, Span<T> states);
}
