using RnnGen.Layout;

namespace RnnGen.Generator.Model;

/// <summary>
/// One direction of one layer, as its kernels see it: the kind, the sizes, the projection (P, or 0), whether it has
/// biases, and for a GRU where its reset gate applies (<see cref="ResetAfter"/>: false for the reset-before GRU). Every
/// layer above the first has the same one, so a model has at most two.
/// </summary>
internal sealed record LayerSpec(CellKind Kind, int Input, int Hidden, int Projection, bool Bias, bool ResetAfter = true)
{
    /// <summary>A reset-before GRU: n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn).</summary>
    public bool ResetBefore => Kind == CellKind.Gru && !ResetAfter;

    public int Gates => Kind == CellKind.Lstm ? 4 : 3;

    /// <summary>G·H: rows of each weight matrix.</summary>
    public int GateRows => Gates * Hidden;

    /// <summary>Hout: the width of h (P when projected).</summary>
    public int Recurrent => Projection > 0 ? Projection : Hidden;

    public int StateSize => Recurrent + (Kind == CellKind.Lstm ? Hidden : 0);

    /// <summary>Floats per vector store of the state's parts (h, c) on the widest path that fits them: 8, 4, or 1.</summary>
    public int StoredFloats => Recurrent % 8 == 0 && StateSize % 8 == 0 ? 8 : Recurrent % 4 == 0 && StateSize % 4 == 0 ? 4 : 1;

    public int ParameterCount => GateRows * (Input + Recurrent) + (Bias ? 2 * GateRows : 0) + Projection * Hidden;

    public ModelLayout Layout => new(Kind == CellKind.Lstm, Input, Hidden, 1, 1, Projection, Bias, 0, "", "");
}
