namespace RnnGen.Benchmarks;

/// <summary>
/// <c>dotnet run -- --check-onnx</c>: each exported ONNX model against the generated cell of its kind and shape with the
/// same weights (<see cref="OnnxWeights"/>), over 50 streaming steps from a zero state: the largest difference in h
/// (and an LSTM's c), relative to the largest value, must stay within 1e-5, for the cell's Step and its frozen Step.
/// compare.sh runs it before it times anything, so the ONNX Runtime column always measures the same computation.
/// </summary>
public static class OnnxParity
{
    private const int Steps = 50;
    private const double Tolerance = 1e-5;

    public static int Run()
    {
        bool ok = true;
        foreach (string kind in new[] { "lstm", "gru" })
        {
            foreach (string shape in new[] { "32x64", "64x128" })
            {
                ok &= Check(kind, shape);
            }
        }

        Console.WriteLine(ok ? "ONNX Runtime and RnnGen agree within 1e-5." : "ONNX Runtime and RnnGen DISAGREE.");
        return ok ? 0 : 1;
    }

    private static bool Check(string kind, string shape)
    {
        IRecurrentCell<float> cell = Cells.Create(kind, shape, 1f);
        OnnxWeights.Apply(cell);
        IFrozenCell<float> frozen = Cells.Freeze(cell);
        int input = cell.InputSize, hidden = cell.HiddenSize;
        using var onnx = new OnnxStep(kind, input, hidden);
        float[] inputs = Cells.Inputs(Steps * input), state = new float[cell.StateSize], frozenState = new float[cell.StateSize];
        double cellDiff = 0, frozenDiff = 0, scale = 0;
        for (int t = 0; t < Steps; t++)
        {
            ReadOnlySpan<float> x = inputs.AsSpan(t * input, input);
            onnx.Step(x);
            cell.Step(x, state);
            frozen.Step(x, frozenState);
            for (int u = 0; u < cell.StateSize; u++)
            {
                float want = u < hidden ? onnx.H[u] : onnx.C[u - hidden];
                scale = Math.Max(scale, Math.Abs(want));
                cellDiff = Math.Max(cellDiff, Math.Abs(state[u] - want));
                frozenDiff = Math.Max(frozenDiff, Math.Abs(frozenState[u] - want));
            }
        }

        double cellError = cellDiff / scale, frozenError = frozenDiff / scale;
        bool ok = cellError <= Tolerance && frozenError <= Tolerance;
        Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {kind} {shape}: max relative difference to ONNX Runtime over {Steps} steps: cell {cellError:E2}, frozen {frozenError:E2}");
        return ok;
    }
}
