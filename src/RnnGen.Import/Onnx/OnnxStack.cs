using System.Globalization;

namespace RnnGen.Import.Onnx;

/// <summary>LSTM or GRU nodes that feed each other in order (one per layer), and the head reading the last one's output, if any.</summary>
internal sealed record OnnxStack(IReadOnlyList<OnnxNode> Layers, OnnxHead? Head)
{
    /// <summary>The stack's name: its first node's.</summary>
    public string Name => Layers[0].DisplayName;

    /// <summary>For candidate lists, e.g. <c>'/rnn/LSTM' (LSTM, 2 layers)</c>.</summary>
    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"'{Name}' ({Layers[0].OpType}, {Layers.Count} layer{(Layers.Count == 1 ? "" : "s")}{(Head is null ? "" : ", " + Head.Kind + " head")})");
}
