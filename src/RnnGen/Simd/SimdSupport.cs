using System.Runtime.Intrinsics;

namespace RnnGen.Simd;

/// <summary>Which path this process takes.</summary>
public static class SimdSupport
{
    /// <summary>
    /// Whether generated classes take their Vector512 renderings (cell and model steps, batched and hoisted steps, the
    /// dense head, and the training kernels of classes under 64 hidden units): only where Vector512 is accelerated and the
    /// process opts in, with the AppContext switch <c>RnnGen.Simd.Vector512</c> (e.g. <c>&lt;RuntimeHostConfigurationOption Include="RnnGen.Simd.Vector512"
    /// Value="true" /&gt;</c>) or the environment variable <c>RNNGEN_VECTOR512=1</c>; where both are set, the switch wins
    /// (set to false it opts out even with <c>RNNGEN_VECTOR512=1</c>). Off by default because on an AMD
    /// Zen 4 the cell's step is no faster on those renderings than on Vector256 (the training kernels from 64 units are:
    /// <see cref="Vector512Training"/>; docs/performance.md, "Vector512"). A frozen snapshot's packed single-stream step and its hoisted sequence step take
    /// their Vector512 bodies wherever Vector512 is accelerated: they measured faster, and give the 256-bit bodies' results
    /// bit for bit. A live sequence's hoisted input projection follows <see cref="Vector512Projection"/>.
    /// </summary>
    public static bool Vector512Kernels { get; } = Vector512.IsHardwareAccelerated && Choice() == true;

    /// <summary>
    /// Whether the training kernels of generated classes with 64 hidden units or more (one step back, batched or not,
    /// and the parameter gradients of a sequence) take their Vector512 renderings: wherever Vector512 is accelerated,
    /// unless the process opts out with the AppContext switch <c>RnnGen.Simd.Vector512</c> set to false or
    /// <c>RNNGEN_VECTOR512=0</c> (the switch wins where both are set). On by default because on a Zen 4 whole training
    /// steps took 0.86–0.92× their Vector256 time from 128 hidden units and 0.88–0.99× at 64 (docs/performance.md,
    /// "Training kernels on Vector512 by default"); the forward kernels keep <see cref="Vector512Kernels"/>.
    /// </summary>
    public static bool Vector512Training { get; } = Vector512.IsHardwareAccelerated && Choice() != false;

    /// <summary>
    /// Whether the input projection a live sequence hoists (InputProjection: row dot products, two rows against four
    /// steps) takes Vector512 rows: as <see cref="Vector512Training"/>, wherever Vector512 is accelerated unless the
    /// process opts out, whatever path the steps take. On a Zen 4 the live Forward took 0.73–0.79 of its Step at
    /// (128,256) with them, 0.77–0.82 on 256-bit rows (docs/performance.md, "Live sequences hoisted from 256 KB").
    /// </summary>
    internal static bool Vector512Projection { get; } = Vector512.IsHardwareAccelerated && Choice() != false;

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
    /// The widest vector width generated classes take (<see cref="Vector512Kernels"/>, then the widest accelerated one),
    /// except that training kernels from 64 hidden units follow <see cref="Vector512Training"/> and a frozen snapshot's
    /// packed steps take Vector512 wherever it is accelerated. Dispatch follows <see cref="Vector512.IsHardwareAccelerated"/> and
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
