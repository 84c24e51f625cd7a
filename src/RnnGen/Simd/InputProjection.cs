using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>
/// The input side of a sequence's gates, hoisted out of the recurrence: P[t, r] = W[r, :]·x_t (+ b[r]) for a block of
/// steps at once, as one blocked product (ONNX Runtime's and cuDNN's sequence layout). On x86 with Vector256 the steps
/// lie across the vector (InputProjection.Transposed.cs); elsewhere, and where a row is too long for the stack or there are
/// fewer than eight rows, each weight vector loaded is used for four steps, so W_ih streams from memory once per four
/// steps instead of once per step.
/// </summary>
internal static partial class InputProjection
{
    /// <summary>Steps that share each weight load.</summary>
    private const int StepsPerLoad = 4;

    /// <summary>
    /// dest[t·rows + r] = Σ_k w[r·columns + k]·xs[t·xStride + k] (+ bias[r]) for r &lt; rows, t &lt; steps. Unchecked:
    /// the caller has checked every length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Project(ref float w, ref float bias, bool hasBias, int rows, int columns, ref float xs, int xStride, ref float dest, int steps)
    {
        if (Transposes(rows, columns))
        {
            ProjectTransposed(ref w, ref bias, hasBias, rows, columns, ref xs, xStride, ref dest, steps);
            return;
        }

        int t = 0;
        if (Vector256.IsHardwareAccelerated && columns >= Vector256<float>.Count)
        {
            bool wide = SimdSupport.Vector512LargeLayers && columns >= Vector512<float>.Count;
            for (; t + StepsPerLoad <= steps; t += StepsPerLoad)
            {
                ref float x = ref Unsafe.Add(ref xs, (nint)t * xStride);
                ref float d = ref Unsafe.Add(ref dest, (nint)t * rows);
                int r = 0;
                if (wide)
                {
                    for (; r + 2 <= rows; r += 2)
                    {
                        TwoRowsFourSteps512(ref Unsafe.Add(ref w, (nint)r * columns), columns, ref x, xStride, ref Unsafe.Add(ref d, r), rows);
                    }
                }

                for (; r + 2 <= rows; r += 2)
                {
                    TwoRowsFourSteps(ref Unsafe.Add(ref w, (nint)r * columns), columns, ref x, xStride, ref Unsafe.Add(ref d, r), rows);
                }

                for (; r < rows; r++)
                {
                    for (int s = 0; s < StepsPerLoad; s++)
                    {
                        Unsafe.Add(ref d, (nint)s * rows + r) = Dot256(ref Unsafe.Add(ref w, (nint)r * columns), ref Unsafe.Add(ref x, (nint)s * xStride), columns);
                    }
                }
            }

            for (; t < steps; t++)
            {
                ref float x = ref Unsafe.Add(ref xs, (nint)t * xStride);
                ref float d = ref Unsafe.Add(ref dest, (nint)t * rows);
                for (int r = 0; r < rows; r++)
                {
                    Unsafe.Add(ref d, r) = Dot256(ref Unsafe.Add(ref w, (nint)r * columns), ref x, columns);
                }
            }
        }
        else
        {
            for (; t < steps; t++)
            {
                ref float x = ref Unsafe.Add(ref xs, (nint)t * xStride);
                ref float d = ref Unsafe.Add(ref dest, (nint)t * rows);
                for (int r = 0; r < rows; r++)
                {
                    ref float row = ref Unsafe.Add(ref w, (nint)r * columns);
                    float sum = 0f;
                    for (int k = 0; k < columns; k++)
                    {
                        sum = VectorMath.MultiplyAdd(Unsafe.Add(ref row, k), Unsafe.Add(ref x, k), sum);
                    }

                    Unsafe.Add(ref d, r) = sum;
                }
            }
        }

        if (hasBias)
        {
            for (int s = 0; s < steps; s++)
            {
                ref float d = ref Unsafe.Add(ref dest, (nint)s * rows);
                for (int r = 0; r < rows; r++)
                {
                    Unsafe.Add(ref d, r) += Unsafe.Add(ref bias, r);
                }
            }
        }
    }

