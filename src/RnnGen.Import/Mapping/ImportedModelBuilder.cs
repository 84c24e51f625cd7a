using System.Globalization;

namespace RnnGen.Import.Mapping;

/// <summary>
/// Collects one stack's tensors, already in PyTorch's layout and gate order, checks that every layer and direction
/// is complete and of the right shape, and builds the <see cref="ImportedModel"/>. The readers (ONNX, Keras) only
/// find the arrays and reorder them; names, shapes and completeness are decided here, once.
/// </summary>
internal sealed class ImportedModelBuilder
{
    private readonly string _source;
    private readonly CellKind _kind;
    private readonly int _inputSize;
    private readonly int _hiddenSize;
    private readonly int _layers;
    private readonly bool _bidirectional;
    private readonly bool _bias;
    private readonly bool _resetAfter;
    private readonly Dictionary<string, (float[] Values, int[] Shape)> _recurrent = new(StringComparer.Ordinal);
    private readonly List<string> _mapping = [];
    private (float[] Weight, float[]? Bias, ImportedHead Head)? _head;

    public ImportedModelBuilder(string source, CellKind kind, int inputSize, int hiddenSize, int layers, bool bidirectional, bool bias, bool resetAfter)
    {
        if (inputSize < 1 || hiddenSize < 1 || layers < 1)
        {
            throw new ImportException(source, null, $"sizes must be positive: input {inputSize}, hidden {hiddenSize}, layers {layers}");
        }

        _source = source;
        _kind = kind;
        _inputSize = inputSize;
        _hiddenSize = hiddenSize;
        _layers = layers;
        _bidirectional = bidirectional;
        _bias = bias;
        _resetAfter = kind == CellKind.Lstm || resetAfter;
    }

    /// <summary>Whether the stack has biases (then every layer needs them).</summary>
    public bool Bias => _bias;

    /// <summary>Gate blocks per layer: 4 (LSTM i, f, g, o) or 3 (GRU r, z, n).</summary>
    public int Gates => _kind == CellKind.Lstm ? 4 : 3;

    /// <summary>Input features of layer <paramref name="layer"/>: the model's input, then the previous layer's output width.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? _inputSize : (_bidirectional ? 2 : 1) * _hiddenSize;

    /// <summary>Records one line for <see cref="ImportedModel.Mapping"/>.</summary>
    public void Note(string line) => _mapping.Add(line);

    /// <summary>
    /// One layer-direction's parameters in PyTorch's layout and gate order: W_ih [G·H, I_k], W_hh [G·H, H], and
    /// (when the stack has biases) b_ih, b_hh [G·H]. <paramref name="element"/> names the source for messages.
    /// </summary>
    public void SetLayer(int layer, bool reverse, string element, float[] weightIh, float[] weightHh, float[]? biasIh, float[]? biasHh)
    {
        if (layer < 0 || layer >= _layers || (reverse && !_bidirectional))
        {
            throw new ImportException(_source, element, $"layer {layer}{(reverse ? " (reverse)" : "")} is outside a stack of {_layers} layer(s){(_bidirectional ? ", bidirectional" : "")}");
        }

        string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(reverse ? "_reverse" : "")}");
        int rows = Gates * _hiddenSize;
        Add(element, "weight_ih" + suffix, weightIh, [rows, LayerInputSize(layer)]);
        Add(element, "weight_hh" + suffix, weightHh, [rows, _hiddenSize]);
        if (_bias)
        {
            Add(element, "bias_ih" + suffix, biasIh ?? throw new ImportException(_source, element, "the stack has biases but this layer has none"), [rows]);
            Add(element, "bias_hh" + suffix, biasHh ?? throw new ImportException(_source, element, "the stack has biases but this layer has none"), [rows]);
        }
    }

    /// <summary>The linear head: <paramref name="weight"/> [out, in] in PyTorch's nn.Linear layout; a missing bias becomes zeros.</summary>
    public void SetHead(string element, float[] weight, float[]? bias, int outputSize)
    {
        int inputSize = (_bidirectional ? 2 : 1) * _hiddenSize;
        if (weight.Length != outputSize * inputSize)
        {
            throw new ImportException(_source, element, $"head weight: expected [{outputSize}, {inputSize}] ({outputSize * inputSize} values), found {weight.Length} values");
        }

        if (bias is not null && bias.Length != outputSize)
        {
            throw new ImportException(_source, element, $"head bias: expected [{outputSize}], found {bias.Length} values");
        }

        _head = (weight, bias, new ImportedHead(inputSize, outputSize, bias is not null));
    }

    /// <summary>The model, once every layer and direction has been set.</summary>
    public ImportedModel Build(string origin)
    {
        string prefix = _head is null ? "" : "rnn.";
        var tensors = new List<(string Name, float[] Values, int[] Shape)>();
        for (int layer = 0; layer < _layers; layer++)
        {
            foreach (bool reverse in _bidirectional ? new[] { false, true } : [false])
            {
                string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(reverse ? "_reverse" : "")}");
                foreach (string kind in _bias ? new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" } : ["weight_ih", "weight_hh"])
                {
                    string name = kind + suffix;
                    if (!_recurrent.TryGetValue(name, out (float[] Values, int[] Shape) tensor))
                    {
                        throw new ImportException(_source, null, $"no parameters found for {name} (layer {layer}{(reverse ? ", reverse direction" : "")})");
                    }

                    tensors.Add((prefix + name, tensor.Values, tensor.Shape));
                }
            }
        }

        if (_head is { } head)
        {
            tensors.Add(("head.weight", head.Weight, [head.Head.OutputSize, head.Head.InputSize]));
            tensors.Add(("head.bias", head.Bias ?? new float[head.Head.OutputSize], [head.Head.OutputSize]));
        }

        return new ImportedModel(_source, origin, _kind, _inputSize, _hiddenSize, _layers, _bidirectional, _bias, _resetAfter, _head?.Head, tensors, _mapping.ToArray());
    }

    private void Add(string element, string name, float[] values, int[] shape)
    {
        int expected = 1;
        foreach (int d in shape)
        {
            expected *= d;
        }

        if (values.Length != expected)
        {
            throw new ImportException(_source, element, $"{name}: expected [{string.Join(", ", shape)}] ({expected} values), found {values.Length} values");
        }

        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                throw new ImportException(_source, element, $"{name}: contains a non-finite value ({v})");
            }
        }

        if (!_recurrent.TryAdd(name, (values, shape)))
        {
            throw new ImportException(_source, element, $"{name} is given twice");
        }
    }
}
