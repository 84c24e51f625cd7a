namespace RnnGen.Benchmarks;

/// <summary>
/// The weights of the ONNX models in onnx/, by the counter-based formula onnx/make_models.py exported them with, so
/// a generated cell can be given the very same values (bit for bit) without a second copy of them in the repository.
/// </summary>
public static class OnnxWeights
{
    /// <summary>Fills tensor <paramref name="tensor"/> (0 weight_ih, 1 weight_hh, 2 bias_ih, 3 bias_hh), row-major.</summary>
    public static void Fill(Span<float> values, int tensor, int hiddenSize)
    {
        float bound = (float)(4 / Math.Sqrt(hiddenSize)); // PyTorch's init range ×4, as the other grids
        for (int i = 0; i < values.Length; i++)
        {
            ulong bits = ((ulong)(i + 1 + 1_000_003L * tensor) * 2_654_435_761UL % (1UL << 32)) >> 8;
            float u = bits / 8_388_608f - 1f; // exact: bits < 2^24
            values[i] = u * bound;
        }
    }

    /// <summary>Gives <paramref name="cell"/> the weights of the exported model of its kind and shape.</summary>
    public static void Apply(IRecurrentCell<float> cell)
    {
        Fill(cell.WeightIh, 0, cell.HiddenSize);
        Fill(cell.WeightHh, 1, cell.HiddenSize);
        Fill(cell.BiasIh, 2, cell.HiddenSize);
        Fill(cell.BiasHh, 3, cell.HiddenSize);
    }
}
