using System.Globalization;
using RnnGen.Layout;

namespace RnnGen.Generator.Model;

/// <summary>
/// A recurrent model as its attributes declare it, in PyTorch's terms: <c>nn.LSTM</c>/<c>nn.GRU</c> with num_layers,
/// bidirectional, proj_size, bias and dropout, and an optional <c>nn.Linear</c> head (<see cref="HeadOutputs"/> &gt; 0).
/// <see cref="ResetAfter"/> is false for the reset-before GRU (Keras reset_after=False), which PyTorch cannot express.
/// </summary>
internal sealed record ModelShapeSpec(
    CellKind Kind, int Input, int Hidden, int Layers, bool Bidirectional, int Projection, bool Bias,
    int HeadOutputs, double Dropout, string RnnName, string HeadName, bool ResetAfter)
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
    public LayerSpec Layer(int layer) => new(Kind, Layout.LayerInputSize(layer), Hidden, Projection, Bias, ResetAfter);

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

        if (!ResetAfter)
        {
            text += ", ResetAfter = false";
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
