using System.Globalization;
using RnnGen.Layout;

namespace RnnGen;

/// <summary>
/// The architecture of a recurrent model, in PyTorch's terms: an <c>nn.LSTM</c> or <c>nn.GRU</c> with its
/// <c>num_layers</c>, <c>bidirectional</c>, <c>proj_size</c>, <c>bias</c> and <c>dropout</c>, optionally followed by an
/// <c>nn.Linear</c> head applied to every step's output. It fixes every size, the parameters' order and names (the
/// module's <c>state_dict</c>) and the state's layout. Two shapes are equal when every property is.
/// </summary>
/// <remarks>
/// A generated class exposes its shape as the static <c>Shape</c>; <see cref="Reference.ReferenceModel{T}"/> takes one.
/// Tapes and workspaces are made for one shape and refuse a model of another.
/// </remarks>
public sealed class ModelShape : IEquatable<ModelShape>
{
    private readonly ModelLayout _layout;
    private readonly ParameterTensor[] _tensors;

    /// <summary>A model of the given architecture; every argument is checked.</summary>
    /// <param name="kind">LSTM or GRU.</param>
    /// <param name="inputSize">Features per time step (I), at least 1.</param>
    /// <param name="hiddenSize">Hidden units per layer and direction (H), at least 1.</param>
    /// <param name="layers">Stacked layers (<c>num_layers</c>), 1 to 64.</param>
    /// <param name="bidirectional">Whether every layer also runs over the sequence backwards (<c>bidirectional</c>).</param>
    /// <param name="projectionSize">The LSTM's <c>proj_size</c> (P, 1 to H − 1), or 0 for none.</param>
    /// <param name="bias">Whether the layers have bias_ih and bias_hh (<c>bias</c>).</param>
    /// <param name="headOutputs">M, the outputs of an <c>nn.Linear</c> head on every step, or 0 for no head.</param>
    /// <param name="dropout">The probability of zeroing each output of every layer but the last, in training (<c>dropout</c>), in [0, 1).</param>
    /// <param name="rnnName">The recurrent module's name in the state_dict ("" for a bare module): tensors are named <c>{rnnName}.weight_ih_l0</c>.</param>
    /// <param name="headName">The head's name in the state_dict: <c>{headName}.weight</c>.</param>
    /// <param name="resetAfter">
    /// A GRU's candidate: true (PyTorch's <c>nn.GRU</c>) applies the reset gate after the recurrent product,
    /// n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)); false (Keras <c>reset_after=False</c>, ONNX <c>linear_before_reset=0</c>,
    /// Cho et al. 2014) before it, n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn). An LSTM's must be true.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A size or setting is outside its range.</exception>
    /// <exception cref="ArgumentException">A projection, or resetAfter = false, on the wrong kind of cell.</exception>
    public ModelShape(
        CellKind kind, int inputSize, int hiddenSize, int layers = 1, bool bidirectional = false, int projectionSize = 0,
        bool bias = true, int headOutputs = 0, double dropout = 0, string rnnName = "", string headName = "", bool resetAfter = true)
    {
        if (kind is not (CellKind.Lstm or CellKind.Gru))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown cell kind.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        if (layers < 1 || layers > ModelLayout.MaxLayers)
        {
            throw new ArgumentOutOfRangeException(nameof(layers), layers, $"layers must be between 1 and {ModelLayout.MaxLayers}.");
        }

        if (projectionSize != 0 && kind != CellKind.Lstm)
        {
            throw new ArgumentException("Only an LSTM has a projection (proj_size); a GRU's must be 0.", nameof(projectionSize));
        }

        if (!resetAfter && kind != CellKind.Gru)
        {
            throw new ArgumentException("Only a GRU has a reset-before variant (resetAfter = false); an LSTM's must be true.", nameof(resetAfter));
        }

        if (projectionSize < 0 || (projectionSize > 0 && projectionSize >= hiddenSize))
        {
            throw new ArgumentOutOfRangeException(nameof(projectionSize), projectionSize, $"projectionSize must be 0 (none) or between 1 and hiddenSize − 1 = {hiddenSize - 1}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(headOutputs);
        if (!(dropout >= 0 && dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be in [0, 1).");
        }

        ArgumentNullException.ThrowIfNull(rnnName);
        ArgumentNullException.ThrowIfNull(headName);
        // The layout computes in int: check in long first that nothing overflows.
        int directions = bidirectional ? 2 : 1, gates = kind == CellKind.Lstm ? 4 : 3;
        long recurrent = projectionSize > 0 ? projectionSize : hiddenSize, rows = (long)gates * hiddenSize;
        long perLayer(long input) => rows * (input + recurrent) + (bias ? 2 * rows : 0) + (long)projectionSize * hiddenSize;
        long layerOutput = directions * recurrent;
        long parameters = directions * (perLayer(inputSize) + (layers - 1) * perLayer(layerOutput)) + headOutputs * (layerOutput + 1);
        long state = (long)layers * directions * (recurrent + (kind == CellKind.Lstm ? hiddenSize : 0));
        if (parameters > Array.MaxLength || state > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(hiddenSize), "The model's parameters or state would exceed the largest array .NET allows.");
        }

        Kind = kind;
        Dropout = dropout;
        ResetAfter = resetAfter;
        _layout = new ModelLayout(kind == CellKind.Lstm, inputSize, hiddenSize, layers, directions, projectionSize, bias, headOutputs, rnnName, headName);

        _tensors = _layout.Tensors().Select(t => new ParameterTensor(t.Name, t.Shape, t.Offset)).ToArray();
    }

    /// <summary>LSTM or GRU.</summary>
    public CellKind Kind { get; }

    /// <summary>Features per time step (I).</summary>
    public int InputSize => _layout.Input;

    /// <summary>Hidden units per layer and direction (H).</summary>
    public int HiddenSize => _layout.Hidden;

    /// <summary>Stacked layers (L).</summary>
    public int Layers => _layout.Layers;

    /// <summary>Whether every layer also runs backwards over the sequence.</summary>
    public bool Bidirectional => _layout.Directions == 2;

    /// <summary>Directions per layer (D): 1, or 2 when bidirectional.</summary>
    public int Directions => _layout.Directions;

    /// <summary>The LSTM's projection size (P), or 0 for none.</summary>
    public int ProjectionSize => _layout.Projection;

    /// <summary>Whether the layers have biases.</summary>
    public bool Bias => _layout.Bias;

    /// <summary>The head's outputs (M), or 0 for a model without a head.</summary>
    public int HeadOutputs => _layout.HeadOutputs;

    /// <summary>Dropout between layers in training.</summary>
    public double Dropout { get; }

    /// <summary>
    /// A GRU's candidate: true (PyTorch) applies the reset gate after W_hn·h + b_hn, false (Keras reset_after=False, ONNX
    /// linear_before_reset=0) to h before W_hn. Always true for an LSTM. Part of the shape: a tape of one refuses the other.
    /// </summary>
    public bool ResetAfter { get; }

    /// <summary>The recurrent module's name in the state_dict ("" for a bare module).</summary>
    public string RnnName => _layout.RnnName;

    /// <summary>The head's name in the state_dict.</summary>
    public string HeadName => _layout.HeadName;

    /// <summary>Hout: the width of each layer-direction's h (P when projected, else H).</summary>
    public int RecurrentSize => _layout.RecurrentSize;

    /// <summary>D·Hout: each layer's output per step, the directions side by side.</summary>
    public int LayerOutputSize => _layout.LayerOutputSize;

    /// <summary>The model's output per step: M with a head, else D·Hout.</summary>
    public int OutputSize => _layout.OutputSize;

    /// <summary>Values in the state: h_n [D·L, Hout], then for an LSTM c_n [D·L, H].</summary>
    public int StateSize => _layout.StateSize;

    /// <summary>Values in the parameters.</summary>
    public int ParameterCount => _layout.ParameterCount;

    /// <summary>
    /// True for the plain cell of one layer, one direction, no projection and no head: its output is its h, the first
    /// H values of the state, so it steps with <c>Step(input, state)</c>.
    /// </summary>
    public bool IsSingleCell => Layers == 1 && !Bidirectional && ProjectionSize == 0 && HeadOutputs == 0;

    /// <summary>Every parameter tensor in state_dict order, with its place in the flat parameters.</summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>The tensor called <paramref name="name"/> (as in the state_dict, e.g. <c>rnn.weight_hh_l1_reverse</c>).</summary>
    /// <exception cref="ArgumentException">The model has no such tensor; the message lists the ones it has.</exception>
    public ParameterTensor Tensor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (ParameterTensor tensor in _tensors)
        {
            if (tensor.Name == name)
            {
                return tensor;
            }
        }

        throw new ArgumentException($"This model has no tensor '{name}'; it has {string.Join(", ", _tensors.Select(t => t.Name))}.", nameof(name));
    }

    /// <summary>Where h of <paramref name="layer"/>'s <paramref name="direction"/> (0 forward, 1 reverse) starts in the state.</summary>
    public int HiddenStateOffset(int layer, int direction)
    {
        CheckLayer(layer, direction);
        return _layout.HiddenStateOffset(layer, direction);
    }

    /// <summary>Where c of <paramref name="layer"/>'s <paramref name="direction"/> starts in the state (LSTM only).</summary>
    /// <exception cref="InvalidOperationException">A GRU has no cell state.</exception>
    public int CellStateOffset(int layer, int direction)
    {
        CheckLayer(layer, direction);
        return Kind == CellKind.Lstm ? _layout.CellStateOffset(layer, direction) : throw new InvalidOperationException("A GRU has no cell state.");
    }

    internal ModelLayout Layout => _layout;

    /// <inheritdoc/>
    public bool Equals(ModelShape? other) =>
        other is not null && Kind == other.Kind && InputSize == other.InputSize && HiddenSize == other.HiddenSize
        && Layers == other.Layers && Directions == other.Directions && ProjectionSize == other.ProjectionSize
        && Bias == other.Bias && HeadOutputs == other.HeadOutputs && Dropout.Equals(other.Dropout)
        && RnnName == other.RnnName && HeadName == other.HeadName && ResetAfter == other.ResetAfter;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ModelShape other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, InputSize, HiddenSize, Layers, Directions, ProjectionSize, HeadOutputs, HashCode.Combine(Dropout, ResetAfter));

