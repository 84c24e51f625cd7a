using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// Dropout between a model's layers in training, as PyTorch's <c>dropout</c> argument applies it: each value of a
/// layer's output is zeroed with probability p and the rest scaled by 1/(1 − p), so the expected value is unchanged.
/// One draw per value in row-major order, shared by the generated and the reference models, so one seed gives one mask.
/// </summary>
internal static class Dropout
{
    /// <summary>Draws <paramref name="mask"/> (0 or 1/(1 − p) per value) and multiplies <paramref name="values"/> by it.</summary>
    public static void Apply<T>(Span<T> values, Span<T> mask, double p, Random? random)
        where T : IFloatingPointIeee754<T>
    {
        random ??= Random.Shared;
        T kept = T.CreateTruncating(1.0 / (1.0 - p));
        for (int i = 0; i < values.Length; i++)
        {
            mask[i] = random.NextDouble() < p ? T.Zero : kept;
            values[i] *= mask[i];
        }
    }

    /// <summary>The gradient through the mask: <paramref name="gradients"/> ⊙= <paramref name="mask"/>.</summary>
    public static void Backward<T>(Span<T> gradients, ReadOnlySpan<T> mask)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < gradients.Length; i++)
        {
            gradients[i] *= mask[i];
        }
    }
}
