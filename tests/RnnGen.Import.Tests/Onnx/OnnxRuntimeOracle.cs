using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>Runs a fixture's .onnx file in ONNX Runtime: x as the first input, zeros for any other (an initial state).</summary>
public static class OnnxRuntimeOracle
{
    /// <summary>The first output, flattened: [T, D·H] or [T, O] values.</summary>
    public static double[] Run(string path, float[] x, int[] xShape)
    {
        using var session = new InferenceSession(path);
        var inputs = new List<NamedOnnxValue>();
        foreach ((string name, NodeMetadata meta) in session.InputMetadata)
        {
            if (inputs.Count == 0)
            {
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(x, xShape)));
            }
            else
            {
                int[] shape = meta.Dimensions.Select(d => Math.Max(d, 1)).ToArray();
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(new float[shape.Aggregate(1, (a, b) => a * b)], shape)));
            }
        }

        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(inputs);
        Tensor<float> y = results.First().AsTensor<float>();
        // With one stream, an LSTM/GRU node's own Y [T, D, 1, H] is already laid out as [T, D·H], forward first.
        float[] values = y.ToArray();
        return values.Select(v => (double)v).ToArray();
    }
}
