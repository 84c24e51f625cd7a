using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The reference LSTM (PyTorch <c>nn.LSTM</c>, one layer, gates i, f, g, o): runtime sizes, any IEEE
/// floating-point type, forward and backpropagation through time written equation by equation.
/// </summary>
public sealed class ReferenceLstm<T> : ReferenceCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>An LSTM of the given sizes with PyTorch's default initialisation drawn from <paramref name="random"/> (or <see cref="Random.Shared"/>).</summary>
    public ReferenceLstm(int inputSize, int hiddenSize, Random? random = null)
        : base(CellKind.Lstm, inputSize, hiddenSize, random)
    {
    }
}
