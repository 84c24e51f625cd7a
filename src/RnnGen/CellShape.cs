namespace RnnGen;

/// <summary>Sizes that follow from a cell's kind and hidden size.</summary>
public static class CellShape
{
    /// <summary>Gate blocks in the weight matrices: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n).</summary>
    public static int GateCount(CellKind kind) => kind switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown cell kind."),
    };

    /// <summary>Values in the recurrent state: h then c for an LSTM (2·H), h for a GRU (H).</summary>
    public static int StateSize(CellKind kind, int hidden) => kind == CellKind.Lstm ? 2 * hidden : hidden;

    /// <summary>Parameters in PyTorch's layout: G·H·(I + H + 2).</summary>
    public static int ParameterCount(CellKind kind, int input, int hidden) => GateCount(kind) * hidden * (input + hidden + 2);

    /// <summary>
    /// Values a tape records per step besides the input and the state: an LSTM keeps its four gate
    /// activations and tanh(c′) (5·H); a GRU keeps r, z, n and W_hn·h + b_hn (4·H).
    /// </summary>
    public static int ActivationsPerStep(CellKind kind, int hidden) => kind == CellKind.Lstm ? 5 * hidden : 4 * hidden;

    /// <summary>
    /// Scratch values per step the backward pass keeps for the pre-activation gradients: an LSTM's four
    /// gates (4·H, shared by both weight matrices); a GRU's gradients for the input side (r, z, n) then for
    /// the recurrent side (r, z, and the n gate's W_hn·h + b_hn), 6·H, because the n gate differs between them.
    /// </summary>
    public static int GradientsPerStep(CellKind kind, int hidden) => kind == CellKind.Lstm ? 4 * hidden : 6 * hidden;
}
