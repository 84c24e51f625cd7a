using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The live sequences' hoisted input projection (P[t, r] = W[r, :]·x_t + b[r], row-major W) on whatever path this host
/// runs: on x86 with Vector256, from 8 rows and up to 512 columns, the transposed product (tiles of 8 rows × 16 steps
/// where large layers take Vector512, × 8 steps otherwise and for a short last tile, any row count by overlapping the
/// last tile); else row dot products (Vector512 rows where accelerated and a row has 16 columns or more, else Vector256,
/// else scalar). Every entry within 2e-6 of Σ|w·x| + |b| of the double-precision sum, for column counts on both sides of
/// each vector width (tails masked, a lone odd column), row counts below, at and between multiples of 8, and step counts
/// around the tiles of 8 and 16 and the row dot products' blocks of four.
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

        foreach (int columns in new[] { 1, 13, 64, 100, 513 })
        {
            foreach (int steps in new[] { 1, 8, 9, 16, 17, 33 })
            {
                cases.Add(columns, 13, steps, true);
            }
        }

        cases.Add(100, 12, 8, false);
        cases.Add(64, 24, 21, false);
        cases.Add(64, 8, 16, true);
        return cases;
    }

    /// <summary>
    /// A step's projection is the same float wherever its block starts and whichever tile (16 or 8 steps) computes it: the
    /// projection of steps 5…37 equals the one of steps 0…37 from step 5 on, bit for bit, on the transposed product.
    /// </summary>
    [TransposedProjectionFact]
    public void AStepsProjectionDoesNotDependOnItsBlock()
    {
        const int rows = 20, columns = 37, steps = 38, offset = 5;
        Assert.True(InputProjection.Transposes(rows, columns));
        var random = new Random(7);
        float[] Values(int length) => [.. Enumerable.Range(0, length).Select(_ => 2 * random.NextSingle() - 1)];
        float[] weights = Values(rows * columns), bias = Values(rows), xs = Values(steps * columns);
        float[] whole = new float[steps * rows], later = new float[(steps - offset) * rows];

        InputProjection.Project(ref weights[0], ref bias[0], true, rows, columns, ref xs[0], columns, ref whole[0], steps);
        InputProjection.Project(ref weights[0], ref bias[0], true, rows, columns, ref xs[offset * columns], columns, ref later[0], steps - offset);

        Assert.Equal(whole.AsSpan(offset * rows).ToArray(), later);
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
