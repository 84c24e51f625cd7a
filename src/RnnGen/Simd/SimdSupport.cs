using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>Which path this process takes.</summary>
public static class SimdSupport
{
    /// <summary>
    /// The widest accelerated vector width. Dispatch follows <see cref="Vector512.IsHardwareAccelerated"/> and
    /// <see cref="Vector256.IsHardwareAccelerated"/>, not <c>Avx512F.IsSupported</c> or <c>Avx.IsSupported</c>, which stay
    /// true when the runtime is told to prefer narrower vectors. A generated class whose hidden units do not fill a
    /// vector takes a narrower path than this (its <c>ActivePath</c> says which).
    /// </summary>
    public static SimdPath Widest =>
        Vector512.IsHardwareAccelerated ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>True when the vector paths use fused multiply-add (one rounding per a·b + c).</summary>
    public static bool FusedMultiplyAdd =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
}
