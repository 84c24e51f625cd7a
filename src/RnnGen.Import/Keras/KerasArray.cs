namespace RnnGen.Import.Keras;

/// <summary>One stored Keras weight: where it was found, its values (row-major, float32) and its shape.</summary>
internal sealed record KerasArray(string Path, float[] Values, int[] Shape)
{
    /// <summary>The shape as Keras/NumPy print it, e.g. <c>[3, 16]</c>.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
