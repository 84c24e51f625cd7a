namespace RnnGen.Generator.Model;

/// <summary>The cell families the generator emits (mirrors RnnGen.CellKind, which a netstandard2.0 generator cannot reference).</summary>
internal enum CellKind
{
    Lstm,
    Gru,
}

/// <summary>
/// Everything the emitter needs to write one cell: its kind, its sizes, where the type lives, and the weights it
/// embeds (null when the attribute names none).
/// </summary>
internal sealed record CellSpec(CellKind Kind, int Input, int Hidden, TypeHierarchy Type, EmbeddedWeights? Weights = null)
{
    /// <summary>Gate blocks: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n).</summary>
    public int Gates => Kind == CellKind.Lstm ? 4 : 3;

    /// <summary>G·H: rows of each weight matrix.</summary>
    public int GateRows => Gates * Hidden;

    public int StateSize => Kind == CellKind.Lstm ? 2 * Hidden : Hidden;

    public int ParameterCount => GateRows * (Input + Hidden + 2);

    /// <summary>A file name unique to this type: namespace, containing types and the type, with generic arity.</summary>
    public string HintName => Type.QualifiedMetadataName + ".g.cs";
}
