using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Simd;

/// <summary>
/// A block of row-major rows written out as columns, for the packed layouts (KernelBase.PackTiles): eight rows by eight
/// columns at a time, transposed in registers, so that packing a layer costs a few passes over its weights rather than a
/// strided write per float (a live Forward packs its weights on every call).
/// </summary>
internal static class BlockTranspose
{
    /// <summary>
    /// dst[k·dstStride + u] = src[u·columns + k] for u &lt; <paramref name="rows"/>, k &lt; <paramref name="columns"/>; the
    /// other floats of dst are left as they are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(ReadOnlySpan<float> src, int columns, int rows, Span<float> dst, int dstStride)
    {
        if (rows == 0 || columns == 0)
        {
            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(src.Length, rows * columns, nameof(src));
        ArgumentOutOfRangeException.ThrowIfLessThan(dst.Length, (columns - 1) * dstStride + rows, nameof(dst));
        ArgumentOutOfRangeException.ThrowIfLessThan(dstStride, rows, nameof(dstStride));
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int u = 0;
        if (Avx.IsSupported)
        {
            for (; u + 8 <= rows; u += 8)
            {
                ref float block = ref Unsafe.Add(ref s, (nint)u * columns);
                int k = 0;
                for (; k + 8 <= columns; k += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref block, k), columns, ref Unsafe.Add(ref d, (nint)k * dstStride + u), dstStride);
                }

                for (; k < columns; k++)
                {
                    for (int i = 0; i < 8; i++)
                    {
                        Unsafe.Add(ref d, (nint)k * dstStride + u + i) = Unsafe.Add(ref block, (nint)i * columns + k);
                    }
                }
            }
        }

        for (; u < rows; u++)
        {
            for (int k = 0; k < columns; k++)
            {
                Unsafe.Add(ref d, (nint)k * dstStride + u) = Unsafe.Add(ref s, (nint)u * columns + k);
            }
        }
    }

    /// <summary>Eight rows of eight floats (row stride <paramref name="srcStride"/>) as eight columns (stride <paramref name="dstStride"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float src, int srcStride, ref float dst, int dstStride)
    {
        nint ss = srcStride, ds = dstStride;
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src), r1 = Vector256.LoadUnsafe(ref src, (nuint)ss);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * ss)), r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * ss));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * ss)), r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * ss));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * ss)), r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * ss));

        // Pairs of rows interleaved, then pairs of pairs: each 128-bit half holds four rows of one column.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> q0 = Avx.Shuffle(t0, t2, 0x44), q1 = Avx.Shuffle(t0, t2, 0xEE), q2 = Avx.Shuffle(t1, t3, 0x44), q3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> q4 = Avx.Shuffle(t4, t6, 0x44), q5 = Avx.Shuffle(t4, t6, 0xEE), q6 = Avx.Shuffle(t5, t7, 0x44), q7 = Avx.Shuffle(t5, t7, 0xEE);

        // Rows 0–3 of a column from q, rows 4–7 from q + 4: low halves make columns 0–3, high halves columns 4–7.
        Avx.Permute2x128(q0, q4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(q1, q5, 0x20).StoreUnsafe(ref dst, (nuint)ds);
        Avx.Permute2x128(q2, q6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * ds));
        Avx.Permute2x128(q3, q7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * ds));
        Avx.Permute2x128(q0, q4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * ds));
        Avx.Permute2x128(q1, q5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * ds));
        Avx.Permute2x128(q2, q6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * ds));
        Avx.Permute2x128(q3, q7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * ds));
    }
}
