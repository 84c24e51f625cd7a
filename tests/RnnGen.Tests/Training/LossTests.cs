using RnnGen.Training;
using Xunit;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Training;

/// <summary>
/// Each loss's gradient against central differences of its own value (in double, h = 1e-5: truncation ~h²·L''' ≈ 1e-10,
/// rounding ~1e-16/h ≈ 1e-11; tolerance 1e-7·max(1, |g|)), its value against the textbook formula, and the stable
/// forms on inputs where a naive formula overflows.
/// </summary>
public class LossTests
{
    private const double Step = 1e-5, Tolerance = 1e-7;

    private delegate double LossFunction(ReadOnlySpan<double> x, Span<double> gradient);

    [Fact]
    public void MeanSquaredErrorGradientMatchesFiniteDifferences()
    {
        double[] targets = Uniform<double>(new Random(1), 11, 2);
        CheckGradient((x, g) => Loss.MeanSquaredError<double>(x, targets, g), Uniform<double>(new Random(2), 11, 3));
    }

    [Fact]
    public void SoftmaxCrossEntropyGradientMatchesFiniteDifferences()
    {
        int[] targets = [2, 0, 4, 1];
        CheckGradient((x, g) => Loss.SoftmaxCrossEntropy<double>(x, targets, g), Uniform<double>(new Random(3), 4 * 5, 4));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsGradientMatchesFiniteDifferences()
    {
        double[] targets = [0, 1, 1, 0, 0.3, 1, 0];
        double[] logits = [-3, 2.5, -0.7, 0.01, 1.5, -8, 8];   // both signs and both branches of the stable σ
        CheckGradient((x, g) => Loss.BinaryCrossEntropyWithLogits<double>(x, targets, g), logits);
    }

    [Fact]
    public void ValuesAreTheTextbookFormulas()
    {
        Assert.Equal(((1.0 - 0.5) * (1.0 - 0.5) + (-2.0 - 1.0) * (-2.0 - 1.0)) / 2, Loss.MeanSquaredError<double>([1.0, -2], [0.5, 1], default), 15);

        // Two rows of three classes: mean of −log softmax at the target.
        double[] z = [1, 2, 3, 0.5, -1, 0];
        double row0 = -Math.Log(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        double row1 = -Math.Log(Math.Exp(0.5) / (Math.Exp(0.5) + Math.Exp(-1) + Math.Exp(0)));
        Assert.Equal((row0 + row1) / 2, Loss.SoftmaxCrossEntropy<double>(z, [2, 0], default), 14);

        double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        double expected = -(Math.Log(Sigmoid(0.8)) + Math.Log(1 - Sigmoid(-1.2))) / 2;
        Assert.Equal(expected, Loss.BinaryCrossEntropyWithLogits<double>([0.8, -1.2], [1.0, 0], default), 14);
    }

    /// <summary>Logits of ±1000 (e^1000 overflows double, e^89 float): the stable forms stay finite and exact.</summary>
    [Fact]
    public void LargeLogitsNeitherOverflowNorLosePrecision()
    {
        float[] gradient = new float[3];
        float ce = Loss.SoftmaxCrossEntropy<float>([1000f, 999f, -1000f], [1], gradient);
        Assert.Equal(1 + MathF.Log(1 + MathF.Exp(-1)), ce, 3);   // log(e^1000 + e^999) − 999, to float's 6e-5 resolution at 1000
        Assert.All(gradient, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(1 / (1 + MathF.Exp(-1)), gradient[0], 6);
        Assert.Equal(0f, gradient[2]);

        float bce = Loss.BinaryCrossEntropyWithLogits<float>([1000f, -1000f, 100f], [0f, 1f, 1f], gradient);
        Assert.Equal(2000f / 3, bce, 2);                          // the two confident mistakes cost |x| each
        Assert.Equal([1f / 3, -1f / 3, 0f], gradient);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentException>("targets", () => Loss.MeanSquaredError<float>([1f, 2], [1f], default));
        Assert.Throws<ArgumentException>("gradient", () => Loss.MeanSquaredError<float>([1f, 2], [1f, 2], new float[1]));
        Assert.Throws<ArgumentException>("predictions", () => Loss.MeanSquaredError<float>([], [], default));
        Assert.Throws<ArgumentException>("targets", () => Loss.SoftmaxCrossEntropy<float>([1f, 2, 3, 4], [0, 2], default));
        Assert.Throws<ArgumentException>("logits", () => Loss.SoftmaxCrossEntropy<float>([1f, 2, 3], [0, 1], default));
    }

    private static void CheckGradient(LossFunction loss, double[] x)
    {
        double[] analytic = new double[x.Length];
        loss(x, analytic);
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + Step;
            double plus = loss(x, default);
            x[i] = saved - Step;
            double minus = loss(x, default);
            x[i] = saved;
            double numeric = (plus - minus) / (2 * Step);
            Assert.True(Math.Abs(analytic[i] - numeric) <= Tolerance * Math.Max(1, Math.Abs(numeric)), $"[{i}]: analytic {analytic[i]:R}, numeric {numeric:R}");
        }
    }
}
