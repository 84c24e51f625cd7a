namespace RnnGen.Generator.Model;

/// <summary>The cell families the generator emits (mirrors RnnGen.CellKind, which a netstandard2.0 generator cannot reference).</summary>
internal enum CellKind
{
    Lstm,
    Gru,
}
