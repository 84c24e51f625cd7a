using RnnGen.Simd;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The weight-gradient product's gather (<see cref="GradientGather"/>): every unit's gate gradients over a block of steps,
/// unit by unit, exactly as read from the tape's gate-by-gate rows. Three or four gates take the vector transpose where
/// AVX is supported and the group is full; fewer gates, a short last group and other hosts take the scalar loop: both
/// must place every value where the product reads it (the padded fourth slot of three gates is never read).
/// </summary>
public sealed class GradientGatherTests
{
    [Theory]
    [InlineData(4, 8, 25)]
    [InlineData(4, 8, 1)]
    [InlineData(4, 5, 7)]
    [InlineData(3, 8, 32)]
    [InlineData(3, 3, 4)]
    [InlineData(2, 8, 9)]
    [InlineData(1, 8, 64)]
    [InlineData(1, 6, 2)]
    public void Gather_PlacesEveryGateOfEveryUnitAndStep(int gates, int units, int count)
    {
        const int gateStride = 24, daStride = 4 * gateStride + 5;   // rows wider than the gates, as with a projection's rows
        var da = new float[count * daStride + 4 * gateStride + 8];
        for (int i = 0; i < da.Length; i++)
        {
            da[i] = i + 0.25f;   // each value distinct, so a misplaced one shows
        }

        int slot = GradientGather.StepStride(gates);
        Assert.Equal(gates >= 3 ? 4 : gates, slot);
        var dst = new float[GradientGather.GroupUnits * count * slot];
        Array.Fill(dst, float.NaN);
        const int firstUnit = 3;
        GradientGather.Gather(ref da[firstUnit], daStride, gateStride, gates, count, units, ref dst[0]);

        for (int u = 0; u < Math.Min(units, GradientGather.GroupUnits); u++)
        {
            for (int t = 0; t < count; t++)
            {
                for (int g = 0; g < gates; g++)
                {
                    float expected = da[firstUnit + t * daStride + g * gateStride + u];
                    Assert.True(expected == dst[u * count * slot + t * slot + g], $"unit {u}, step {t}, gate {g}: expected {expected}, got {dst[u * count * slot + t * slot + g]}");
                }
            }
        }

        // Nothing is written past the group's units.
        for (int i = Math.Min(units, GradientGather.GroupUnits) * count * slot; i < dst.Length; i++)
        {
            Assert.True(float.IsNaN(dst[i]), $"dst[{i}] written beyond the last unit");
        }
    }
}
