using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Simd;

/// <summary>The few vector operations the kernels need beyond operators, for every path width (generated code reaches them through KernelBase).</summary>
internal static class VectorMath
{
    /// <summary>a·b + c, fused (one rounding): every CPU that accelerates Vector512 has AVX-512F.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>a·b + c, fused (one rounding) where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>a·b + c, fused (one rounding) where the hardware has FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c)
        : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c, a, b)
        : a * b + c;

    /// <summary>
    /// Copies <paramref name="count"/> floats (a multiple of <paramref name="stored"/>) that the kernels wrote
    /// <paramref name="stored"/> floats per store, loading no more than that at a time: a load that spans two stores
    /// still in flight cannot take its data from them and waits until both reach the cache, and the JIT's block copy
    /// moves 64 bytes per load where AVX-512 is on, while the 256-bit kernels store states 32 bytes at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyStored(ref float source, ref float destination, int count, int stored)
    {
        nuint i = 0, n = (nuint)count;
        if (stored % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            // Four vectors per iteration: the JIT does not unroll loops, and this copy is on the chain from one h to the next.
            for (; i + 32 <= n; i += 32)
            {
                Vector256<float> a = Vector256.LoadUnsafe(ref source, i), b = Vector256.LoadUnsafe(ref source, i + 8);
                Vector256<float> c = Vector256.LoadUnsafe(ref source, i + 16), d = Vector256.LoadUnsafe(ref source, i + 24);
                a.StoreUnsafe(ref destination, i);
                b.StoreUnsafe(ref destination, i + 8);
                c.StoreUnsafe(ref destination, i + 16);
                d.StoreUnsafe(ref destination, i + 24);
            }

            for (; i + 8 <= n; i += 8)
            {
                Vector256.LoadUnsafe(ref source, i).StoreUnsafe(ref destination, i);
            }
        }
        else if (stored % 4 == 0 && Vector128.IsHardwareAccelerated)
        {
            for (; i + 4 <= n; i += 4)
            {
                Vector128.LoadUnsafe(ref source, i).StoreUnsafe(ref destination, i);
            }
        }

        if (i < n)
        {
            // All of it where the parts fill no vector; otherwise nothing (count is a multiple of stored), kept so a
            // caller's mistake can never write past count.
            Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref destination, i)), ref Unsafe.As<float, byte>(ref Unsafe.Add(ref source, i)), (uint)(n - i) * sizeof(float));
        }
    }

    /// <summary>a·b + c on the scalar path (not fused: software FMA would be slow where there is no vector unit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => a * b + c;

    /// <summary>
    /// The horizontal sums of sixteen accumulators, as one vector: lane k = Σ lanes of a<sub>k</sub>. Each accumulator's
    /// two 256-bit halves are added first, then eight at a time reduced as the 256-bit <c>SumEach</c> does (on Zen 4 a
    /// 512-bit operation is two 256-bit ones anyway, and AVX-512 has no horizontal add).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SumEach(
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7,
        Vector512<float> a8, Vector512<float> a9, Vector512<float> a10, Vector512<float> a11,
        Vector512<float> a12, Vector512<float> a13, Vector512<float> a14, Vector512<float> a15)
    {
        Vector256<float> low = SumEach(Fold(a0), Fold(a1), Fold(a2), Fold(a3), Fold(a4), Fold(a5), Fold(a6), Fold(a7));
        Vector256<float> high = SumEach(Fold(a8), Fold(a9), Fold(a10), Fold(a11), Fold(a12), Fold(a13), Fold(a14), Fold(a15));
        return Vector512.Create(low, high);
    }

    /// <summary>An accumulator's two 256-bit halves added: the first level of the 512-bit <c>SumEach</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Fold(Vector512<float> a) => a.GetLower() + a.GetUpper();

    /// <summary>The horizontal sums of eight accumulators, as one vector: lane k = Σ lanes of <paramref name="a0"/>…<paramref name="a7"/>[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumEach(
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        if (Avx.IsSupported)
        {
            // Pairwise adds halve the lane count per level; the two 128-bit halves are then added.
            Vector256<float> s0123 = PairSums(PairSums(a0, a1), PairSums(a2, a3));
            Vector256<float> s4567 = PairSums(PairSums(a4, a5), PairSums(a6, a7));
            if (Avx512F.VL.IsSupported)
            {
                // vshuff32x4 picks the same halves as vperm2f128, but has an EVEX form: vperm2f128 only reaches ymm0–15,
                // so with AVX-512's 32 registers the JIT copied operands into the low 16 and spilled hoisted constants.
                return Avx512F.VL.Shuffle2x128(s0123, s4567, 0b00) + Avx512F.VL.Shuffle2x128(s0123, s4567, 0b11);
            }

            return Avx.Permute2x128(s0123, s4567, 0x20) + Avx.Permute2x128(s0123, s4567, 0x31);
        }

        return Vector256.Create(
            Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3),
            Vector256.Sum(a4), Vector256.Sum(a5), Vector256.Sum(a6), Vector256.Sum(a7));
    }

    /// <summary>The horizontal sums of four accumulators, as one vector: lane k = Σ lanes of a<sub>k</sub>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumEach(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3)
    {
        if (Sse.IsSupported)
        {
            return PairSums(PairSums(a0, a1), PairSums(a2, a3));
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a0, a1), AdvSimd.Arm64.AddPairwise(a2, a3));
        }

        return Vector128.Create(Vector128.Sum(a0), Vector128.Sum(a1), Vector128.Sum(a2), Vector128.Sum(a3));
    }

    /// <summary>
    /// What <c>vhaddps</c> computes, per 128-bit half [a0+a1, a2+a3, b0+b1, b2+b3], from two shuffles and one add: the
    /// same floats, and on a Zen 4 an 8-row <c>SumEach</c> took 3.0 ns instead of 3.9 (Intel decodes hadd into these
    /// same three operations).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> PairSums(Vector256<float> a, Vector256<float> b) =>
        Avx.Shuffle(a, b, 0b10_00_10_00) + Avx.Shuffle(a, b, 0b11_01_11_01);

    /// <inheritdoc cref="PairSums(Vector256{float}, Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> PairSums(Vector128<float> a, Vector128<float> b) =>
        Sse.Shuffle(a, b, 0b10_00_10_00) + Sse.Shuffle(a, b, 0b11_01_11_01);

    /// <summary>x clamped to [lo, hi], NaN kept: x86's max/min return their second operand when either is NaN, so x goes second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clamp(Vector512<float> x, Vector512<float> lo, Vector512<float> hi)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.Min(hi, Avx512F.Max(lo, x));
        }

        x = Vector512.ConditionalSelect(Vector512.GreaterThan(x, hi), hi, x);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, lo), lo, x);
    }

    /// <inheritdoc cref="Clamp(Vector512{float}, Vector512{float}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp(Vector256<float> x, Vector256<float> lo, Vector256<float> hi)
    {
        if (Avx.IsSupported)
        {
            return Avx.Min(hi, Avx.Max(lo, x));
        }

        x = Vector256.ConditionalSelect(Vector256.GreaterThan(x, hi), hi, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, lo), lo, x);
    }

    /// <inheritdoc cref="Clamp(Vector512{float}, Vector512{float}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Clamp(Vector128<float> x, Vector128<float> lo, Vector128<float> hi)
    {
        if (Sse.IsSupported)
        {
            return Sse.Min(hi, Sse.Max(lo, x));
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.Min(hi, AdvSimd.Max(lo, x));   // fmax/fmin propagate NaN
        }

        x = Vector128.ConditionalSelect(Vector128.GreaterThan(x, hi), hi, x);
        return Vector128.ConditionalSelect(Vector128.LessThan(x, lo), lo, x);
    }

    /// <summary>
    /// A mask that keeps the last <paramref name="valid"/> lanes and zeroes the others: the overlapping last
    /// vector of a length that is not a multiple of 16 ANDs with it so the lanes already counted add nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TailMask512(int valid) =>
        Vector512.GreaterThanOrEqual(
            Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f), Vector512.Create((float)(16 - valid)));

    /// <summary>The 256-bit counterpart of <see cref="TailMask512"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TailMask256(int valid) =>
        Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(8 - valid)));

    /// <summary>The 128-bit counterpart of <see cref="TailMask512"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TailMask128(int valid) =>
        Vector128.GreaterThanOrEqual(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)(4 - valid)));
}
