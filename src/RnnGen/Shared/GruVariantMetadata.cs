// Compiled into both the runtime library (IO/ModelWeights.cs) and the generator (Parsing/WeightsChecker.cs): the one
// definition of the weight-file metadata entry that says which GRU a file's tensors belong to, and of the words that
// refuse a file of the other one, so the build and a load say the same. Keep it netstandard2.0-clean.
namespace RnnGen.IO;

/// <summary>
/// The safetensors <c>__metadata__</c> entry that tells a reset-before GRU's tensors (Keras reset_after=False, ONNX
/// linear_before_reset=0) from PyTorch's, whose tensors have the same names and shapes.
/// </summary>
internal static class GruVariantMetadata
{
    /// <summary>The entry's key; its value is <c>"true"</c> (PyTorch's GRU) or <c>"false"</c> (reset-before).</summary>
    public const string Key = "rnngen.gru.reset_after";

    /// <summary>The value a file without the entry has: PyTorch writes none, and its GRU applies the reset gate after.</summary>
    public const string Missing = "true";

    /// <summary>The entry's value for a GRU with this <paramref name="resetAfter"/>.</summary>
    public static string Value(bool resetAfter) => resetAfter ? "true" : "false";

    /// <summary>Why a file whose entry is <paramref name="actual"/> (null when absent) cannot load into this GRU, or null when it can.</summary>
    public static string? Problem(bool resetAfter, string? actual)
    {
        string expected = Value(resetAfter);
        if ((actual ?? Missing) == expected)
        {
            return null;
        }

        string found = actual is null ? $"absent, which means \"{Missing}\" (a PyTorch file)" : $"\"{actual}\"";
        string model = resetAfter
            ? "PyTorch's GRU (reset gate after W_hn·h + b_hn)"
            : "a reset-before GRU (ResetAfter = false: Keras reset_after=False, ONNX linear_before_reset=0)";
        return $"metadata entry '{Key}' is {found}; this model is {model} and expects \"{expected}\"";
    }
}
