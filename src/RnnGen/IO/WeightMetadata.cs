namespace RnnGen.IO;

/// <summary>The safetensors <c>__metadata__</c> entries RnnGen writes and checks.</summary>
public static class WeightMetadata
{
    /// <summary>
    /// <c>"rnngen.gru.reset_after"</c>: <c>"true"</c> for PyTorch's GRU (the reset gate applies to W_hn·h + b_hn),
    /// <c>"false"</c> for the reset-before GRU (<c>[Gru(…, ResetAfter = false)]</c>; Keras reset_after=False, ONNX
    /// linear_before_reset=0). Every GRU's SaveWeights writes it; LoadWeights and the build refuse a file whose entry
    /// disagrees with the model, a missing entry meaning <c>"true"</c> (PyTorch writes none). LSTMs neither write nor read it.
    /// </summary>
    public const string GruResetAfterKey = GruVariantMetadata.Key;
}
