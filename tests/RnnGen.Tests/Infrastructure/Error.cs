namespace RnnGen.Tests.Infrastructure;

/// <summary>How far a result is from the truth, scaled so one bound fits tensors of any magnitude.</summary>
public static class Error
{
    /// <summary>
    /// max|a − b| ÷ max|b|, with b the truth (the float64 PyTorch result). Dividing by the tensor's largest
    /// magnitude rather than element by element keeps tiny entries, whose relative error is meaningless
    /// after cancellation, from dominating. An all-zero truth gives the absolute error; any NaN gives NaN,
    /// so a bound check written as <c>!(error &lt;= bound)</c> fails on it.
    /// </summary>
    public static double Relative(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length)
        {
            throw new ArgumentException($"Lengths differ: {actual.Length} values against {expected.Length} expected.", nameof(actual));
        }

        double maxDifference = 0, maxMagnitude = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(difference))
            {
                return double.NaN;
            }

            maxDifference = Math.Max(maxDifference, difference);
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs(expected[i]));
        }

        return maxMagnitude == 0 ? maxDifference : maxDifference / maxMagnitude;
    }

    /// <summary>The index of the largest |a − b| (or of the first NaN), to point at in a failure message.</summary>
    public static int WorstIndex(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        int worst = 0;
        double largest = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(difference))
            {
                return i;
            }

            if (difference > largest)
            {
                largest = difference;
                worst = i;
            }
        }

        return worst;
    }

    /// <summary>Fails unless <see cref="Relative"/> is at most <paramref name="bound"/>, naming the tensor and the worst element.</summary>
    public static void AssertWithin(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double bound, string what)
    {
        double error = Relative(actual, expected);
        if (!(error <= bound))
        {
            int i = WorstIndex(actual, expected);
            throw new Xunit.Sdk.XunitException(
                $"{what}: relative error {error:E3} exceeds {bound:E3} (worst at [{i}]: {actual[i]:R} against {expected[i]:R}).");
        }
    }
}