    /// <summary>Rows r, r+1 against steps t…t+3: eight accumulators, two weight loads and four input loads per eight FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoRowsFourSteps(ref float w0, int columns, ref float x, int xStride, ref float d, int rows)
    {
        ref float w1 = ref Unsafe.Add(ref w0, columns);
        ref float x1 = ref Unsafe.Add(ref x, xStride);
        ref float x2 = ref Unsafe.Add(ref x, 2 * (nint)xStride);
        ref float x3 = ref Unsafe.Add(ref x, 3 * (nint)xStride);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        int last = columns - Vector256<float>.Count;
        nint k = 0;
        for (; k <= last; k += Vector256<float>.Count)
        {
            Vector256<float> u = Vector256.LoadUnsafe(ref w0, (nuint)k), v = Vector256.LoadUnsafe(ref w1, (nuint)k);
            Vector256<float> y0 = Vector256.LoadUnsafe(ref x, (nuint)k), y1 = Vector256.LoadUnsafe(ref x1, (nuint)k);
            Vector256<float> y2 = Vector256.LoadUnsafe(ref x2, (nuint)k), y3 = Vector256.LoadUnsafe(ref x3, (nuint)k);
            a00 = VectorMath.MultiplyAdd(u, y0, a00); a01 = VectorMath.MultiplyAdd(u, y1, a01);
            a02 = VectorMath.MultiplyAdd(u, y2, a02); a03 = VectorMath.MultiplyAdd(u, y3, a03);
            a10 = VectorMath.MultiplyAdd(v, y0, a10); a11 = VectorMath.MultiplyAdd(v, y1, a11);
            a12 = VectorMath.MultiplyAdd(v, y2, a12); a13 = VectorMath.MultiplyAdd(v, y3, a13);
        }

        if (k < columns)
        {
            // The overlapping last vector, its inputs masked to zero in the columns already counted.
            Vector256<float> mask = VectorMath.TailMask256(columns % Vector256<float>.Count);
            Vector256<float> u = Vector256.LoadUnsafe(ref w0, (nuint)last), v = Vector256.LoadUnsafe(ref w1, (nuint)last);
            Vector256<float> y0 = Vector256.LoadUnsafe(ref x, (nuint)last) & mask, y1 = Vector256.LoadUnsafe(ref x1, (nuint)last) & mask;
            Vector256<float> y2 = Vector256.LoadUnsafe(ref x2, (nuint)last) & mask, y3 = Vector256.LoadUnsafe(ref x3, (nuint)last) & mask;
            a00 = VectorMath.MultiplyAdd(u, y0, a00); a01 = VectorMath.MultiplyAdd(u, y1, a01);
            a02 = VectorMath.MultiplyAdd(u, y2, a02); a03 = VectorMath.MultiplyAdd(u, y3, a03);
            a10 = VectorMath.MultiplyAdd(v, y0, a10); a11 = VectorMath.MultiplyAdd(v, y1, a11);
            a12 = VectorMath.MultiplyAdd(v, y2, a12); a13 = VectorMath.MultiplyAdd(v, y3, a13);
        }

        StoreTwoRows(VectorMath.SumEach(a00, a01, a02, a03, a10, a11, a12, a13), ref d, rows);
    }

    /// <summary>Rows r, r+1 of four steps from <paramref name="sums"/>: lane s is row r at step s, lane 4 + s row r + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTwoRows(Vector256<float> sums, ref float d, int rows)
    {
        for (int s = 0; s < StepsPerLoad; s++)
        {
            ref float row = ref Unsafe.Add(ref d, (nint)s * rows);
            row = sums.GetElement(s);
            Unsafe.Add(ref row, 1) = sums.GetElement(StepsPerLoad + s);
        }
    }