    /// <summary>
    /// The shape as PyTorch would construct it, e.g. <c>LSTM(40, 128, num_layers=2, bidirectional=True) + Linear(256, 10)</c>;
    /// a reset-before GRU, which PyTorch cannot build, adds Keras's <c>reset_after=False</c>.
    /// </summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder(Kind == CellKind.Lstm ? "LSTM(" : "GRU(");
        text.Append(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}");
        if (Layers > 1)
        {
            text.Append(CultureInfo.InvariantCulture, $", num_layers={Layers}");
        }

        if (!Bias)
        {
            text.Append(", bias=False");
        }

        if (Dropout > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", dropout={Dropout}");
        }

        if (Bidirectional)
        {
            text.Append(", bidirectional=True");
        }

        if (ProjectionSize > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", proj_size={ProjectionSize}");
        }

        if (!ResetAfter)
        {
            // PyTorch cannot build this one: Keras's name for it.
            text.Append(", reset_after=False");
        }

        text.Append(')');
        if (HeadOutputs > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" + Linear({LayerOutputSize}, {HeadOutputs})");
        }

        return text.ToString();
    }

    /// <summary>The shape as PyTorch constructs it, with its module names when that alone tells it from <paramref name="other"/>.</summary>
    internal static string Describe(ModelShape shape, ModelShape other) =>
        shape.ToString() == other.ToString()
            ? $"{shape} named rnn \"{shape.RnnName}\"{(shape.HeadOutputs > 0 ? $", head \"{shape.HeadName}\"" : "")}"
            : shape.ToString();

    private void CheckLayer(int layer, int direction)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Layers);
        ArgumentOutOfRangeException.ThrowIfNegative(direction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(direction, Directions);
    }
}
