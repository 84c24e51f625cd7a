using System.Numerics;

namespace RnnGen.Reference;

/// <summary>The three matrix products a recurrent cell needs, written plainly (row-major, runtime sizes).</summary>
internal static class Linear
{
    /// <summary>y += W·x, W is [y.Length, x.Length].</summary>
    public static void AddProduct<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r < y.Length; r++)
        {
            ReadOnlySpan<T> row = w.Slice(r * x.Length, x.Length);
            T sum = T.Zero;
            for (int k = 0; k < x.Length; k++)
            {
                sum += row[k] * x[k];
            }

            y[r] += sum;
        }
    }

    /// <summary>y += Wᵀ·v, W is [v.Length, y.Length].</summary>
    public static void AddTransposedProduct<T>(ReadOnlySpan<T> w, ReadOnlySpan<T> v, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r < v.Length; r++)
        {
            ReadOnlySpan<T> row = w.Slice(r * y.Length, y.Length);
            for (int k = 0; k < y.Length; k++)
            {
                y[k] += row[k] * v[r];
            }
        }
    }

    /// <summary>dW += v ⊗ x, dW is [v.Length, x.Length].</summary>
    public static void AddOuter<T>(ReadOnlySpan<T> v, ReadOnlySpan<T> x, Span<T> dw) where T : IFloatingPointIeee754<T>
    {
        for (int r = 0; r < v.Length; r++)
        {
            Span<T> row = dw.Slice(r * x.Length, x.Length);
            for (int k = 0; k < x.Length; k++)
            {
                row[k] += v[r] * x[k];
            }
        }
    }

    /// <summary>y += v.</summary>
    public static void Add<T>(ReadOnlySpan<T> v, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++)
        {
            y[i] += v[i];
        }
    }

    public static T Sigmoid<T>(T x) where T : IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
}
