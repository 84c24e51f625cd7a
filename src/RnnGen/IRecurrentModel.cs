using System.Numerics;

namespace RnnGen;

/// <summary>
/// The contract of a whole recurrent model (a stack of LSTM or GRU layers, one or two directions, optionally projected,
/// optionally with a linear head), generated (float, fixed sizes) or reference (<see cref="Reference.ReferenceModel{T}"/>,
/// any IEEE type). Spans are row-major; every length is checked before anything is written.
/// </summary>
/// <remarks>
/// The state is PyTorch's: h_n as [D·L, Hout] (row layer·D + direction), then for an LSTM c_n as [D·L, H]
/// (<see cref="ModelShape.HiddenStateOffset"/>, <see cref="ModelShape.CellStateOffset"/>). Parameters are the module's
/// <c>state_dict</c> in order (<see cref="ModelShape.Tensors"/>).
/// </remarks>
/// <typeparam name="T">The floating-point type of parameters, inputs and state.</typeparam>
public interface IRecurrentModel<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The model's architecture: sizes, layers, directions, projection, head, tensor names.</summary>
    ModelShape Shape { get; }

    /// <summary>Features per time step (I).</summary>
    int InputSize { get; }

    /// <summary>Values per step of output: the head's outputs, or the top layer's D·Hout.</summary>
    int OutputSize { get; }

    /// <summary>Values in the state (h_n, then c_n for an LSTM).</summary>
    int StateSize { get; }

    /// <summary>The length of <see cref="Parameters"/>.</summary>
    int ParameterCount { get; }

    /// <summary>All parameters in the module's <c>state_dict</c> order and layout. Writes take effect at the next call.</summary>
    Span<T> Parameters { get; }

    /// <summary>The same buffer as <see cref="Parameters"/>, as <see cref="Memory{T}"/> an optimizer can keep.</summary>
    Memory<T> ParameterMemory { get; }

    /// <summary>Preallocates the buffers a sequence pass of up to <paramref name="maxSteps"/> steps needs between layers.</summary>
    Workspace<T> CreateWorkspace(int maxSteps);

    /// <summary>
    /// Runs a sequence through every layer (and the head), in inference mode (no dropout). From 32 steps on x86 it packs
    /// the parameters into a per-thread buffer and runs the frozen kernels, as <c>Freeze().Forward</c> does.
    /// </summary>
    /// <param name="inputs">T·<see cref="InputSize"/> values, one row per step.</param>
    /// <param name="outputs">T·<see cref="OutputSize"/> values, overwritten.</param>
    /// <param name="state"><see cref="StateSize"/> values: the initial state in, the final state out.</param>
    /// <param name="workspace">From <see cref="CreateWorkspace(int)"/>, for this shape and at least T steps.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Workspace<T> workspace);

    /// <summary>Preallocates what training over up to <paramref name="maxSteps"/> steps records.</summary>
    Tape<T> CreateTape(int maxSteps);

    /// <summary>
    /// Runs a sequence in training mode (dropout between layers, if any, with masks drawn from the tape's random source)
    /// and records in <paramref name="tape"/> what <see cref="Backward"/> needs, including the initial state.
    /// </summary>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Tape<T> tape);

    /// <summary>Preallocates the buffers a batched sequence pass of up to <paramref name="batchSize"/> streams of up to <paramref name="maxSteps"/> steps needs.</summary>
    Workspace<T> CreateWorkspace(int maxSteps, int batchSize);

    /// <summary>
    /// Runs B independent sequences at once, in inference mode, reading each weight once per step for all of them.
    /// Time-major like PyTorch's default (batch_first=False): row t·B + b of inputs and outputs is step t of stream b.
    /// </summary>
    /// <param name="inputs">T·B·<see cref="InputSize"/> values: [T, B, I].</param>
    /// <param name="outputs">T·B·<see cref="OutputSize"/> values, overwritten: [T, B, O].</param>
    /// <param name="states">B·<see cref="StateSize"/> values, stream after stream, each in the single-stream layout: the initial states in, the final ones out. B = states.Length / StateSize.</param>
    /// <param name="workspace">From <see cref="CreateWorkspace(int, int)"/>, for at least T steps and B streams.</param>
    void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Workspace<T> workspace);

    /// <summary>Preallocates what training over minibatches of <paramref name="batchSize"/> sequences of up to <paramref name="maxSteps"/> steps records.</summary>
    Tape<T> CreateTape(int maxSteps, int batchSize);

    /// <summary>
    /// Runs B sequences in training mode and records them in a batch tape: [T, B, …] inputs and outputs, [B, S] states
    /// as <see cref="ForwardBatch(ReadOnlySpan{T}, Span{T}, Span{T}, Workspace{T})"/>. With <paramref name="lengths"/>,
    /// stream b is <c>lengths[b]</c> steps long (0..T, padded at the end like pack_padded_sequence): its final state is the
    /// one after its own last step, its outputs past it are zero, and nothing flows back through the padding.
    /// </summary>
    void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Tape<T> tape, ReadOnlySpan<int> lengths = default);

    /// <summary>
    /// Backpropagation through time for a minibatch recorded by the tape-taking ForwardBatch: outputGradients [T, B, O],
    /// stateGradients [B, S] (dL/d final states in, dL/d initial states out), inputGradients [T, B, I] (or empty), and the
    /// parameter gradients of every stream summed into <paramref name="parameterGradients"/> (+=).
    /// </summary>
    void BackwardBatch(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradients, Span<T> inputGradients, Span<T> parameterGradients);

    /// <summary>Backpropagation through time, through every layer, direction, projection and the head.</summary>
    /// <param name="tape">A tape filled by the tape-taking Forward; it is left intact.</param>
    /// <param name="outputGradients">dL/d outputs, T·<see cref="OutputSize"/> values (T = the tape's steps).</param>
    /// <param name="stateGradient"><see cref="StateSize"/> values: dL/d(final state) in, dL/d(initial state) out.</param>
    /// <param name="inputGradients">T·<see cref="InputSize"/> values, overwritten with dL/d inputs; or empty to skip them.</param>
    /// <param name="parameterGradients"><see cref="ParameterCount"/> values in the layout of <see cref="Parameters"/>, accumulated with +=.</param>
    void Backward(Tape<T> tape, ReadOnlySpan<T> outputGradients, Span<T> stateGradient, Span<T> inputGradients, Span<T> parameterGradients);
}
