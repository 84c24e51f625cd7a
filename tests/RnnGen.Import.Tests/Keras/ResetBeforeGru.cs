using RnnGen.IO;

namespace RnnGen.Import.Tests.Keras;

/// <summary>
/// A one-layer GRU of the reset-before variant in double, on PyTorch-layout tensors (gate blocks r, z, n):
/// n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn), r and z as in nn.GRU, h' = (1 − z) n + z h. Only for checking the
/// mapping of Keras's reset_after=False GRUs until RnnGen computes that variant itself.
/// </summary>
internal static class ResetBeforeGru
{
    public static (double[] Outputs, double[] State) Run(WeightFile weights, int inputSize, int hidden, float[] inputs)
    {
        double[] wih = weights.Read<double>("weight_ih_l0"), whh = weights.Read<double>("weight_hh_l0");
        double[] bih = weights.Read<double>("bias_ih_l0"), bhh = weights.Read<double>("bias_hh_l0");
        int steps = inputs.Length / inputSize;
        var h = new double[hidden];
        var outputs = new double[steps * hidden];
        for (int t = 0; t < steps; t++)
        {
            double[] x = Array.ConvertAll(inputs[(t * inputSize)..((t + 1) * inputSize)], v => (double)v);
            var r = new double[hidden];
            var z = new double[hidden];
            for (int j = 0; j < hidden; j++)
            {
                r[j] = Sigmoid(Row(wih, j, x) + bih[j] + Row(whh, j, h) + bhh[j]);
                z[j] = Sigmoid(Row(wih, hidden + j, x) + bih[hidden + j] + Row(whh, hidden + j, h) + bhh[hidden + j]);
            }

            double[] resetH = h.Select((v, j) => r[j] * v).ToArray();
            var next = new double[hidden];
            for (int j = 0; j < hidden; j++)
            {
                double n = Math.Tanh(Row(wih, 2 * hidden + j, x) + bih[2 * hidden + j] + Row(whh, 2 * hidden + j, resetH) + bhh[2 * hidden + j]);
                next[j] = (1 - z[j]) * n + z[j] * h[j];
            }

            h = next;
            h.CopyTo(outputs, t * hidden);
        }

        return (outputs, h);
    }

    /// <summary>Row <paramref name="row"/> of the row-major matrix times <paramref name="x"/>.</summary>
    private static double Row(double[] matrix, int row, double[] x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += matrix[row * x.Length + i] * x[i];
        }

        return sum;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
