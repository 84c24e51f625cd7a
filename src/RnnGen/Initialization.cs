using System.Numerics;
using RnnGen.Generated;

namespace RnnGen;

/// <summary>PyTorch's default initialisation, drawn identically by every RnnGen implementation.</summary>
public static class Initialization
{
    /// <summary>
    /// Fills <paramref name="parameters"/>, in order, with draws uniform on (−1/√H, 1/√H):
    /// <c>(2·random.NextDouble() − 1) / √H</c>, so one seed gives the same weights in every implementation.
    /// This is PyTorch's <c>nn.LSTM</c> / <c>nn.GRU</c> default.
    /// </summary>
    /// <param name="parameters">The buffer to fill.</param>
    /// <param name="hiddenSize">H, which sets the bound 1/√H.</param>
    /// <param name="random">The source of draws; <see cref="Random.Shared"/> when null.</param>
    public static void UniformRecurrent<T>(Span<T> parameters, int hiddenSize, Random? random)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        Uniform(parameters, hiddenSize, random);
    }

    /// <summary>
    /// Fills <paramref name="parameters"/>, in order, with draws uniform on (−1/√N, 1/√N), N the layer's input size:
    /// <c>(2·random.NextDouble() − 1) / √N</c>. This is PyTorch's <c>nn.Linear</c> default for both weight and bias
    /// (its Kaiming-uniform weight init with a = √5 has exactly the bound 1/√N).
    /// </summary>
    /// <param name="parameters">The buffer to fill (weight, then bias).</param>
    /// <param name="inputSize">N (<c>in_features</c>), which sets the bound 1/√N.</param>
    /// <param name="random">The source of draws; <see cref="Random.Shared"/> when null.</param>
    public static void UniformLinear<T>(Span<T> parameters, int inputSize, Random? random)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        Uniform(parameters, inputSize, random);
    }

    /// <summary>
    /// Fills a whole model's <paramref name="parameters"/>, in state_dict order, as PyTorch initialises its modules: every
    /// recurrent parameter uniform on (−1/√H, 1/√H) (<see cref="UniformRecurrent"/>), then the head's weight and bias
    /// uniform on (−1/√N), N = its input size (<see cref="UniformLinear"/>). One seed gives the same weights in every
    /// implementation of the shape.
    /// </summary>
    /// <param name="parameters">The buffer to fill, <see cref="ModelShape.ParameterCount"/> values.</param>
    /// <param name="shape">The model's shape.</param>
    /// <param name="random">The source of draws; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentException">The buffer's length is not the shape's parameter count.</exception>
    public static void UniformModel<T>(Span<T> parameters, ModelShape shape, Random? random)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(shape);
        Guard.Length(parameters.Length, shape.ParameterCount, nameof(parameters));
        int head = shape.Layout.HeadOffset;
        Uniform(parameters[..head], shape.HiddenSize, random);
        Uniform(parameters[head..], shape.LayerOutputSize, random);
    }

    // One formula for every layer, so a seed means the same draws in generated, reference and test code.
    private static void Uniform<T>(Span<T> parameters, int fanIn, Random? random)
        where T : IFloatingPointIeee754<T>
    {
        random ??= Random.Shared;
        double scale = Math.Sqrt(fanIn);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = T.CreateTruncating((2.0 * random.NextDouble() - 1.0) / scale);
        }
    }
}
