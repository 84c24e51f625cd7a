namespace RnnGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one dense layer: its sizes, where the type lives, and its name in a state_dict
/// ("" for a bare nn.Linear: tensors weight and bias; else {Name}.weight, {Name}.bias).
/// </summary>
internal sealed record DenseSpec(int Input, int Output, TypeHierarchy Type, string Name = "")
{
    /// <summary>M·N weights, then M biases.</summary>
    public int ParameterCount => Output * Input + Output;

    /// <summary>A file name unique to this type (see <see cref="TypeHierarchy.QualifiedMetadataName"/>).</summary>
    public string HintName => Type.QualifiedMetadataName + ".g.cs";
}
