using RnnGen.IO;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>
/// The other encodings: float_data instead of raw_data, FLOAT16 in raw_data and int32_data, and the reset-before GRU
/// (linear_before_reset=0), checked against numpy's float64 and ONNX Runtime with a float64 C# reference of its
/// equations, run on the imported (PyTorch-layout) tensors. RnnGen's reset-before GRU class comes with the merge.
/// </summary>
public sealed class OnnxTensorFormatTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("lstm_float16")]
    [InlineData("lstm_float16_int32_data")]
    public void Float16WeightsWidenExactly(string name)
    {
        OnnxFixture fixture = OnnxFixture.Load(name);
        ImportedModel imported = OnnxImport.Read(fixture.Path);

        AssertTensors(fixture, imported);
        Assert.Contains(imported.Mapping, l => l.EndsWith("weights stored as FLOAT16, read as float32", StringComparison.Ordinal));
    }

    [Fact]
    public void ResetBeforeGruMapsWithResetAfterFalse()
    {
        OnnxFixture fixture = OnnxFixture.Load("gru_reset_before");
        ImportedModel imported = OnnxImport.Read(fixture.Path);

        Assert.False(imported.ResetAfter);
        Assert.Equal("[Gru(input: 3, hidden: 4, Bidirectional = true, ResetAfter = false)]", imported.Declaration);
        Assert.Equal("false", imported.ToWeightFile().Metadata["rnngen.gru.reset_after"]);
        Assert.Contains(imported.Mapping, l => l.StartsWith("GRU linear_before_reset=0", StringComparison.Ordinal));
        AssertTensors(fixture, imported);

        // The imported tensors, run through the reset-before equations, give numpy's float64 result and ONNX Runtime's.
        WeightFile file = imported.ToWeightFile();
        double[] actual = ResetBeforeGru(file, fixture.X.Select(v => (double)v).ToArray(), fixture.Steps, input: 3, hidden: 4);
        double[] onnxRuntime = OnnxRuntimeOracle.Run(fixture.Path, fixture.X, fixture.XShape);
        double ortError = Error.Relative(onnxRuntime, fixture.YFloat64);
        output.WriteLine($"gru_reset_before: C# float64 vs numpy float64 rel {Error.Relative(actual, fixture.YFloat64):E2}; ONNX Runtime vs float64 rel {ortError:E2} (max abs {OnnxParityTests.MaxAbs(onnxRuntime, fixture.YFloat64):E2})");
        Error.AssertWithin(actual, fixture.YFloat64, 1e-12, "reset-before reference vs numpy float64");
        Error.AssertWithin(onnxRuntime, fixture.YFloat64, 2e-6, "ONNX Runtime vs float64");
    }

    private static void AssertTensors(OnnxFixture fixture, ImportedModel imported)
    {
        WeightFile file = imported.ToWeightFile();
        Assert.Equal(fixture.StateDict.Keys.Order(StringComparer.Ordinal), imported.TensorNames.Order(StringComparer.Ordinal));
        foreach ((string name, (float[] values, _)) in fixture.StateDict)
        {
            Assert.Equal(values, file.Read<float>(name));
        }
    }

    /// <summary>
    /// ONNX GRU with linear_before_reset=0 (Keras reset_after=False) from PyTorch-layout tensors (gates r, z, n):
    /// n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn), h' = (1 − z) ⊙ n + z ⊙ h. Outputs [T, D·H], forward first.
    /// </summary>
    private static double[] ResetBeforeGru(WeightFile file, double[] x, int steps, int input, int hidden)
    {
        int directions = file.Names.Any(n => n.EndsWith("_reverse", StringComparison.Ordinal)) ? 2 : 1;
        var y = new double[steps * directions * hidden];
        for (int d = 0; d < directions; d++)
        {
            string sfx = d == 1 ? "_l0_reverse" : "_l0";
            double[] wih = file.Read<double>("weight_ih" + sfx), whh = file.Read<double>("weight_hh" + sfx);
            double[] bih = file.Read<double>("bias_ih" + sfx), bhh = file.Read<double>("bias_hh" + sfx);
            var h = new double[hidden];
            for (int s = 0; s < steps; s++)
            {
                int t = d == 1 ? steps - 1 - s : s;
                double Input(int row) => bih[row] + Enumerable.Range(0, input).Sum(i => wih[row * input + i] * x[t * input + i]);
                double Recurrent(int row, double[] state) => Enumerable.Range(0, hidden).Sum(j => whh[row * hidden + j] * state[j]);
                var r = new double[hidden];
                var z = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    r[j] = Sigmoid(Input(j) + Recurrent(j, h) + bhh[j]);
                    z[j] = Sigmoid(Input(hidden + j) + Recurrent(hidden + j, h) + bhh[hidden + j]);
                }

                double[] reset = h.Select((v, j) => v * r[j]).ToArray();
                var next = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    double n = Math.Tanh(Input(2 * hidden + j) + Recurrent(2 * hidden + j, reset) + bhh[2 * hidden + j]);
                    next[j] = (1 - z[j]) * n + z[j] * h[j];
                }

                h = next;
                Array.Copy(h, 0, y, (t * directions + d) * hidden, hidden);
            }
        }

        return y;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
