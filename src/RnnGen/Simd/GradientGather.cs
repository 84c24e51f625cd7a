using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Simd;

/// <summary>
/// The operand of the weight-gradient product dW += Σ_t da_t ⊗ x_t for a group of hidden units: each unit's gate
/// gradients over a block of steps, side by side, so the product broadcasts them from one L1 line per step instead of
/// one line per gate. The tape holds da gate by gate (row t: gate 0's units, then gate 1's, …); here a group of eight
/// units is transposed at once (four vector loads and eight 128-bit stores per step), not one value at a time.
/// </summary>
internal static class GradientGather
{
    /// <summary>Units per group: one 256-bit vector of each gate's row.</summary>
    public const int GroupUnits = 8;

    /// <summary>Floats per step of one unit in the gathered block: 4 for three or four gates (a 4-wide slot), else the gates.</summary>
    public static int StepStride(int gates) => gates >= 3 ? 4 : gates;

    /// <summary>
    /// dst[u·count·P + t·P + g] = da[t·daStride + g·gateStride + u] for u &lt; min(units, 8), t &lt; count, g &lt; gates,
    /// P = <see cref="StepStride"/>(gates). Unchecked: the caller has sized both buffers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(ref float da, nint daStride, nint gateStride, int gates, nint count, nint units, ref float dst)
    {
        int p = StepStride(gates);
        nint unitStride = count * p;
        if (Avx.IsSupported && p == 4 && units >= GroupUnits)
        {
            for (nint t = 0; t < count; t++)
            {
                ref float row = ref Unsafe.Add(ref da, t * daStride);
                Vector256<float> g0 = Vector256.LoadUnsafe(ref row);
                Vector256<float> g1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref row, gateStride));
                Vector256<float> g2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref row, 2 * gateStride));
                Vector256<float> g3 = gates == 4 ? Vector256.LoadUnsafe(ref Unsafe.Add(ref row, 3 * gateStride)) : Vector256<float>.Zero;

                // A 4 × 8 transpose within each 128-bit half: lane half k of u_s holds unit s + 4k's four gates.
                Vector256<float> lo01 = Avx.UnpackLow(g0, g1), hi01 = Avx.UnpackHigh(g0, g1);
                Vector256<float> lo23 = Avx.UnpackLow(g2, g3), hi23 = Avx.UnpackHigh(g2, g3);
                Vector256<float> u0 = Avx.Shuffle(lo01, lo23, 0x44), u1 = Avx.Shuffle(lo01, lo23, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(hi01, hi23, 0x44), u3 = Avx.Shuffle(hi01, hi23, 0xEE);

                ref float o = ref Unsafe.Add(ref dst, t * 4);
                u0.GetLower().StoreUnsafe(ref o);
                u1.GetLower().StoreUnsafe(ref Unsafe.Add(ref o, unitStride));
                u2.GetLower().StoreUnsafe(ref Unsafe.Add(ref o, 2 * unitStride));
                u3.GetLower().StoreUnsafe(ref Unsafe.Add(ref o, 3 * unitStride));
                u0.GetUpper().StoreUnsafe(ref Unsafe.Add(ref o, 4 * unitStride));
                u1.GetUpper().StoreUnsafe(ref Unsafe.Add(ref o, 5 * unitStride));
                u2.GetUpper().StoreUnsafe(ref Unsafe.Add(ref o, 6 * unitStride));
                u3.GetUpper().StoreUnsafe(ref Unsafe.Add(ref o, 7 * unitStride));
            }

            return;
        }

        nint group = units < GroupUnits ? units : GroupUnits;
        for (nint u = 0; u < group; u++)
        {
            ref float source = ref Unsafe.Add(ref da, u);
            ref float target = ref Unsafe.Add(ref dst, u * unitStride);
            for (nint t = 0; t < count; t++)
            {
                for (int g = 0; g < gates; g++)
                {
                    Unsafe.Add(ref target, t * p + g) = Unsafe.Add(ref source, t * daStride + g * gateStride);
                }
            }
        }
    }
}
