namespace RnnGen.Import.Onnx;

/// <summary>Who produces and who consumes each value of the main graph, and which values are constants stored in the file.</summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, OnnxNode> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);

    public OnnxGraphIndex(OnnxGraph graph)
    {
        Graph = graph;
        foreach (OnnxNode node in graph.Nodes)
        {
            foreach (string output in node.Outputs.Where(o => o.Length > 0))
            {
                _producers[output] = node;
            }

            foreach (string input in node.Inputs.Where(i => i.Length > 0).Distinct(StringComparer.Ordinal))
            {
                if (!_consumers.TryGetValue(input, out List<OnnxNode>? list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(node);
            }
        }
    }

    public OnnxGraph Graph { get; }

    public IReadOnlyList<OnnxNode> Consumers(string value) => _consumers.TryGetValue(value, out List<OnnxNode>? list) ? list : [];

    public OnnxNode? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The tensor stored for <paramref name="value"/>: an initializer, or the <c>value</c> of a Constant node.</summary>
    public OnnxTensor? Constant(string value)
    {
        if (Graph.Initializers.TryGetValue(value, out OnnxTensor? tensor))
        {
            return tensor;
        }

        return Producer(value) is { } node && node.IsOnnxOp("Constant") ? node.Attribute("value")?.Tensor : null;
    }

    /// <summary>An integer constant (shape, axes, perm): a stored tensor, or a Constant's <c>value_ints</c>/<c>value_int</c>.</summary>
    public long[]? ConstantInts(string value)
    {
        if (Constant(value) is { } tensor)
        {
            return tensor.DataType is OnnxTensor.Int64 or OnnxTensor.Int32 ? tensor.ToInt64s() : null;
        }

        if (Producer(value) is { } node && node.IsOnnxOp("Constant"))
        {
            if (node.Attribute("value_ints") is { } ints)
            {
                return ints.Ints.ToArray();
            }

            if (node.Attribute("value_int")?.Int is { } one)
            {
                return [one];
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="value"/> is not a stored constant, for messages.</summary>
    public string DescribeSource(string value) => Producer(value) is { } node
        ? $"computed by the {node.OpType} node '{node.DisplayName}'"
        : Graph.InputNames.Contains(value) ? "a graph input" : "produced by no node";
}
