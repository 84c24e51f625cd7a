using System.Numerics;
using RnnGen.Generated;

namespace RnnGen.Training;

/// <summary>
/// Losses with their gradients, averaged over their elements (PyTorch's default <c>reduction='mean'</c>). Each returns the
/// loss and overwrites <c>gradient</c> with dL/d(its first argument), ready to pass as a layer's output gradients; pass
/// an empty span to skip the gradient. A NaN or ±∞ input gives a NaN or ±∞ loss and gradient, which gradient clipping
/// and <see cref="Optimizer.Step"/> then refuse (see <see cref="NonFiniteValueException"/>).
/// </summary>
public static class Loss
{
    /// <summary>Mean squared error, L = (1/n)·Σ (pᵢ − tᵢ)², dL/dpᵢ = 2·(pᵢ − tᵢ)/n (<c>nn.MSELoss</c>).</summary>
    /// <param name="predictions">n values.</param>
    /// <param name="targets">n values.</param>
    /// <param name="gradient">n values, overwritten with dL/d predictions; or empty.</param>
    /// <exception cref="ArgumentException">The lengths differ, or there are no values.</exception>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        int n = CheckPairs(predictions.Length, targets.Length, gradient.Length, nameof(predictions));
        T scale = T.CreateTruncating(2.0 / n), sum = T.Zero;
        for (int i = 0; i < n; i++)
        {
            T difference = predictions[i] - targets[i];
            sum += difference * difference;
            if (!gradient.IsEmpty)
            {
                gradient[i] = scale * difference;
            }
        }

        return sum / T.CreateTruncating(n);
    }

    /// <summary>
    /// Softmax cross-entropy over R rows of C logits with integer class targets (<c>nn.CrossEntropyLoss</c>):
    /// L = (1/R)·Σ_r [log Σ_c exp(z_rc) − z_r,y_r], computed as a stable log-sum-exp (the row's maximum is subtracted
    /// first, so no exponential overflows); dL/dz_rc = (softmax(z_r)_c − [c = y_r]) / R.
    /// </summary>
    /// <param name="logits">R·C values, one row per example.</param>
    /// <param name="targets">R class indices in [0, C).</param>
    /// <param name="gradient">R·C values, overwritten with dL/d logits; or empty.</param>
    /// <exception cref="ArgumentException">No rows, logits that are not R whole rows, or a target outside [0, C).</exception>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        int rows = targets.Length;
        if (rows == 0)
        {
            throw new ArgumentException("There are no targets to average over.", nameof(targets));
        }

        int classes = Guard.Rows(logits.Length, rows, nameof(logits));
        if (classes == 0)
        {
            throw new ArgumentException("Each row needs at least one logit.", nameof(logits));
        }

        Guard.LengthOrEmpty(gradient.Length, logits.Length, nameof(gradient));
        T sum = T.Zero, inverseRows = T.One / T.CreateTruncating(rows);
        for (int r = 0; r < rows; r++)
        {
            int target = targets[r];
            if ((uint)target >= (uint)classes)
            {
                throw new ArgumentException($"targets[{r}] = {target} is not a class index in [0, {classes}).", nameof(targets));
            }

            ReadOnlySpan<T> z = logits.Slice(r * classes, classes);
            T max = z[0];
            for (int c = 1; c < classes; c++)
            {
                max = T.MaxNumber(max, z[c]);
            }

            T total = T.Zero;
            for (int c = 0; c < classes; c++)
            {
                total += T.Exp(z[c] - max);
            }

            T logSumExp = max + T.Log(total);
            sum += logSumExp - z[target];
            if (!gradient.IsEmpty)
            {
                Span<T> dz = gradient.Slice(r * classes, classes);
                for (int c = 0; c < classes; c++)
                {
                    T softmax = T.Exp(z[c] - max) / total;   // not exp(z − logSumExp): that loses logSumExp's rounding
                    dz[c] = (c == target ? softmax - T.One : softmax) * inverseRows;
                }
            }
        }

        return sum * inverseRows;
    }

    /// <summary>
    /// Binary cross-entropy on logits (<c>nn.BCEWithLogitsLoss</c>): L = (1/n)·Σ [max(x, 0) − x·t + log(1 + exp(−|x|))],
    /// the form that neither overflows nor loses precision for large |x|; dL/dxᵢ = (σ(xᵢ) − tᵢ)/n.
    /// </summary>
    /// <param name="logits">n values x.</param>
    /// <param name="targets">n values t, usually 0 or 1 (any value in [0, 1] is a soft label).</param>
    /// <param name="gradient">n values, overwritten with dL/d logits; or empty.</param>
    /// <exception cref="ArgumentException">The lengths differ, or there are no values.</exception>
    public static T BinaryCrossEntropyWithLogits<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        int n = CheckPairs(logits.Length, targets.Length, gradient.Length, nameof(logits));
        T inverse = T.One / T.CreateTruncating(n), sum = T.Zero;
        for (int i = 0; i < n; i++)
        {
            T x = logits[i], t = targets[i];
            sum += T.Max(x, T.Zero) - x * t + T.LogP1(T.Exp(-T.Abs(x)));
            if (!gradient.IsEmpty)
            {
                // σ(x) without overflow for either sign: e^x / (1 + e^x) when x < 0.
                T e = T.Exp(-T.Abs(x));
                T sigmoid = x >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
                gradient[i] = (sigmoid - t) * inverse;
            }
        }

        return sum * inverse;
    }

    private static int CheckPairs(int values, int targets, int gradient, string name)
    {
        if (values == 0)
        {
            throw new ArgumentException("There are no values to average over.", name);
        }

        Guard.Length(targets, values, "targets");
        Guard.LengthOrEmpty(gradient, values, "gradient");
        return values;
    }
}
