using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>Which path this process takes.</summary>
public static class SimdSupport
{
    /// <summary>
    /// Whether every generated class takes its Vector512 renderings (cell and model steps, batched and hoisted steps, the
    /// dense head, and training kernels) where Vector512 is accelerated, however small its layers: only where the process
    /// opts in, with the AppContext switch <c>RnnGen.Simd.Vector512</c> (e.g. <c>&lt;RuntimeHostConfigurationOption Include="RnnGen.Simd.Vector512"
    /// Value="true" /&gt;</c>) or the environment variable <c>RNNGEN_VECTOR512=1</c>; where both are set, the switch wins
    /// (set to false it opts out even with <c>RNNGEN_VECTOR512=1</c>). Large layers take them by default
    /// (<see cref="Vector512LargeLayers"/>); small ones only when opted in because their steps are no faster on those
    /// renderings than on Vector256 (docs/performance.md, "Vector512"). A frozen snapshot's packed
    /// single-stream step and its hoisted sequence step take their Vector512 bodies wherever Vector512 is accelerated:
    /// they measured faster, and give the 256-bit bodies' results bit for bit.
    /// </summary>
    public static bool Vector512Kernels { get; } = Vector512.IsHardwareAccelerated && Choice() == true;

    /// <summary>
    /// Whether the kernels of large layers take their Vector512 renderings: wherever Vector512 is accelerated, unless the
    /// process opts out with the AppContext switch <c>RnnGen.Simd.Vector512</c> set to false or <c>RNNGEN_VECTOR512=0</c>
    /// (the switch wins where both are set). Large means from 64 hidden units for the training kernels (one step back,
    /// batched or not, and the parameter gradients), and for the forward kernels (Step, batched and hoisted steps) from 64
    /// units in a GRU and 96 in an LSTM. On a Zen 4 whole training steps took 0.86–0.99× their Vector256 time there; on a
    /// Zen 5 cell steps 0.75–0.88× (GRU) and 0.92–0.95× (LSTM) (docs/performance.md, "Forward kernels of large layers on
    /// Vector512 by default").
    /// A live sequence's hoisted input projection takes Vector512 tiles of 16 steps under the same rule, whatever path the
    /// steps take.
    /// </summary>
    public static bool Vector512LargeLayers { get; } = Vector512.IsHardwareAccelerated && Choice() != false;

    /// <summary>The process's choice of Vector512 kernels: true opted in, false opted out, null unsaid. The switch wins.</summary>
    private static bool? Choice() => Choose(
        AppContext.TryGetSwitch("RnnGen.Simd.Vector512", out bool enabled) ? enabled : null,
        Environment.GetEnvironmentVariable("RNNGEN_VECTOR512"));

    /// <summary><see cref="Choice"/> from the switch's value (null when not set) and the environment variable's.</summary>
    internal static bool? Choose(bool? appContextSwitch, string? environment) =>
        appContextSwitch ?? environment switch
        {
            "1" => true,
            "0" => false,
            _ => null,
        };

    /// <summary>
    /// The widest vector width generated classes take: Vector512 where large layers take it (<see cref="Vector512LargeLayers"/>),
    /// else the widest accelerated one; a frozen snapshot's packed steps take Vector512 wherever it is accelerated.
    /// Dispatch follows <see cref="Vector512.IsHardwareAccelerated"/> and <see cref="Vector256.IsHardwareAccelerated"/>,
    /// not <c>Avx512F.IsSupported</c> or <c>Avx.IsSupported</c>, which stay true when the runtime is told to prefer
    /// narrower vectors. A generated class whose layers are small (unless opted in: <see cref="Vector512Kernels"/>) or
    /// whose hidden units do not fill a vector takes a narrower path than this (its <c>ActivePath</c> says which).
    /// </summary>
    public static SimdPath Widest =>
        Vector512LargeLayers ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>True when the vector paths use fused multiply-add (one rounding per a·b + c).</summary>
    public static bool FusedMultiplyAdd =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
}