    /// <summary>
    /// <see cref="TwoRowsFourSteps"/> on Vector512 (columns ≥ 16): half the loads and FMAs per column; each accumulator's
    /// halves are added before the eight are reduced, so the sums' order differs from the 256-bit body's (float rounding).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoRowsFourSteps512(ref float w0, int columns, ref float x, int xStride, ref float d, int rows)
    {
        ref float w1 = ref Unsafe.Add(ref w0, columns);
        ref float x1 = ref Unsafe.Add(ref x, xStride);
        ref float x2 = ref Unsafe.Add(ref x, 2 * (nint)xStride);
        ref float x3 = ref Unsafe.Add(ref x, 3 * (nint)xStride);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        int last = columns - Vector512<float>.Count;
        nint k = 0;
        for (; k <= last; k += Vector512<float>.Count)
        {
            Vector512<float> u = Vector512.LoadUnsafe(ref w0, (nuint)k), v = Vector512.LoadUnsafe(ref w1, (nuint)k);
            Vector512<float> y0 = Vector512.LoadUnsafe(ref x, (nuint)k), y1 = Vector512.LoadUnsafe(ref x1, (nuint)k);
            Vector512<float> y2 = Vector512.LoadUnsafe(ref x2, (nuint)k), y3 = Vector512.LoadUnsafe(ref x3, (nuint)k);
            a00 = VectorMath.MultiplyAdd(u, y0, a00); a01 = VectorMath.MultiplyAdd(u, y1, a01);
            a02 = VectorMath.MultiplyAdd(u, y2, a02); a03 = VectorMath.MultiplyAdd(u, y3, a03);
            a10 = VectorMath.MultiplyAdd(v, y0, a10); a11 = VectorMath.MultiplyAdd(v, y1, a11);
            a12 = VectorMath.MultiplyAdd(v, y2, a12); a13 = VectorMath.MultiplyAdd(v, y3, a13);
        }

        if (k < columns)
        {
            // The overlapping last vector, its inputs masked to zero in the columns already counted.
            Vector512<float> mask = VectorMath.TailMask512(columns % Vector512<float>.Count);
            Vector512<float> u = Vector512.LoadUnsafe(ref w0, (nuint)last), v = Vector512.LoadUnsafe(ref w1, (nuint)last);
            Vector512<float> y0 = Vector512.LoadUnsafe(ref x, (nuint)last) & mask, y1 = Vector512.LoadUnsafe(ref x1, (nuint)last) & mask;
            Vector512<float> y2 = Vector512.LoadUnsafe(ref x2, (nuint)last) & mask, y3 = Vector512.LoadUnsafe(ref x3, (nuint)last) & mask;
            a00 = VectorMath.MultiplyAdd(u, y0, a00); a01 = VectorMath.MultiplyAdd(u, y1, a01);
            a02 = VectorMath.MultiplyAdd(u, y2, a02); a03 = VectorMath.MultiplyAdd(u, y3, a03);
            a10 = VectorMath.MultiplyAdd(v, y0, a10); a11 = VectorMath.MultiplyAdd(v, y1, a11);
            a12 = VectorMath.MultiplyAdd(v, y2, a12); a13 = VectorMath.MultiplyAdd(v, y3, a13);
        }

        StoreTwoRows(VectorMath.SumEach(Fold(a00), Fold(a01), Fold(a02), Fold(a03), Fold(a10), Fold(a11), Fold(a12), Fold(a13)), ref d, rows);

        static Vector256<float> Fold(Vector512<float> a) => a.GetLower() + a.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot256(ref float row, ref float x, int columns)
    {
        Vector256<float> a = default;
        int last = columns - Vector256<float>.Count;
        nint k = 0;
        for (; k <= last; k += Vector256<float>.Count)
        {
            a = VectorMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, (nuint)k), Vector256.LoadUnsafe(ref x, (nuint)k), a);
        }

        if (k < columns)
        {
            Vector256<float> tail = Vector256.LoadUnsafe(ref x, (nuint)last) & VectorMath.TailMask256(columns % Vector256<float>.Count);
            a = VectorMath.MultiplyAdd(Vector256.LoadUnsafe(ref row, (nuint)last), tail, a);
        }

        return Vector256.Sum(a);
    }
}
