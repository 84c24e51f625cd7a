namespace RnnGen;

/// <summary>The recurrent cell families RnnGen implements, in PyTorch's conventions.</summary>
public enum CellKind
{
    /// <summary>Long short-term memory: gates i, f, g, o; state h then c (2·H values).</summary>
    Lstm,

    /// <summary>Gated recurrent unit: gates r, z, n; state h (H values).</summary>
    Gru,
}
