using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using RnnGen.Simd;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// The SIMD path this process must take, worked out from the runtime knobs CI sets (.ci/run) and the instruction sets
/// the CPU reports, not from <c>Vector256.IsHardwareAccelerated</c>, which the generated dispatch itself reads: so a
/// test that compares a generated ActivePath with it fails if dispatch ignores a knob or picks a path by mistake.
/// </summary>
/// <remarks>
/// DOTNET_EnableHWIntrinsic=0 leaves scalar code only. DOTNET_EnableAVX2=0 (or EnableAVX=0) and
/// DOTNET_PreferredVectorBitWidth below 256 leave 128-bit vectors. 512-bit vectors need AVX-512 F, BW, CD, DQ and VL;
/// DOTNET_EnableAVX512=0 (.NET 10's knob: it ignores the older per-subset EnableAVX512F) or a preferred width below 512
/// leave 256-bit vectors. With no preferred width set, the runtime itself prefers 256 on CPUs whose 512-bit
/// instructions lower the clock (Skylake-X to Cascade Lake); this model assumes a CPU that does not (Zen 4, Ice Lake and later).
/// </remarks>
internal static class SimdEnvironment
{
    /// <summary>
    /// The widest path the knobs and the CPU allow generated classes (SimdSupport.Widest): Vector512 wherever large layers
    /// take it (<see cref="LargeLayersOnVector512"/>).
    /// </summary>
    public static SimdPath Widest => LargeLayersOnVector512 ? SimdPath.Vector512 : WidestForSmallLayers;

    /// <summary>
    /// The widest path of a class with small layers, or a dense layer: Vector512 only where RNNGEN_VECTOR512=1 opts in
    /// (<see cref="AllOnVector512"/>).
    /// </summary>
    public static SimdPath WidestForSmallLayers
    {
        get
        {
            if (Knob("EnableHWIntrinsic") == 0)
            {
                return SimdPath.Scalar;
            }

            if (!X86Base.IsSupported)
            {
                return AdvSimd.IsSupported ? SimdPath.Vector128 : SimdPath.Scalar;   // Arm64 has 128-bit vectors only
            }

            bool avx2 = Avx2.IsSupported && Knob("EnableAVX") != 0 && Knob("EnableAVX2") != 0;
            int preferredWidth = Knob("PreferredVectorBitWidth") ?? 0;   // 0: the runtime's default
            return AllOnVector512 ? SimdPath.Vector512   // RnnGen's opt-in
                : avx2 && (preferredWidth == 0 || preferredWidth >= 256) ? SimdPath.Vector256
                : SimdPath.Vector128;
        }
    }

    /// <summary>
    /// Whether the kernels of large layers must run Vector512 (training kernels from 64 hidden units, forward kernels from
    /// 64 in a GRU and 96 in an LSTM): wherever the knobs and the CPU allow 512-bit vectors, unless RNNGEN_VECTOR512=0 opts out.
    /// </summary>
    public static bool LargeLayersOnVector512 => Accelerates512 && Environment.GetEnvironmentVariable("RNNGEN_VECTOR512") != "0";

    /// <summary>Whether every generated class's kernels must run Vector512: 512-bit vectors allowed and RNNGEN_VECTOR512=1.</summary>
    public static bool AllOnVector512 => Accelerates512 && Environment.GetEnvironmentVariable("RNNGEN_VECTOR512") == "1";

    /// <summary>Whether a layer's forward kernels take Vector512 by default (Width.ForwardVector512Hidden): from 64 GRU or 96 LSTM units.</summary>
    public static bool IsLargeLayer(CellKind kind, int hidden) => hidden >= (kind == CellKind.Lstm ? 96 : 64);

    /// <summary>The path of a generated cell's or model's forward kernels: as a large layer's (<see cref="IsLargeLayer"/>) or a small one's.</summary>
    public static SimdPath PathFor(CellKind kind, int hidden) =>
        IsLargeLayer(kind, hidden) ? Widest : PathFor(hidden);

    /// <summary>512-bit vectors: AVX-512 F, BW, CD, DQ and VL with AVX2, none turned off, no preferred width below 512.</summary>
    private static bool Accelerates512
    {
        get
        {
            int preferredWidth = Knob("PreferredVectorBitWidth") ?? 0;
            return Knob("EnableHWIntrinsic") != 0 && X86Base.IsSupported
                && Avx2.IsSupported && Knob("EnableAVX") != 0 && Knob("EnableAVX2") != 0
                && Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported
                && Knob("EnableAVX512") != 0 && (preferredWidth == 0 || preferredWidth >= 512);
        }
    }

    /// <summary>
    /// The path of a generated class with small layers whose kernels step through <paramref name="units"/> values a vector
    /// at a time (a cell's or model's hidden size, a dense layer's input size): a vector path needs at least its lane count.
    /// </summary>
    public static SimdPath PathFor(int units) => PathFor(units, WidestForSmallLayers);

    /// <summary>The path of such a class when <paramref name="widest"/> is the widest accelerated path: 16, 8 or 4 lanes need as many units.</summary>
    public static SimdPath PathFor(int units, SimdPath widest) =>
        units >= 16 ? widest
        : units >= 8 ? Narrower(widest, SimdPath.Vector256)
        : units >= 4 ? Narrower(widest, SimdPath.Vector128)
        : SimdPath.Scalar;

    private static SimdPath Narrower(SimdPath a, SimdPath b) => (SimdPath)Math.Min((int)a, (int)b);

    /// <summary>A DOTNET_ (or legacy COMPlus_) setting as the runtime reads it (decimal for these knobs), null when unset.</summary>
    private static int? Knob(string name)
    {
        string? value = Environment.GetEnvironmentVariable("DOTNET_" + name) ?? Environment.GetEnvironmentVariable("COMPlus_" + name);
        return int.TryParse(value, out int parsed) ? parsed : null;
    }
}
