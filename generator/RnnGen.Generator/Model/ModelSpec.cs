namespace RnnGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one model: its shape, where the type lives, and the weights it embeds (null
/// when the attribute names none).
/// </summary>
internal sealed record ModelSpec(ModelShapeSpec Shape, TypeHierarchy Type, EmbeddedWeights? Weights = null)
{
    /// <summary>A file name unique to this type: namespace, containing types and the type, with generic arity.</summary>
    public string HintName => Type.QualifiedMetadataName + ".g.cs";
}
