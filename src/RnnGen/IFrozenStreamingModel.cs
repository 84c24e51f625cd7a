using System.Numerics;

namespace RnnGen;

/// <summary>A snapshot of a model that runs forward in time only, so it can be stepped as input arrives.</summary>
/// <typeparam name="T">The floating-point type of inputs and state.</typeparam>
public interface IFrozenStreamingModel<T> : IFrozenModel<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>One streaming time step through every layer (and the head). Allocates nothing.</summary>
    /// <param name="input">This step's input.</param>
    /// <param name="state">The state: read, then overwritten.</param>
    /// <param name="output">This step's output, overwritten.</param>
    void Step(ReadOnlySpan<T> input, Span<T> state, Span<T> output);

    /// <summary>
    /// Runs a sequence: one Step per time step, layer 0's input projections computed a block of steps at a time where that
    /// pays (the same values to float rounding; bit for bit where it does not hoist). Needs no workspace.
    /// </summary>
    /// <param name="inputs">T·<see cref="IFrozenModel{T}.InputSize"/> values.</param>
    /// <param name="outputs">T·<see cref="IFrozenModel{T}.OutputSize"/> values, overwritten.</param>
    /// <param name="state">The initial state in, the final state out.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state);

    /// <summary>One streaming step of B streams at once: inputs [B, I], states [B, S], outputs [B, O].</summary>
    void StepBatch(ReadOnlySpan<T> inputs, Span<T> states, Span<T> outputs);

    /// <summary>B sequences, step by step: inputs [T, B, I], outputs [T, B, O], states [B, S].</summary>
    void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states);
}
