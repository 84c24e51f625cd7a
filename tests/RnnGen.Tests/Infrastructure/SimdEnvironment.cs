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
/// DOTNET_PreferredVectorBitWidth below 256 leave 128-bit vectors. DOTNET_EnableAVX512F only concerns Vector512,
/// which no kernel uses, so it changes nothing here.
/// </remarks>
internal static class SimdEnvironment
{
    /// <summary>The widest path the knobs and the CPU allow.</summary>
    public static SimdPath Widest
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
            return avx2 && (preferredWidth == 0 || preferredWidth >= 256) ? SimdPath.Vector256 : SimdPath.Vector128;
        }
    }

    /// <summary>
    /// The path of a generated class whose kernels step through <paramref name="units"/> values a vector at a time
    /// (a cell's or model's hidden size, a dense layer's input size): a vector path needs at least its lane count.
    /// </summary>
    public static SimdPath PathFor(int units) =>
        units >= 8 ? Widest
        : units >= 4 ? (SimdPath)Math.Min((int)Widest, (int)SimdPath.Vector128)
        : SimdPath.Scalar;

    /// <summary>A DOTNET_ (or legacy COMPlus_) setting as the runtime reads it (decimal for these knobs), null when unset.</summary>
    private static int? Knob(string name)
    {
        string? value = Environment.GetEnvironmentVariable("DOTNET_" + name) ?? Environment.GetEnvironmentVariable("COMPlus_" + name);
        return int.TryParse(value, out int parsed) ? parsed : null;
    }
}
