using System.Numerics;

namespace RnnGen;

/// <summary>
/// An inference-only snapshot of a model's parameters (a generated model's <c>Freeze()</c>): the same forward pass as
/// the model, from a copy laid out for the fastest kernels. It never changes after it is made, so later writes to the
/// model's parameters do not reach it, and one snapshot may serve any number of threads, each with its own state.
/// </summary>
/// <typeparam name="T">The floating-point type of inputs and state.</typeparam>
public interface IFrozenModel<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>The architecture of the model the snapshot was taken from.</summary>
    ModelShape Shape { get; }

    /// <summary>Features per time step (I).</summary>
    int InputSize { get; }

    /// <summary>Values per step of output.</summary>
    int OutputSize { get; }

    /// <summary>Values in the state.</summary>
    int StateSize { get; }

    /// <summary>Preallocates the buffers a sequence pass of up to <paramref name="maxSteps"/> steps needs between layers.</summary>
    Workspace<T> CreateWorkspace(int maxSteps);

    /// <summary>Runs a sequence through every layer (and the head); the model's results to float rounding.</summary>
    /// <param name="inputs">T·<see cref="InputSize"/> values.</param>
    /// <param name="outputs">T·<see cref="OutputSize"/> values, overwritten.</param>
    /// <param name="state">The initial state in, the final state out.</param>
    /// <param name="workspace">For this shape and at least T steps.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> state, Workspace<T> workspace);

    /// <summary>Preallocates the buffers a batched sequence pass of up to <paramref name="batchSize"/> streams needs.</summary>
    Workspace<T> CreateWorkspace(int maxSteps, int batchSize);

    /// <summary>B sequences at once through a workspace: inputs [T, B, I], outputs [T, B, O], states [B, S].</summary>
    void ForwardBatch(ReadOnlySpan<T> inputs, Span<T> outputs, Span<T> states, Workspace<T> workspace);
}
