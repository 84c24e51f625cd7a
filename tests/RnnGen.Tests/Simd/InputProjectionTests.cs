using RnnGen.Simd;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The live sequences' hoisted input projection (P[t, r] = W[r, :]·x_t + b[r], row-major W) on whatever path this host
/// runs (Vector512 rows where it is accelerated, not opted out, and a row has 16 columns or more, else Vector256, else scalar): every
/// entry within 1e-6 of Σ|w·x| + |b| of the double-precision sum, for column counts on both sides of each vector
/// width (tails masked), an odd row count (a last lone row) and step counts around its blocks of four.
/// </summary>
public sealed class InputProjectionTests
{
    private const double Bound = 2e-6;

    public static TheoryData<int, int, int, bool> Cases()
    {
        var cases = new TheoryData<int, int, int, bool>();
        foreach (int columns in new[] { 3, 8, 13, 16, 20, 64, 100 })
        {
            foreach (int steps in new[] { 1, 4, 7, 9 })
            {
                cases.Add(columns, 7, steps, true);
            }
        }

        cases.Add(100, 12, 8, false);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryEntryIsTheRowDotProductWithinRounding(int columns, int rows, int steps, bool hasBias)
    {
        int xStride = columns + 3;
        var random = new Random(columns * 1000 + rows * 10 + steps);
        float[] Values(int length, float scale) => [.. Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextSingle() - 1))];
        float[] weights = Values(rows * columns, 4f), bias = Values(rows, 1f), xs = Values(steps * xStride, 2f);
        float[] dest = new float[steps * rows];

        InputProjection.Project(ref weights[0], ref bias[0], hasBias, rows, columns, ref xs[0], xStride, ref dest[0], steps);

        for (int t = 0; t < steps; t++)
        {
            for (int r = 0; r < rows; r++)
            {
                double exact = hasBias ? bias[r] : 0, magnitude = hasBias ? Math.Abs(bias[r]) : 0;
                for (int k = 0; k < columns; k++)
                {
                    double term = (double)weights[r * columns + k] * xs[t * xStride + k];
                    exact += term;
                    magnitude += Math.Abs(term);
                }

                double error = Math.Abs(dest[t * rows + r] - exact);
                Assert.True(error <= Bound * magnitude, $"({columns} columns, {steps} steps) P[{t}, {r}] = {dest[t * rows + r]}, exact {exact}: error {error:E2} > {Bound} · {magnitude:F3}");
            }
        }
    }
}
