using System.Globalization;
using RnnGen.Layout;

namespace RnnGen.Generator.Model;

/// <summary>The cell families the generator emits (mirrors RnnGen.CellKind, which a netstandard2.0 generator cannot reference).</summary>
internal enum CellKind
{
    Lstm,
    Gru,
}

/// <summary>
/// A recurrent model as its attributes declare it, in PyTorch's terms: <c>nn.LSTM</c>/<c>nn.GRU</c> with num_layers,
/// bidirectional, proj_size, bias and dropout, and an optional <c>nn.Linear</c> head (<see cref="HeadOutputs"/> &gt; 0).
/// </summary>
internal sealed record ModelShapeSpec(
    CellKind Kind, int Input, int Hidden, int Layers, bool Bidirectional, int Projection, bool Bias,
    int HeadOutputs, double Dropout, string RnnName, string HeadName)
{
    public ModelLayout Layout => new(Kind == CellKind.Lstm, Input, Hidden, Layers, Bidirectional ? 2 : 1, Projection, Bias, HeadOutputs, RnnName, HeadName);

    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => Kind == CellKind.Lstm ? 4 : 3;

    public string AttributeName => Kind == CellKind.Lstm ? "Lstm" : "Gru";

    /// <summary>One layer, one direction, no projection, no head: the output is h, so <c>Step(input, state)</c> exists.</summary>
    public bool IsSingleLayerCell => Layers == 1 && !Bidirectional && Projection == 0 && HeadOutputs == 0;

    /// <summary>A plain cell as RnnGen has always generated it: the single-cell surface with PyTorch's four tensor views.</summary>
    public bool IsCell => IsSingleLayerCell && Bias;

    /// <summary>The layer of <paramref name="layer"/>'s kernels (every layer above the first has the same shape).</summary>
    public LayerSpec Layer(int layer) => new(Kind, Layout.LayerInputSize(layer), Hidden, Projection, Bias);

    /// <summary>The attribute line(s) as written, normalised: <c>[Lstm(input: 40, hidden: 128, Layers = 2)]</c>.</summary>
    public string Describe()
    {
        string text = $"[{AttributeName}(input: {N(Input)}, hidden: {N(Hidden)}";
        if (Layers != 1)
        {
            text += $", Layers = {N(Layers)}";
        }

        if (Bidirectional)
        {
            text += ", Bidirectional = true";
        }

        if (Projection > 0)
        {
            text += $", ProjectionSize = {N(Projection)}";
        }

        if (!Bias)
        {
            text += ", Bias = false";
        }

        if (Dropout > 0)
        {
            text += $", Dropout = {Dropout.ToString("R", CultureInfo.InvariantCulture)}";
        }

        text += ")]";
        if (HeadOutputs > 0)
        {
            text += $" [Dense(input: {N(Layout.LayerOutputSize)}, output: {N(HeadOutputs)})]";
        }

        return text;
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Everything the emitter needs to write one model: its shape, where the type lives, and the weights it embeds (null
/// when the attribute names none).
/// </summary>
internal sealed record ModelSpec(ModelShapeSpec Shape, TypeHierarchy Type, EmbeddedWeights? Weights = null)
{
    /// <summary>A file name unique to this type: namespace, containing types and the type, with generic arity.</summary>
    public string HintName => Type.QualifiedMetadataName + ".g.cs";
}

/// <summary>
/// One direction of one layer, as its kernels see it: the kind, the sizes, the projection (P, or 0) and whether it has
/// biases. Every layer above the first has the same one, so a model has at most two.
/// </summary>
internal sealed record LayerSpec(CellKind Kind, int Input, int Hidden, int Projection, bool Bias)
{
    public int Gates => Kind == CellKind.Lstm ? 4 : 3;

    /// <summary>G·H: rows of each weight matrix.</summary>
    public int GateRows => Gates * Hidden;

    /// <summary>Hout: the width of h (P when projected).</summary>
    public int Recurrent => Projection > 0 ? Projection : Hidden;

    public int StateSize => Recurrent + (Kind == CellKind.Lstm ? Hidden : 0);

    public int ParameterCount => GateRows * (Input + Recurrent) + (Bias ? 2 * GateRows : 0) + Projection * Hidden;

    public ModelLayout Layout => new(Kind == CellKind.Lstm, Input, Hidden, 1, 1, Projection, Bias, 0, "", "");
}
