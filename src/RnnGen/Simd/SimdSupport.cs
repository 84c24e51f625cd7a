using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>Which path this process takes.</summary>
public static class SimdSupport
{
    /// <summary>
    /// The widest accelerated vector width. Dispatch follows <see cref="Vector256.IsHardwareAccelerated"/>,
    /// not <c>Avx.IsSupported</c>, which stays true when the runtime is told not to use AVX2.
    /// </summary>
    public static SimdPath Widest =>
        Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>True when the vector paths use fused multiply-add (one rounding per a·b + c).</summary>
    public static bool FusedMultiplyAdd =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
}
