using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Slot = RnnGen.Simd.VectorConstants.Slot;

namespace RnnGen.Simd;

/// <summary>
/// Vectorised logistic sigmoid and tanh for the generated kernels, with scalar overloads of the same names
/// so one line of generated code reads the same on every path.
/// </summary>
/// <remarks>
/// Both are built on e^y = 2^n·(1 + p) with y = n·ln2 + r, |r| ≤ ln2/2 (Cody–Waite split of ln2) and
/// p = e^r − 1 from its Taylor series to degree 7 (truncation ≤ 1.5e-8 relative). tanh uses
/// e^y − 1 = 2^n·p + (2^n − 1), so it keeps full relative accuracy near 0 where 1 − 2/(e^2x + 1) would cancel.
/// Measured against the exact functions in double for every float of the clamp ranges
/// (tests/RnnGen.Tests/Simd/ExhaustiveActivationTests.cs): sigmoid max relative error 1.48e-7 over [−80, 80]
/// (below −80 the clamp returns σ(−80)), tanh 1.78e-7 over [−9, 9] (a few ulp). Saturation: sigmoid clamps its input to [−80, 80], so its result is never
/// subnormal (σ(−80) ≈ 1.8e-35); tanh clamps |x| to 9, where tanh already rounds to ±1 in float. NaN in gives NaN out.
/// On x86 without AVX-512 the 256- and 128-bit forms read their constants from memory (<see cref="VectorConstants"/>
/// says why); the operations, and so the results, are the same.
/// </remarks>
public static unsafe class Activations
{
    internal const float SigmoidClamp = 80f;
    internal const float TanhClamp = 9f;
    internal const float Log2E = 1.44269504088896341f;
    internal const float Ln2Hi = 0.693359375f;          // ln 2 to 9 significant bits: n·Ln2Hi is exact
    internal const float Ln2Lo = -2.12194440e-4f;       // ln 2 − Ln2Hi
    internal const float RoundingMagic = 12582912f;     // 1.5·2^23: adding it rounds to an integer in the low mantissa bits
    internal const int ExponentBias = 127 - 0x4B400000; // t's bits + this = n + 127 (mod 2^32) for t = RoundingMagic + n

