using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>
/// The input side of a frozen sequence's gates on packed weights (RnnGen.Generated.KernelBase.PackTiles), hoisted out of
/// the recurrence. A packed tile stores each column of W_ih contiguously (every gate's rows of the tile side by side), so
/// the product over a block of steps is an outer-product GEMM: per column k, one load of a chunk of the column and one
/// broadcast of x_t[k] per step feed register-blocked accumulators; no horizontal sums. Each accumulator adds the columns
/// in order from the tile's bias, exactly as the packed step does, so every width gives the same floats bit for bit.
/// </summary>
internal static class PackedInputProjection
{
    /// <summary>Steps that share each weight load.</summary>
    private const int StepsPerLoad = 4;

    /// <summary>
    /// dest[t·tiles·width + tile·width + j] = biases[tile·tileBiases + j] + Σ_k weights[tile·tileWeights + k·width + j]·xs[t·xStride + k]
    /// for j &lt; width (a multiple of 8), k &lt; inputs, t &lt; steps: each row of dest laid out as a packed tile's biases. Unchecked
    /// (the caller has checked every length). Where Vector512 is accelerated and a tile's column is 16 to 64 floats in whole
    /// Vector512s (every 16-unit tile, and an LSTM's 8-unit ones), the Vector512 body; else the Vector256 one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Project(
        ref float weights, int tileWeights, ref float biases, int tileBiases, int tiles, int width, int inputs, ref float xs, int xStride, ref float dest, int steps)
    {
        if (Vector512.IsHardwareAccelerated && width % 16 == 0 && width <= 64)
        {
            Project512(ref weights, tileWeights, ref biases, tileBiases, tiles, width, inputs, ref xs, xStride, ref dest, steps);
        }
        else
        {
            Project256(ref weights, tileWeights, ref biases, tileBiases, tiles, width, inputs, ref xs, xStride, ref dest, steps);
        }
    }

    /// <summary>
    /// <see cref="Project"/> on Vector512, <paramref name="width"/> 16, 32, 48 or 64: a tile's whole column (up to four
    /// vectors) for four steps per pass, up to 16 accumulators (AVX-512 has 32 registers), so each broadcast of x_t[k] feeds
    /// up to four FMAs where the 256-bit body's feeds two. Measured on a Zen 4 at about half the 256-bit body's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Project512(
        ref float weights, int tileWeights, ref float biases, int tileBiases, int tiles, int width, int inputs, ref float xs, int xStride, ref float dest, int steps)
    {
        Debug.Assert(width % 16 == 0 && width is >= 16 and <= 64);
        int rows = tiles * width;
        for (nint tile = 0; tile < tiles; tile++)
        {
            ref float columns = ref Unsafe.Add(ref weights, tile * tileWeights);
            ref float bias = ref Unsafe.Add(ref biases, tile * tileBiases);
            ref float d = ref Unsafe.Add(ref dest, tile * width);
            int t = 0;
            for (; t + StepsPerLoad <= steps; t += StepsPerLoad)
            {
                ref float x = ref Unsafe.Add(ref xs, (nint)t * xStride);
                ref float row = ref Unsafe.Add(ref d, (nint)t * rows);
                switch (width)
                {
                    case 64: ColumnFourSteps512(4, ref columns, inputs, ref bias, ref x, xStride, ref row, rows); break;
                    case 48: ColumnFourSteps512(3, ref columns, inputs, ref bias, ref x, xStride, ref row, rows); break;
                    case 32: ColumnFourSteps512(2, ref columns, inputs, ref bias, ref x, xStride, ref row, rows); break;
                    default: ColumnFourSteps512(1, ref columns, inputs, ref bias, ref x, xStride, ref row, rows); break;
                }
            }

            // The steps after the blocks of four: the 256-bit one-step bodies (the same sums, so the same floats).
            for (; t < steps; t++)
            {
                for (nint j = 0; j < width; j += 16)
                {
                    TwoVectorsOneStep(ref Unsafe.Add(ref columns, j), width, inputs, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref xs, (nint)t * xStride), ref Unsafe.Add(ref d, (nint)t * rows + j));
                }
            }
        }
    }

    /// <summary>
    /// A tile's column of <paramref name="vectors"/> Vector512s (a constant once inlined: the unused accumulators fold
    /// away) for four steps: per input k, the column's loads, one broadcast per step, vectors × 4 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnFourSteps512(int vectors, ref float column, int inputs, ref float bias, ref float x0, int xStride, ref float d, int rows)
    {
        ref float x1 = ref Unsafe.Add(ref x0, xStride);
        ref float x2 = ref Unsafe.Add(ref x0, 2 * (nint)xStride);
        ref float x3 = ref Unsafe.Add(ref x0, 3 * (nint)xStride);
        nint width = vectors * 16;
        Vector512<float> b0 = Vector512.LoadUnsafe(ref bias);
        Vector512<float> b1 = vectors > 1 ? Vector512.LoadUnsafe(ref bias, 16) : default;
        Vector512<float> b2 = vectors > 2 ? Vector512.LoadUnsafe(ref bias, 32) : default;
        Vector512<float> b3 = vectors > 3 ? Vector512.LoadUnsafe(ref bias, 48) : default;
        Vector512<float> a00 = b0, a01 = b1, a02 = b2, a03 = b3, a10 = b0, a11 = b1, a12 = b2, a13 = b3;
        Vector512<float> a20 = b0, a21 = b1, a22 = b2, a23 = b3, a30 = b0, a31 = b1, a32 = b2, a33 = b3;
        for (nint k = 0; k < inputs; k++, column = ref Unsafe.Add(ref column, width))
        {
            Vector512<float> w0 = Vector512.LoadUnsafe(ref column);
            Vector512<float> w1 = vectors > 1 ? Vector512.LoadUnsafe(ref column, 16) : default;
            Vector512<float> w2 = vectors > 2 ? Vector512.LoadUnsafe(ref column, 32) : default;
            Vector512<float> w3 = vectors > 3 ? Vector512.LoadUnsafe(ref column, 48) : default;
            Accumulate(vectors, w0, w1, w2, w3, Unsafe.Add(ref x0, k), ref a00, ref a01, ref a02, ref a03);
            Accumulate(vectors, w0, w1, w2, w3, Unsafe.Add(ref x1, k), ref a10, ref a11, ref a12, ref a13);
            Accumulate(vectors, w0, w1, w2, w3, Unsafe.Add(ref x2, k), ref a20, ref a21, ref a22, ref a23);
            Accumulate(vectors, w0, w1, w2, w3, Unsafe.Add(ref x3, k), ref a30, ref a31, ref a32, ref a33);
        }

        Store(a00, a01, a02, a03, vectors, ref d);
        Store(a10, a11, a12, a13, vectors, ref Unsafe.Add(ref d, rows));
        Store(a20, a21, a22, a23, vectors, ref Unsafe.Add(ref d, 2 * (nint)rows));
        Store(a30, a31, a32, a33, vectors, ref Unsafe.Add(ref d, 3 * (nint)rows));

        // One step's accumulators += the column's vectors × x_t[k] (inlined: the accumulators stay in registers).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Accumulate(
            int vectors, Vector512<float> w0, Vector512<float> w1, Vector512<float> w2, Vector512<float> w3, float x,
            ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
        {
            Vector512<float> z = Vector512.Create(x);
            a0 = VectorMath.MultiplyAdd(w0, z, a0);
            if (vectors > 1) a1 = VectorMath.MultiplyAdd(w1, z, a1);
            if (vectors > 2) a2 = VectorMath.MultiplyAdd(w2, z, a2);
            if (vectors > 3) a3 = VectorMath.MultiplyAdd(w3, z, a3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, int vectors, ref float d)
        {
            a0.StoreUnsafe(ref d);
            if (vectors > 1) a1.StoreUnsafe(ref d, 16);
            if (vectors > 2) a2.StoreUnsafe(ref d, 32);
            if (vectors > 3) a3.StoreUnsafe(ref d, 48);
        }
    }

    /// <summary><see cref="Project"/> on Vector256: 16 floats of a column for four steps per pass, eight accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Project256(
        ref float weights, int tileWeights, ref float biases, int tileBiases, int tiles, int width, int inputs, ref float xs, int xStride, ref float dest, int steps)
    {
        int rows = tiles * width;
        for (nint tile = 0; tile < tiles; tile++)
        {
            ref float columns = ref Unsafe.Add(ref weights, tile * tileWeights);
            ref float bias = ref Unsafe.Add(ref biases, tile * tileBiases);
            ref float d = ref Unsafe.Add(ref dest, tile * width);
            nint j = 0;
            for (; j + 16 <= width; j += 16)
            {
                int t = 0;
                for (; t + StepsPerLoad <= steps; t += StepsPerLoad)
                {
                    TwoVectorsFourSteps(ref Unsafe.Add(ref columns, j), width, inputs, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref xs, (nint)t * xStride), xStride, ref Unsafe.Add(ref d, (nint)t * rows + j), rows);
                }

                for (; t < steps; t++)
                {
                    TwoVectorsOneStep(ref Unsafe.Add(ref columns, j), width, inputs, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref xs, (nint)t * xStride), ref Unsafe.Add(ref d, (nint)t * rows + j));
                }
            }

            if (j < width)
            {
                int t = 0;
                for (; t + StepsPerLoad <= steps; t += StepsPerLoad)
                {
                    OneVectorFourSteps(ref Unsafe.Add(ref columns, j), width, inputs, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref xs, (nint)t * xStride), xStride, ref Unsafe.Add(ref d, (nint)t * rows + j), rows);
                }

                for (; t < steps; t++)
                {
                    OneVectorOneStep(ref Unsafe.Add(ref columns, j), width, inputs, ref Unsafe.Add(ref bias, j), ref Unsafe.Add(ref xs, (nint)t * xStride), ref Unsafe.Add(ref d, (nint)t * rows + j));
                }
            }
        }
    }

    /// <summary>16 outputs of 4 steps: eight accumulators, two weight loads and four broadcasts per eight FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoVectorsFourSteps(ref float column, int width, int inputs, ref float bias, ref float x0, int xStride, ref float d, int rows)
    {
        ref float x1 = ref Unsafe.Add(ref x0, xStride);
        ref float x2 = ref Unsafe.Add(ref x0, 2 * (nint)xStride);
        ref float x3 = ref Unsafe.Add(ref x0, 3 * (nint)xStride);
        Vector256<float> b0 = Vector256.LoadUnsafe(ref bias), b1 = Vector256.LoadUnsafe(ref bias, 8);
        Vector256<float> a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
        for (nint k = 0; k < inputs; k++, column = ref Unsafe.Add(ref column, width))
        {
            Vector256<float> w0 = Vector256.LoadUnsafe(ref column), w1 = Vector256.LoadUnsafe(ref column, 8);
            Vector256<float> z = Vector256.Create(Unsafe.Add(ref x0, k));
            a00 = VectorMath.MultiplyAdd(w0, z, a00); a01 = VectorMath.MultiplyAdd(w1, z, a01);
            z = Vector256.Create(Unsafe.Add(ref x1, k));
            a10 = VectorMath.MultiplyAdd(w0, z, a10); a11 = VectorMath.MultiplyAdd(w1, z, a11);
            z = Vector256.Create(Unsafe.Add(ref x2, k));
            a20 = VectorMath.MultiplyAdd(w0, z, a20); a21 = VectorMath.MultiplyAdd(w1, z, a21);
            z = Vector256.Create(Unsafe.Add(ref x3, k));
            a30 = VectorMath.MultiplyAdd(w0, z, a30); a31 = VectorMath.MultiplyAdd(w1, z, a31);
        }

        a00.StoreUnsafe(ref d); a01.StoreUnsafe(ref d, 8);
        d = ref Unsafe.Add(ref d, rows);
        a10.StoreUnsafe(ref d); a11.StoreUnsafe(ref d, 8);
        d = ref Unsafe.Add(ref d, rows);
        a20.StoreUnsafe(ref d); a21.StoreUnsafe(ref d, 8);
        d = ref Unsafe.Add(ref d, rows);
        a30.StoreUnsafe(ref d); a31.StoreUnsafe(ref d, 8);
    }

    /// <summary>16 outputs of one step (the steps after the blocks of four).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoVectorsOneStep(ref float column, int width, int inputs, ref float bias, ref float x, ref float d)
    {
        Vector256<float> a0 = Vector256.LoadUnsafe(ref bias), a1 = Vector256.LoadUnsafe(ref bias, 8);
        for (nint k = 0; k < inputs; k++, column = ref Unsafe.Add(ref column, width))
        {
            Vector256<float> z = Vector256.Create(Unsafe.Add(ref x, k));
            a0 = VectorMath.MultiplyAdd(Vector256.LoadUnsafe(ref column), z, a0);
            a1 = VectorMath.MultiplyAdd(Vector256.LoadUnsafe(ref column, 8), z, a1);
        }

        a0.StoreUnsafe(ref d); a1.StoreUnsafe(ref d, 8);
    }

    /// <summary>8 outputs of 4 steps (a width that is an odd number of vectors).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneVectorFourSteps(ref float column, int width, int inputs, ref float bias, ref float x0, int xStride, ref float d, int rows)
    {
        ref float x1 = ref Unsafe.Add(ref x0, xStride);
        ref float x2 = ref Unsafe.Add(ref x0, 2 * (nint)xStride);
        ref float x3 = ref Unsafe.Add(ref x0, 3 * (nint)xStride);
        Vector256<float> a0 = Vector256.LoadUnsafe(ref bias), a1 = a0, a2 = a0, a3 = a0;
        for (nint k = 0; k < inputs; k++, column = ref Unsafe.Add(ref column, width))
        {
            Vector256<float> w = Vector256.LoadUnsafe(ref column);
            a0 = VectorMath.MultiplyAdd(w, Vector256.Create(Unsafe.Add(ref x0, k)), a0);
            a1 = VectorMath.MultiplyAdd(w, Vector256.Create(Unsafe.Add(ref x1, k)), a1);
            a2 = VectorMath.MultiplyAdd(w, Vector256.Create(Unsafe.Add(ref x2, k)), a2);
            a3 = VectorMath.MultiplyAdd(w, Vector256.Create(Unsafe.Add(ref x3, k)), a3);
        }

        a0.StoreUnsafe(ref d);
        a1.StoreUnsafe(ref Unsafe.Add(ref d, rows));
        a2.StoreUnsafe(ref Unsafe.Add(ref d, 2 * (nint)rows));
        a3.StoreUnsafe(ref Unsafe.Add(ref d, 3 * (nint)rows));
    }

    /// <summary>8 outputs of one step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneVectorOneStep(ref float column, int width, int inputs, ref float bias, ref float x, ref float d)
    {
        Vector256<float> a = Vector256.LoadUnsafe(ref bias);
        for (nint k = 0; k < inputs; k++, column = ref Unsafe.Add(ref column, width))
        {
            a = VectorMath.MultiplyAdd(Vector256.LoadUnsafe(ref column), Vector256.Create(Unsafe.Add(ref x, k)), a);
        }

        a.StoreUnsafe(ref d);
    }
}
