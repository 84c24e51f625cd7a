namespace RnnGen.Generator.Emitting;

/// <summary>A table of per-step (or per-stream) rows in a buffer: row t at <see cref="Name"/>[t·<see cref="Stride"/> + <see cref="Offset"/>].</summary>
internal sealed record RowsOperand(string Name, string Stride, string Offset = "0")
{
    /// <summary>The recorded pre-activation gradients: row t of <c>da</c>, from <paramref name="offset"/>.</summary>
    public static RowsOperand Gradients(string offset = "0") => new("da", "GradientsPerStep", offset);
}
