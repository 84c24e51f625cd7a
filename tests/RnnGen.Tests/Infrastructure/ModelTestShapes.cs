namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// Small model shapes by name (I = 3, H = 4, P = 2, head M = 3) covering every option of <see cref="ModelShape"/>, so
/// theory cases read as e.g. <c>lstm_proj_bi_l2 +head</c>.
/// </summary>
internal static class ModelTestShapes
{
    public const int Input = 3, Hidden = 4, Projection = 2, HeadOutputs = 3;

    /// <summary>Every configuration the finite-difference tests cover (each with and without a head).</summary>
    public static IReadOnlyList<string> Configurations { get; } =
    [
        "lstm_l2", "lstm_l3", "gru_l2", "gru_l3",                               // stacked
        "lstm_bi", "lstm_bi_l2", "gru_bi", "gru_bi_l2",                         // bidirectional
        "lstm_proj_l2", "lstm_proj_bi_l2",                                      // projected
        "lstm_nobias", "gru_nobias", "lstm_nobias_proj_bi_l2", "gru_nobias_bi_l3", // without biases, alone and combined
        "gru_rb", "gru_rb_bi_l2", "gru_rb_nobias_l2",                          // reset-before GRU (ResetAfter = false)
    ];

    /// <summary>
    /// The shape called <paramref name="name"/>: <c>lstm|gru</c>, then any of <c>_nobias</c>, <c>_proj</c>, <c>_bi</c>,
    /// <c>_l{layers}</c>, and for a GRU <c>_rb</c> (reset-before: ResetAfter = false). With a head, the modules are named as in a PyTorch model with submodules rnn and head.
    /// </summary>
    public static ModelShape Create(string name, bool head, double dropout = 0)
    {
        string[] parts = name.Split('_');
        CellKind kind = parts[0] switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            _ => throw new ArgumentException($"unknown kind in '{name}'", nameof(name)),
        };
        int layers = 1;
        bool bidirectional = false, bias = true, projected = false, resetAfter = true;
        foreach (string part in parts.Skip(1))
        {
            switch (part)
            {
                case "bi": bidirectional = true; break;
                case "nobias": bias = false; break;
                case "proj": projected = true; break;
                case "rb": resetAfter = false; break;
                case ['l', .. string count]: layers = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option '{part}' in '{name}'", nameof(name));
            }
        }

        return new ModelShape(
            kind, Input, Hidden, layers, bidirectional, projected ? Projection : 0, bias, head ? HeadOutputs : 0, dropout,
            rnnName: head ? "rnn" : "", headName: head ? "head" : "", resetAfter: resetAfter);
    }
}
