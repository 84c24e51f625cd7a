using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The hoisted input projection of a packed frozen sequence gives, on each vector width, exactly the floats of a scalar
/// loop that starts each gate row from its bias and adds the columns in order (fused where the vector paths fuse), so
/// a frozen <c>Forward</c> does not depend on whether the CPU has AVX-512.
/// </summary>
public sealed class PackedInputProjectionTests
{
    private delegate void Projection(
        ref float weights, int tileWeights, ref float biases, int tileBiases, int tiles, int width, int inputs, ref float xs, int xStride, ref float dest, int steps);

    /// <summary>Widths of a tile's column: 16-unit tiles of a GRU (48) and an LSTM (64), 8-unit ones (24, 32), and the short ones.</summary>
    public static TheoryData<int, int> Vector512Cases() => Cases([16, 32, 48, 64]);

    public static TheoryData<int, int> Vector256Cases() => Cases([8, 16, 24, 32, 48, 64]);

    [AcceleratedVector512Theory]
    [MemberData(nameof(Vector512Cases))]
    public void Vector512BodyGivesTheScalarSumsBitForBit(int width, int steps) =>
        AssertMatchesScalarSums(PackedInputProjection.Project512, width, steps);

    [Theory]
    [MemberData(nameof(Vector256Cases))]
    public void Vector256BodyGivesTheScalarSumsBitForBit(int width, int steps) =>
        AssertMatchesScalarSums(PackedInputProjection.Project256, width, steps);

    [Theory]
    [MemberData(nameof(Vector256Cases))]
    public void DispatchedProjectionGivesTheScalarSumsBitForBit(int width, int steps) =>
        AssertMatchesScalarSums(PackedInputProjection.Project, width, steps);

    private static TheoryData<int, int> Cases(int[] widths)
    {
        var cases = new TheoryData<int, int>();
        foreach (int width in widths)
        {
            foreach (int steps in new[] { 1, 4, 7, 9 })   // blocks of four steps and the steps after them
            {
                cases.Add(width, steps);
            }
        }

        return cases;
    }

    private static void AssertMatchesScalarSums(Projection project, int width, int steps)
    {
        const int Tiles = 3, Inputs = 13, XStride = Inputs + 2, TileBiases = 64;
        int tileWeights = (Inputs + 5) * width;   // a tile's W_ih columns, then (here unused) W_hh columns
        var random = new Random(width * 100 + steps);
        float[] Values(int length, float scale) => [.. Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextSingle() - 1))];
        float[] weights = Values(Tiles * tileWeights, 4f);
        float[] biases = Values(Tiles * TileBiases, 1f);
        float[] xs = Values(steps * XStride, 2f);
        float[] dest = new float[steps * Tiles * width];

        project(ref weights[0], tileWeights, ref biases[0], TileBiases, Tiles, width, Inputs, ref xs[0], XStride, ref dest[0], steps);

        float[] expected = new float[dest.Length];
        for (int t = 0; t < steps; t++)
        {
            for (int tile = 0; tile < Tiles; tile++)
            {
                for (int j = 0; j < width; j++)
                {
                    float sum = biases[tile * TileBiases + j];
                    for (int k = 0; k < Inputs; k++)
                    {
                        float w = weights[tile * tileWeights + k * width + j], x = xs[t * XStride + k];
                        sum = SimdSupport.FusedMultiplyAdd ? MathF.FusedMultiplyAdd(w, x, sum) : w * x + sum;
                    }

                    expected[t * Tiles * width + tile * width + j] = sum;
                }
            }
        }

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), dest.Select(BitConverter.SingleToInt32Bits));
    }
}
