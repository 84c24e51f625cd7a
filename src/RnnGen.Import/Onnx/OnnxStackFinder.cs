namespace RnnGen.Import.Onnx;

/// <summary>
/// Finds the recurrent stacks of a graph as <c>torch.onnx.export</c> (PyTorch 1.13) writes them: one LSTM/GRU node
/// per layer, joined by <c>Squeeze(axes=[1])</c> (one direction) or <c>Transpose(perm=[0,2,1,3])</c> +
/// <c>Reshape([0,0,-1])</c> (either; PyTorch uses it for two), which turn Y [T, D, B, H] into [T, B, D·H]. After the
/// last layer, a Gemm or MatMul(+Add) reached only through per-step reshapes (batch-first Transpose, Squeeze of a
/// non-feature axis, Reshape keeping the feature width, Identity) is the head.
/// </summary>
internal static class OnnxStackFinder
{
    private const int MaxHeadHops = 8;

    public static IReadOnlyList<OnnxStack> Find(OnnxGraphIndex index)
    {
        List<OnnxNode> recurrent = index.Graph.Nodes.Where(IsRecurrent).ToList();
        var next = new Dictionary<OnnxNode, OnnxNode>(ReferenceEqualityComparer.Instance);
        var layerOutput = new Dictionary<OnnxNode, string>(ReferenceEqualityComparer.Instance);
        foreach (OnnxNode node in recurrent)
        {
            if (FollowLayerOutput(index, node) is not { } output)
            {
                continue;
            }

            layerOutput[node] = output;
            List<OnnxNode> readers = index.Consumers(output).Where(c => IsRecurrent(c) && c.Input(0) == output).ToList();
            if (readers.Count == 1 && readers[0].OpType == node.OpType && Direction(readers[0]) == Direction(node) && !ReferenceEquals(readers[0], node))
            {
                next[node] = readers[0];
            }
        }

        var followers = new HashSet<OnnxNode>(next.Values, ReferenceEqualityComparer.Instance);
        var stacks = new List<OnnxStack>();
        foreach (OnnxNode first in recurrent.Where(n => !followers.Contains(n)))
        {
            var layers = new List<OnnxNode> { first };
            while (next.TryGetValue(layers[^1], out OnnxNode? following) && !layers.Contains(following))
            {
                layers.Add(following);
            }

            OnnxHead? head = layerOutput.TryGetValue(layers[^1], out string? output) ? FindHead(index, output, Width(index, layers[^1])) : null;
            stacks.Add(new OnnxStack(layers, head));
        }

        return stacks;
    }

    public static bool IsRecurrent(OnnxNode node) => node.IsOnnxOp("LSTM") || node.IsOnnxOp("GRU");

    public static string Direction(OnnxNode node) => node.Attribute("direction")?.String ?? "forward";

    /// <summary>The value holding this layer's outputs as [T, B, D·H], if the graph computes it as PyTorch does.</summary>
    private static string? FollowLayerOutput(OnnxGraphIndex index, OnnxNode node)
    {
        if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0)
        {
            return null;
        }

        foreach (OnnxNode user in index.Consumers(node.Outputs[0]))
        {
            if (user.IsOnnxOp("Squeeze") && Axes(index, user) is [1] && Direction(node) != "bidirectional")
            {
                return user.Outputs.FirstOrDefault();
            }

            if (user.IsOnnxOp("Transpose") && user.Attribute("perm")?.Ints is [0, 2, 1, 3]
                && user.Outputs.Count > 0 && index.Consumers(user.Outputs[0]) is [var reshape]
                && reshape.IsOnnxOp("Reshape") && reshape.Input(0) == user.Outputs[0]
                && index.ConstantInts(reshape.Input(1)) is [0, 0, var width] && (width == -1 || width == Width(index, node)))
            {
                return reshape.Outputs.FirstOrDefault();
            }
        }

        return null;
    }

    /// <summary>D·H of a layer (from its R input's dims), or -1 when unknown.</summary>
    private static long Width(OnnxGraphIndex index, OnnxNode node) =>
        index.Constant(node.Input(2)) is { Dims: [var d, _, var h] } ? d * h : -1;

    private static long[]? Axes(OnnxGraphIndex index, OnnxNode node) =>
        node.Attribute("axes") is { } axes ? axes.Ints.ToArray() : node.Input(1).Length > 0 ? index.ConstantInts(node.Input(1)) : null;

    private static OnnxHead? FindHead(OnnxGraphIndex index, string value, long width)
    {
        int rank = 3;
        for (int hop = 0; hop < MaxHeadHops && width > 0; hop++)
        {
            if (index.Consumers(value) is not [var user] || user.Input(0) != value || user.Outputs.Count == 0)
            {
                return null;
            }

            string output = user.Outputs[0];
            if (user.IsOnnxOp("MatMul") || (user.IsOnnxOp("Gemm") && rank == 2))
            {
                OnnxNode? add = user.IsOnnxOp("MatMul") && index.Consumers(output) is [var next] && next.IsOnnxOp("Add")
                    && (index.Constant(next.Input(0)) is not null || index.Constant(next.Input(1)) is not null) ? next : null;
                return new OnnxHead(user, add);
            }

            if (user.IsOnnxOp("Identity") || (user.IsOnnxOp("Transpose") && rank == 3 && user.Attribute("perm")?.Ints is [1, 0, 2]))
            {
                value = output;
            }
            else if (user.IsOnnxOp("Squeeze") && Axes(index, user) is { Length: > 0 } axes
                && axes.Select(a => a < 0 ? a + rank : a).Distinct().Count(a => a >= 0 && a < rank - 1) == axes.Length)
            {
                rank -= axes.Length;
                value = output;
            }
            else if (user.IsOnnxOp("Reshape") && index.ConstantInts(user.Input(1)) is { Length: >= 2 } shape && shape[^1] == width)
            {
                rank = shape.Length;
                value = output;
            }
            else
            {
                return null;
            }
        }

        return null;
    }
}
