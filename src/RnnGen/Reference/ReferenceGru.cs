using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The reference GRU (PyTorch <c>nn.GRU</c>, one layer, gates r, z, n): runtime sizes, any IEEE
/// floating-point type, forward and backpropagation through time written equation by equation.
/// </summary>
public sealed class ReferenceGru<T> : ReferenceCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>A GRU of the given sizes with PyTorch's default initialisation drawn from <paramref name="random"/> (or <see cref="Random.Shared"/>).</summary>
    /// <param name="inputSize">Features per time step (I).</param>
    /// <param name="hiddenSize">Hidden units (H).</param>
    /// <param name="random">The source of the initial weights.</param>
    /// <param name="resetAfter">
    /// True (PyTorch): n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)); false, the reset-before GRU (Keras reset_after=False,
    /// ONNX linear_before_reset=0): n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn). See <see cref="ModelShape.ResetAfter"/>.
    /// </param>
    public ReferenceGru(int inputSize, int hiddenSize, Random? random = null, bool resetAfter = true)
        : base(CellKind.Gru, inputSize, hiddenSize, random, resetAfter)
    {
    }
}