    // Taylor coefficients 1/k! of e^r − 1 = r + r²/2! + … + r⁷/7!
    internal const float C2 = 1f / 2, C3 = 1f / 6, C4 = 1f / 24, C5 = 1f / 120, C6 = 1f / 720, C7 = 1f / 5040;

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        x = VectorMath.Clamp(x, Vector512.Create(-SigmoidClamp), Vector512.Create(SigmoidClamp));   // NaN stays NaN
        (Vector512<float> scale, Vector512<float> p) = ExpParts(x, -1f);
        Vector512<float> one = Vector512<float>.One;
        return one / (VectorMath.MultiplyAdd(scale, p, scale) + one);
    }

    /// <summary>tanh(x) = −expm1(−2|x|) / (2 + expm1(−2|x|)), with the sign of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> sign = x & Vector512.Create(-0f);
        Vector512<float> a = Vector512.Abs(x);
        a = VectorMath.Clamp(a, Vector512<float>.Zero, Vector512.Create(TanhClamp));
        (Vector512<float> scale, Vector512<float> p) = ExpParts(a, -2f);
        Vector512<float> em1 = VectorMath.MultiplyAdd(scale, p, scale - Vector512<float>.One);   // e^−2|x| − 1
        return ((Vector512<float>.Zero - em1) / (em1 + Vector512.Create(2f))) | sign;   // 0 − em1, not −em1: +0 at x = +0
    }

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        if (X86Base.IsSupported && !Avx512F.VL.IsSupported && VectorConstants.Jit.Compiles)   // VectorConstants.InMemory, written out: one inlinee less per call
        {
            float* k = VectorConstants.Block;
            x = VectorMath.Clamp(x, Vector256.LoadAligned(k + Slot.NegativeSigmoidClamp), Vector256.LoadAligned(k + Slot.SigmoidClamp));   // NaN stays NaN
            (Vector256<float> scale, Vector256<float> p) = ExpParts(x, Vector256.LoadAligned(k + Slot.NegativeOne), Vector256.LoadAligned(k + Slot.NegativeLog2E), k);
            return Vector256.LoadAligned(k + Slot.One) / (VectorMath.MultiplyAdd(scale, p, scale) + Vector256.LoadAligned(k + Slot.One));
        }
        else
        {
            x = VectorMath.Clamp(x, Vector256.Create(-SigmoidClamp), Vector256.Create(SigmoidClamp));   // NaN stays NaN
            (Vector256<float> scale, Vector256<float> p) = ExpParts(x, -1f);
            Vector256<float> one = Vector256<float>.One;
            return one / (VectorMath.MultiplyAdd(scale, p, scale) + one);
        }
    }

    /// <summary>tanh(x) = −expm1(−2|x|) / (2 + expm1(−2|x|)), with the sign of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        if (X86Base.IsSupported && !Avx512F.VL.IsSupported && VectorConstants.Jit.Compiles)
        {
            float* k = VectorConstants.Block;
            Vector256<float> sign = x & Vector256.LoadAligned(k + Slot.SignBit);
            Vector256<float> a = VectorMath.Clamp(x & Vector256.LoadAligned(k + Slot.MagnitudeBits), Vector256<float>.Zero, Vector256.LoadAligned(k + Slot.TanhClamp));
            (Vector256<float> scale, Vector256<float> p) = ExpParts(a, Vector256.LoadAligned(k + Slot.NegativeTwo), Vector256.LoadAligned(k + Slot.NegativeTwoLog2E), k);
            Vector256<float> em1 = VectorMath.MultiplyAdd(scale, p, scale - Vector256.LoadAligned(k + Slot.One));   // e^−2|x| − 1
            return ((Vector256<float>.Zero - em1) / (em1 + Vector256.LoadAligned(k + Slot.Two))) | sign;   // 0 − em1, not −em1: +0 at x = +0
        }
        else
        {
            Vector256<float> sign = x & Vector256.Create(-0f);
            Vector256<float> a = Vector256.Abs(x);
            a = VectorMath.Clamp(a, Vector256<float>.Zero, Vector256.Create(TanhClamp));
            (Vector256<float> scale, Vector256<float> p) = ExpParts(a, -2f);
            Vector256<float> em1 = VectorMath.MultiplyAdd(scale, p, scale - Vector256<float>.One);   // e^−2|x| − 1
            return ((Vector256<float>.Zero - em1) / (em1 + Vector256.Create(2f))) | sign;   // 0 − em1, not −em1: +0 at x = +0
        }
    }

    /// <summary>σ(x) = 1 / (1 + e^−x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        if (X86Base.IsSupported && !Avx512F.VL.IsSupported && VectorConstants.Jit.Compiles)   // VectorConstants.InMemory, written out: one inlinee less per call
        {
            float* k = VectorConstants.Block;
            x = VectorMath.Clamp(x, Vector128.LoadAligned(k + Slot.NegativeSigmoidClamp), Vector128.LoadAligned(k + Slot.SigmoidClamp));   // NaN stays NaN
            (Vector128<float> scale, Vector128<float> p) = ExpParts(x, Vector128.LoadAligned(k + Slot.NegativeOne), Vector128.LoadAligned(k + Slot.NegativeLog2E), k);
            return Vector128.LoadAligned(k + Slot.One) / (VectorMath.MultiplyAdd(scale, p, scale) + Vector128.LoadAligned(k + Slot.One));
        }
        else
        {
            x = VectorMath.Clamp(x, Vector128.Create(-SigmoidClamp), Vector128.Create(SigmoidClamp));   // NaN stays NaN
            (Vector128<float> scale, Vector128<float> p) = ExpParts(x, -1f);
            Vector128<float> one = Vector128<float>.One;
            return one / (VectorMath.MultiplyAdd(scale, p, scale) + one);
        }
    }

    /// <summary>tanh(x) = −expm1(−2|x|) / (2 + expm1(−2|x|)), with the sign of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        if (X86Base.IsSupported && !Avx512F.VL.IsSupported && VectorConstants.Jit.Compiles)
        {
            float* k = VectorConstants.Block;
            Vector128<float> sign = x & Vector128.LoadAligned(k + Slot.SignBit);
            Vector128<float> a = VectorMath.Clamp(x & Vector128.LoadAligned(k + Slot.MagnitudeBits), Vector128<float>.Zero, Vector128.LoadAligned(k + Slot.TanhClamp));
            (Vector128<float> scale, Vector128<float> p) = ExpParts(a, Vector128.LoadAligned(k + Slot.NegativeTwo), Vector128.LoadAligned(k + Slot.NegativeTwoLog2E), k);
            Vector128<float> em1 = VectorMath.MultiplyAdd(scale, p, scale - Vector128.LoadAligned(k + Slot.One));   // e^−2|x| − 1
            return ((Vector128<float>.Zero - em1) / (em1 + Vector128.LoadAligned(k + Slot.Two))) | sign;   // 0 − em1, not −em1: +0 at x = +0
        }
        else
        {
            Vector128<float> sign = x & Vector128.Create(-0f);
            Vector128<float> a = Vector128.Abs(x);
            a = VectorMath.Clamp(a, Vector128<float>.Zero, Vector128.Create(TanhClamp));
            (Vector128<float> scale, Vector128<float> p) = ExpParts(a, -2f);
            Vector128<float> em1 = VectorMath.MultiplyAdd(scale, p, scale - Vector128<float>.One);
            return ((Vector128<float>.Zero - em1) / (em1 + Vector128.Create(2f))) | sign;
        }
    }

    /// <summary>σ(x) on the scalar path, clamped like the vector paths so it never returns a subnormal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-Math.Clamp(x, -SigmoidClamp, SigmoidClamp)));   // Clamp keeps NaN

    /// <summary>tanh(x) on the scalar path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>e^y = scale·(1 + p) for y = factor·x: scale = 2^n, p = e^r − 1, for y in [−160, 160] (callers clamp; factor is −1 or −2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Scale, Vector256<float> P) ExpParts(Vector256<float> x, float factor)
    {
        // factor·Log2E is exact (factor is ±2^k), so t is what y·Log2E + magic gives, but needs no wait for y.
        Vector256<float> y = x * Vector256.Create(factor);
        Vector256<float> magic = Vector256.Create(RoundingMagic);
        Vector256<float> t = VectorMath.MultiplyAdd(x, Vector256.Create(factor * Log2E), magic);
        Vector256<float> n = t - magic;                                                   // round(y / ln2)
        Vector256<int> exponent = t.AsInt32() - magic.AsInt32() + Vector256.Create(127);
        Vector256<float> scale = Vector256.ShiftLeft(exponent, 23).AsSingle();    // 2^n built from its exponent bits
        Vector256<float> r = VectorMath.MultiplyAdd(n, Vector256.Create(-Ln2Hi), y);
        r = VectorMath.MultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        // q = C2 + C3·r + … + C7·r⁵ by Estrin's scheme: three short chains instead of one Horner chain of five.
        Vector256<float> r2 = r * r;
        Vector256<float> c23 = VectorMath.MultiplyAdd(Vector256.Create(C3), r, Vector256.Create(C2));
        Vector256<float> c45 = VectorMath.MultiplyAdd(Vector256.Create(C5), r, Vector256.Create(C4));
        Vector256<float> c67 = VectorMath.MultiplyAdd(Vector256.Create(C7), r, Vector256.Create(C6));
        Vector256<float> q = VectorMath.MultiplyAdd(VectorMath.MultiplyAdd(c67, r2, c45), r2, c23);
        return (scale, VectorMath.MultiplyAdd(q, r2, r));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Scale, Vector512<float> P) ExpParts(Vector512<float> x, float factor)
    {
        // factor·Log2E is exact (factor is ±2^k), so t is what y·Log2E + magic gives, but needs no wait for y.
        Vector512<float> y = x * Vector512.Create(factor);
        Vector512<float> magic = Vector512.Create(RoundingMagic);
        Vector512<float> t = VectorMath.MultiplyAdd(x, Vector512.Create(factor * Log2E), magic);
        Vector512<float> n = t - magic;                                                   // round(y / ln2)
        Vector512<int> exponent = t.AsInt32() - magic.AsInt32() + Vector512.Create(127);
        Vector512<float> scale = Vector512.ShiftLeft(exponent, 23).AsSingle();    // 2^n built from its exponent bits
        Vector512<float> r = VectorMath.MultiplyAdd(n, Vector512.Create(-Ln2Hi), y);
        r = VectorMath.MultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        // q = C2 + C3·r + … + C7·r⁵ by Estrin's scheme: three short chains instead of one Horner chain of five.
        Vector512<float> r2 = r * r;
        Vector512<float> c23 = VectorMath.MultiplyAdd(Vector512.Create(C3), r, Vector512.Create(C2));
        Vector512<float> c45 = VectorMath.MultiplyAdd(Vector512.Create(C5), r, Vector512.Create(C4));
        Vector512<float> c67 = VectorMath.MultiplyAdd(Vector512.Create(C7), r, Vector512.Create(C6));
        Vector512<float> q = VectorMath.MultiplyAdd(VectorMath.MultiplyAdd(c67, r2, c45), r2, c23);
        return (scale, VectorMath.MultiplyAdd(q, r2, r));
    }

    /// <inheritdoc cref="ExpParts(Vector256{float}, float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Scale, Vector128<float> P) ExpParts(Vector128<float> x, float factor)
    {
        // factor·Log2E is exact (factor is ±2^k), so t is what y·Log2E + magic gives, but needs no wait for y.
        Vector128<float> y = x * Vector128.Create(factor);
        Vector128<float> magic = Vector128.Create(RoundingMagic);
        Vector128<float> t = VectorMath.MultiplyAdd(x, Vector128.Create(factor * Log2E), magic);
        Vector128<float> n = t - magic;
        Vector128<int> exponent = t.AsInt32() - magic.AsInt32() + Vector128.Create(127);
        Vector128<float> scale = Vector128.ShiftLeft(exponent, 23).AsSingle();
        Vector128<float> r = VectorMath.MultiplyAdd(n, Vector128.Create(-Ln2Hi), y);
        r = VectorMath.MultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        // q = C2 + C3·r + … + C7·r⁵ by Estrin's scheme: three short chains instead of one Horner chain of five.
        Vector128<float> r2 = r * r;
        Vector128<float> c23 = VectorMath.MultiplyAdd(Vector128.Create(C3), r, Vector128.Create(C2));
        Vector128<float> c45 = VectorMath.MultiplyAdd(Vector128.Create(C5), r, Vector128.Create(C4));
        Vector128<float> c67 = VectorMath.MultiplyAdd(Vector128.Create(C7), r, Vector128.Create(C6));
        Vector128<float> q = VectorMath.MultiplyAdd(VectorMath.MultiplyAdd(c67, r2, c45), r2, c23);
        return (scale, VectorMath.MultiplyAdd(q, r2, r));
    }

    /// <summary>ExpParts with its constants read from VectorConstants' block <paramref name="k"/>: the same operations, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Scale, Vector256<float> P) ExpParts(Vector256<float> x, Vector256<float> factor, Vector256<float> factorLog2E, float* k)
    {
        Vector256<float> y = x * factor;
        Vector256<float> t = VectorMath.MultiplyAdd(x, factorLog2E, Vector256.LoadAligned(k + Slot.RoundingMagic));
        Vector256<float> n = t - Vector256.LoadAligned(k + Slot.RoundingMagic);                     // round(y / ln2)
        Vector256<int> exponent = t.AsInt32() + Vector256.LoadAligned(k + Slot.ExponentBias).AsInt32();   // t's bits − magic's + 127
        Vector256<float> scale = Vector256.ShiftLeft(exponent, 23).AsSingle();
        Vector256<float> r = VectorMath.MultiplyAdd(n, Vector256.LoadAligned(k + Slot.NegativeLn2Hi), y);
        r = VectorMath.MultiplyAdd(n, Vector256.LoadAligned(k + Slot.NegativeLn2Lo), r);
        Vector256<float> r2 = r * r;
        Vector256<float> c23 = VectorMath.MultiplyAdd(Vector256.LoadAligned(k + Slot.C3), r, Vector256.LoadAligned(k + Slot.C2));
        Vector256<float> c45 = VectorMath.MultiplyAdd(Vector256.LoadAligned(k + Slot.C5), r, Vector256.LoadAligned(k + Slot.C4));
        Vector256<float> c67 = VectorMath.MultiplyAdd(Vector256.LoadAligned(k + Slot.C7), r, Vector256.LoadAligned(k + Slot.C6));
        Vector256<float> q = VectorMath.MultiplyAdd(VectorMath.MultiplyAdd(c67, r2, c45), r2, c23);
        return (scale, VectorMath.MultiplyAdd(q, r2, r));
    }

    /// <summary>ExpParts with its constants read from VectorConstants' block <paramref name="k"/>: the same operations, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Scale, Vector128<float> P) ExpParts(Vector128<float> x, Vector128<float> factor, Vector128<float> factorLog2E, float* k)
    {
        Vector128<float> y = x * factor;
        Vector128<float> t = VectorMath.MultiplyAdd(x, factorLog2E, Vector128.LoadAligned(k + Slot.RoundingMagic));
        Vector128<float> n = t - Vector128.LoadAligned(k + Slot.RoundingMagic);                     // round(y / ln2)
        Vector128<int> exponent = t.AsInt32() + Vector128.LoadAligned(k + Slot.ExponentBias).AsInt32();   // t's bits − magic's + 127
        Vector128<float> scale = Vector128.ShiftLeft(exponent, 23).AsSingle();
        Vector128<float> r = VectorMath.MultiplyAdd(n, Vector128.LoadAligned(k + Slot.NegativeLn2Hi), y);
        r = VectorMath.MultiplyAdd(n, Vector128.LoadAligned(k + Slot.NegativeLn2Lo), r);
        Vector128<float> r2 = r * r;
        Vector128<float> c23 = VectorMath.MultiplyAdd(Vector128.LoadAligned(k + Slot.C3), r, Vector128.LoadAligned(k + Slot.C2));
        Vector128<float> c45 = VectorMath.MultiplyAdd(Vector128.LoadAligned(k + Slot.C5), r, Vector128.LoadAligned(k + Slot.C4));
        Vector128<float> c67 = VectorMath.MultiplyAdd(Vector128.LoadAligned(k + Slot.C7), r, Vector128.LoadAligned(k + Slot.C6));
        Vector128<float> q = VectorMath.MultiplyAdd(VectorMath.MultiplyAdd(c67, r2, c45), r2, c23);
        return (scale, VectorMath.MultiplyAdd(q, r2, r));
    }
}
