using System.Numerics;

namespace RnnGen;

/// <summary>
/// A model that runs forward in time only (not bidirectional), so it can be stepped one input at a time as the input
/// arrives: a stream.
/// </summary>
/// <typeparam name="T">The floating-point type of parameters, inputs and state.</typeparam>
public interface IStreamingModel<T> : IRecurrentModel<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>One streaming time step through every layer (and the head). Allocates nothing.</summary>
    /// <param name="input">This step's input, <see cref="IRecurrentModel{T}.InputSize"/> values.</param>
    /// <param name="state">The state, <see cref="IRecurrentModel{T}.StateSize"/> values: read, then overwritten.</param>
    /// <param name="output">This step's output, <see cref="IRecurrentModel{T}.OutputSize"/> values, overwritten.</param>
    void Step(ReadOnlySpan<T> input, Span<T> state, Span<T> output);

    /// <summary>
    /// Runs a sequence: one <see cref="Step(ReadOnlySpan{T}, Span{T}, Span{T})"/> per time step, to float rounding (a live
    /// Forward computes the input projections a block of steps at a time, and from 32 steps on x86 packs the parameters
    /// into a per-thread buffer and runs the frozen kernels: the same values as <c>Freeze().Forward</c>). Needs no
    /// workspace; allocates nothing once the calling thread's buffer has grown to the model's packed size.
    /// </summary>
    /// <param name="inputs">T·<see cref="IRecurrentModel{T}.InputSize"/> values.</param>
    /// <param name="outputs">T·<see cref="IRecurrentModel{T}.OutputSize"/> values, overwritten.</param>
    /// <param name="state">The initial state in, the final state out.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state);

    /// <summary>
    /// One streaming step of B independent streams at once, reading each weight once for all of them: results equal B
    /// separate Steps to float rounding. Allocates nothing.
    /// </summary>
    /// <param name="inputs">B·<see cref="IRecurrentModel{T}.InputSize"/> values: [B, I].</param>
    /// <param name="states">B·<see cref="IRecurrentModel{T}.StateSize"/> values, stream after stream, each as Step lays it out (not PyTorch's [L·D, B, H]); B = states.Length / StateSize.</param>
    /// <param name="outputs">B·<see cref="IRecurrentModel{T}.OutputSize"/> values, overwritten: [B, O].</param>
    void StepBatch(ReadOnlySpan<T> inputs, Span<T> states, Span<T> outputs);

    /// <summary>B sequences, step by step, all streams together: inputs [T, B, I], outputs [T, B, O], states [B, S]. Needs no workspace.</summary>
    void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states);
}
