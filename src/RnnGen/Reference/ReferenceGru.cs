using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The reference GRU (PyTorch <c>nn.GRU</c>, one layer, gates r, z, n): runtime sizes, any IEEE
/// floating-point type, forward and backpropagation through time written equation by equation.
/// </summary>
public sealed class ReferenceGru<T> : ReferenceCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>A GRU of the given sizes with PyTorch's default initialisation drawn from <paramref name="random"/> (or <see cref="Random.Shared"/>).</summary>
    public ReferenceGru(int inputSize, int hiddenSize, Random? random = null)
        : base(CellKind.Gru, inputSize, hiddenSize, random)
    {
    }
}
