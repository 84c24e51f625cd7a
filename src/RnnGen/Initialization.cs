using System.Numerics;

namespace RnnGen;

/// <summary>PyTorch's default initialisation, drawn identically by every RnnGen implementation.</summary>
public static class Initialization
{
    /// <summary>
    /// Fills <paramref name="parameters"/>, in order, with draws uniform on (−1/√H, 1/√H):
    /// <c>(2·random.NextDouble() − 1) / √H</c>, so one seed gives the same weights in every implementation.
    /// </summary>
    /// <param name="parameters">The buffer to fill.</param>
    /// <param name="hiddenSize">H, which sets the bound 1/√H.</param>
    /// <param name="random">The source of draws; <see cref="Random.Shared"/> when null.</param>
    public static void UniformRecurrent<T>(Span<T> parameters, int hiddenSize, Random? random)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        random ??= Random.Shared;
        double scale = Math.Sqrt(hiddenSize);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = T.CreateTruncating((2.0 * random.NextDouble() - 1.0) / scale);
        }
    }
}
