using System.Numerics;

namespace RnnGen;

/// <summary>
/// The contract of a fully connected layer <c>y = W·x + b</c> in PyTorch <c>nn.Linear</c>'s layout, generated
/// (<see cref="DenseAttribute"/>, float, fixed size) or reference (any IEEE type, runtime size). Spans are row-major;
/// every length is checked before anything is written.
/// </summary>
/// <typeparam name="T">The floating-point type of parameters, inputs and outputs.</typeparam>
public interface IDenseLayer<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>Features per input vector (N).</summary>
    int InputSize { get; }

    /// <summary>Values per output vector (M).</summary>
    int OutputSize { get; }

    /// <summary>M·N + M: the length of <see cref="Parameters"/>.</summary>
    int ParameterCount { get; }

    /// <summary>All parameters in PyTorch <c>state_dict</c> order and layout: <c>weight [M, N]</c>, then <c>bias [M]</c>.</summary>
    Span<T> Parameters { get; }

    /// <summary>The same buffer as <see cref="Parameters"/>, as memory an optimizer can keep.</summary>
    Memory<T> ParameterMemory { get; }

    /// <summary><c>weight</c>, [M, N], a view into <see cref="Parameters"/>.</summary>
    Span<T> Weight { get; }

    /// <summary><c>bias</c>, [M], a view into <see cref="Parameters"/>.</summary>
    Span<T> Bias { get; }

    /// <summary>y = W·x + b for each of R input vectors.</summary>
    /// <param name="inputs">R·N values, one row per vector (R ≥ 0).</param>
    /// <param name="outputs">R·M values, overwritten; must not overlap <paramref name="inputs"/>.</param>
    void Forward(ReadOnlySpan<T> inputs, Span<T> outputs);

    /// <summary>The gradients of a loss through <see cref="Forward"/> for the same R input vectors.</summary>
    /// <param name="inputs">The R·N values Forward read.</param>
    /// <param name="outputGradients">dL/d outputs, R·M values.</param>
    /// <param name="inputGradients">R·N values, overwritten with dL/d inputs (Wᵀ·dy); or empty to skip them.</param>
    /// <param name="parameterGradients">ParameterCount values in the layout of <see cref="Parameters"/>, accumulated with += (dW += dy⊗x, db += dy).</param>
    void Backward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradients, Span<T> inputGradients, Span<T> parameterGradients);
}
