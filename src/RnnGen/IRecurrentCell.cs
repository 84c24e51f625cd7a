using System.Numerics;

namespace RnnGen;

/// <summary>
/// The contract every RnnGen cell follows, generated (float, fixed size) or reference (any IEEE type,
/// runtime size). Spans are row-major; every length is checked before anything is written.
/// </summary>
/// <typeparam name="T">The floating-point type of parameters, inputs and state.</typeparam>
public interface IRecurrentCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The kind of cell, which fixes the gate count and the state layout.</summary>
    CellKind Kind { get; }

    /// <summary>Features per time step (I).</summary>
    int InputSize { get; }

    /// <summary>Hidden units (H).</summary>
    int HiddenSize { get; }

    /// <summary>Values in the recurrent state (S): 2·H for an LSTM (h then c), H for a GRU.</summary>
    int StateSize { get; }

    /// <summary>G·H·(I + H + 2): the length of <see cref="Parameters"/>.</summary>
    int ParameterCount { get; }

    /// <summary>
    /// All parameters in PyTorch <c>state_dict</c> order and layout: <c>weight_ih_l0 [G·H, I]</c>,
    /// <c>weight_hh_l0 [G·H, H]</c>, <c>bias_ih_l0 [G·H]</c>, <c>bias_hh_l0 [G·H]</c>. Writes take effect at the next call.
    /// </summary>
    Span<T> Parameters { get; }

    /// <summary>
    /// The same buffer as <see cref="Parameters"/>, as <see cref="Memory{T}"/>: what an optimizer or a gradient clipper
    /// keeps at construction (a span cannot be stored) to update the parameters in place on every step.
    /// </summary>
    Memory<T> ParameterMemory { get; }

    /// <summary><c>weight_ih_l0</c>, [G·H, I], a view into <see cref="Parameters"/>.</summary>
    Span<T> WeightIh { get; }

    /// <summary><c>weight_hh_l0</c>, [G·H, H], a view into <see cref="Parameters"/>.</summary>
    Span<T> WeightHh { get; }

    /// <summary><c>bias_ih_l0</c>, [G·H], a view into <see cref="Parameters"/>.</summary>
    Span<T> BiasIh { get; }

    /// <summary><c>bias_hh_l0</c>, [G·H], a view into <see cref="Parameters"/>.</summary>
    Span<T> BiasHh { get; }

    /// <summary>One streaming time step. The new output h is <c>state[..H]</c>.</summary>
    /// <param name="input">This step's input, I values.</param>
    /// <param name="state">The recurrent state, S values: read, then overwritten with the next state.</param>
    void Step(ReadOnlySpan<T> input, Span<T> state);

    /// <summary>Runs a sequence: bit for bit the same as one <see cref="Step"/> per time step.</summary>
    /// <param name="inputs">T·I values, one row per step.</param>
    /// <param name="outputs">T·H values, overwritten with h after each step.</param>
    /// <param name="state">S values: the initial state in, the final state out.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state);

    /// <summary>Preallocates what training over up to <paramref name="maxSteps"/> steps records.</summary>
    Tape<T> CreateTape(int maxSteps);

    /// <summary>
    /// Runs a sequence like <see cref="Forward(ReadOnlySpan{T}, Span{T}, Span{T})"/> (same results, bit for bit)
    /// and records in <paramref name="tape"/> what <see cref="Backward"/> needs, including the initial state.
    /// </summary>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Tape<T> tape);

    /// <summary>Backpropagation through time over the sequence the tape recorded.</summary>
    /// <param name="tape">A tape filled by the tape-taking Forward; it is left intact.</param>
    /// <param name="outputGradients">dL/d outputs, T·H values (T = the tape's steps).</param>
    /// <param name="stateGradient">S values: dL/d(final state) in, dL/d(initial state) out.</param>
    /// <param name="inputGradients">T·I values, overwritten with dL/d inputs; or empty to skip them.</param>
    /// <param name="parameterGradients">ParameterCount values in the layout of <see cref="Parameters"/>, accumulated with +=.</param>
    void Backward(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradient, Span<T> inputGradients, Span<T> parameterGradients);
}
