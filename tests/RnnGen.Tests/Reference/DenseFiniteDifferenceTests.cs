using RnnGen.Reference;
using Xunit;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The reference dense layer's Backward against central differences of L = Σ outputs⊙R over several input vectors.
/// L is linear in every parameter and input, so central differences are exact up to rounding: with h = 1e-3 the
/// measured error is ~1e-12, and the tolerance 1e-9·max(1, |g|) still catches any missing or misplaced term.
/// </summary>
public sealed class DenseFiniteDifferenceTests
{
    private const double Step = 1e-3, Tolerance = 1e-9;

    [Theory]
    [InlineData(3, 2, 4)]
    [InlineData(13, 5, 3)]
    [InlineData(1, 7, 2)]
    public void EveryGradientEntryMatches(int input, int output, int rows)
    {
        var layer = new ReferenceDense<double>(input, output, new Random(5));
        var random = new Random(6);
        double[] x = Uniform<double>(random, rows * input, 2), r = Uniform<double>(random, rows * output, 1);

        double[] dx = new double[x.Length], dp = new double[layer.ParameterCount];
        layer.Backward(x, r, dx, dp);   // dL/dy = R

        for (int i = 0; i < layer.ParameterCount; i++)
        {
            double saved = layer.Parameters[i];
            layer.Parameters[i] = saved + Step;
            double plus = Loss(layer, x, r);
            layer.Parameters[i] = saved - Step;
            double minus = Loss(layer, x, r);
            layer.Parameters[i] = saved;
            AssertClose(dp[i], (plus - minus) / (2 * Step), $"parameter {i}");
        }

        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + Step;
            double plus = Loss(layer, x, r);
            x[i] = saved - Step;
            double minus = Loss(layer, x, r);
            x[i] = saved;
            AssertClose(dx[i], (plus - minus) / (2 * Step), $"input {i}");
        }
    }

    private static double Loss(ReferenceDense<double> layer, double[] x, double[] r)
    {
        double[] y = new double[r.Length];
        layer.Forward(x, y);
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += y[i] * r[i];
        }

        return sum;
    }

    private static void AssertClose(double analytic, double numeric, string what) =>
        Assert.True(Math.Abs(analytic - numeric) <= Tolerance * Math.Max(1, Math.Abs(numeric)), $"{what}: analytic {analytic:R}, numeric {numeric:R}");
}
