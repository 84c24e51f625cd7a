using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>Which path this process takes.</summary>
public static class SimdSupport
{
    /// <summary>
    /// Whether generated classes take their Vector512 renderings (cell and model steps, batched, hoisted and backward
    /// steps, parameter gradients, the dense head): only where Vector512 is accelerated and the process opts in, with the
    /// AppContext switch <c>RnnGen.Simd.Vector512</c> (e.g. <c>&lt;RuntimeHostConfigurationOption Include="RnnGen.Simd.Vector512"
    /// Value="true" /&gt;</c>) or the environment variable <c>RNNGEN_VECTOR512=1</c>. Off by default because on an AMD
    /// Zen 4 the cell's step is no faster on those renderings than on Vector256 (training at H ≥ 128 is:
    /// docs/performance.md, "Vector512"). A frozen snapshot's packed single-stream step and its hoisted sequence step take
    /// their Vector512 bodies wherever Vector512 is accelerated: they measured faster, and give the 256-bit bodies' results
    /// bit for bit.
    /// </summary>
    public static bool Vector512Kernels { get; } = Vector512.IsHardwareAccelerated
        && ((AppContext.TryGetSwitch("RnnGen.Simd.Vector512", out bool enabled) && enabled)
            || Environment.GetEnvironmentVariable("RNNGEN_VECTOR512") == "1");

    /// <summary>
    /// The widest vector width generated classes take (<see cref="Vector512Kernels"/>, then the widest accelerated one). Dispatch follows <see cref="Vector512.IsHardwareAccelerated"/> and
    /// <see cref="Vector256.IsHardwareAccelerated"/>, not <c>Avx512F.IsSupported</c> or <c>Avx.IsSupported</c>, which stay
    /// true when the runtime is told to prefer narrower vectors. A generated class whose hidden units do not fill a
    /// vector takes a narrower path than this (its <c>ActivePath</c> says which).
    /// </summary>
    public static SimdPath Widest =>
        Vector512Kernels ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>True when the vector paths use fused multiply-add (one rounding per a·b + c).</summary>
    public static bool FusedMultiplyAdd =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
}
