using System.Text;
using Google.Protobuf;
using RnnGen.Import.Onnx;

namespace RnnGen.Import;

/// <summary>
/// Reads the LSTM/GRU layers of an ONNX model (and the linear head on their output, if any) into RnnGen's layout:
/// PyTorch's <c>state_dict</c> names and gate order. Made for what <c>torch.onnx.export</c> writes (one node per
/// layer, joined by Squeeze or Transpose+Reshape; weights as initializers) and for hand-built graphs of the same ops.
/// </summary>
/// <remarks>
/// Refused, with an <see cref="ImportException"/> naming the file, the node and the problem: what nn.LSTM/nn.GRU do not
/// compute (peepholes, <c>clip</c>, <c>input_forget</c>, other activations or activation parameters, <c>direction="reverse"</c>
/// alone, <c>layout=1</c>), a stored non-zero initial state, a constant <c>sequence_lens</c>, weights computed at run
/// time or kept in external data, and malformed bytes. A GRU with <c>linear_before_reset=0</c> maps with
/// <see cref="ImportedModel.ResetAfter"/> false. Files above <see cref="MaxFileBytes"/> are refused before reading.
/// </remarks>
public static class OnnxImport
{
    /// <summary>The largest file read (1 GiB); a protobuf message cannot exceed 2 GiB anyway.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>LSTM-7 and GRU-7 dropped version 1's <c>output_sequence</c>; GRU-3 added <c>linear_before_reset</c>.</summary>
    private const long MinimumOpset = 7;

    /// <summary>Reads the stack of the ONNX model at <paramref name="path"/>.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="node">The first node of the stack to read, when the model has several (see <see cref="ListStacks(string)"/>); null when it has one.</param>
    /// <exception cref="ImportException">The file is malformed, holds no stack or several without <paramref name="node"/>, or holds one RnnGen does not compute.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static ImportedModel Read(string path, string? node = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Import(ReadFile(path), path, node);
    }

    /// <summary>Reads the stack of an ONNX model read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="Read(string, string?)"/>
    /// <param name="stream">The model's bytes.</param>
    /// <param name="node">The first node of the stack to read, when the model has several.</param>
    /// <param name="sourceName">The name messages give the stream.</param>
    public static ImportedModel Read(Stream stream, string? node = null, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Import(ReadStream(stream, sourceName), sourceName, node);
    }

    /// <summary>The name of every stack's first node, in graph order: the values <see cref="Read(string, string?)"/> accepts as <c>node</c>.</summary>
    /// <exception cref="ImportException">The file is malformed.</exception>
    public static IReadOnlyList<string> ListStacks(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(ReadFile(path), path, (index, stacks) => stacks.Select(s => s.Name).ToArray());
    }

    /// <summary>The name of every stack's first node, of a model read from <paramref name="stream"/>.</summary>
    /// <exception cref="ImportException">The model is malformed.</exception>
    public static IReadOnlyList<string> ListStacks(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Parse(ReadStream(stream, sourceName), sourceName, (index, stacks) => stacks.Select(s => s.Name).ToArray());
    }

    private static ImportedModel Import(byte[] bytes, string source, string? node) => Parse(bytes, source, (index, stacks) =>
    {
        OnnxStack stack = Select(stacks, index, source, node);
        return new OnnxStackMapper(index, source).Map(stack);
    });

    private static OnnxStack Select(IReadOnlyList<OnnxStack> stacks, OnnxGraphIndex index, string source, string? node)
    {
        string candidates = string.Join(", ", stacks.Select(s => s.Description));
        if (stacks.Count == 0)
        {
            throw new ImportException(source, null, "the main graph has no LSTM or GRU node"
                + (index.Graph.HasSubgraphs ? " (subgraphs of If, Loop and Scan nodes are not searched)" : ""));
        }

        if (node is null)
        {
            return stacks.Count == 1 ? stacks[0]
                : throw new ImportException(source, null, $"the model has {stacks.Count} LSTM/GRU stacks; choose one by its first node's name (node, or rnngen convert --node): {candidates}");
        }

        return stacks.FirstOrDefault(s => s.Name == node)
            ?? throw new ImportException(source, node, $"no LSTM/GRU stack starts at this node; the stacks are: {candidates}");
    }

    /// <summary>
    /// Parses the model and runs <paramref name="use"/> on its stacks. Every error of malformed bytes, whether
    /// Google.Protobuf's or found while decoding, becomes an ImportException that keeps it as the inner exception.
    /// </summary>
    private static T Parse<T>(byte[] bytes, string source, Func<OnnxGraphIndex, IReadOnlyList<OnnxStack>, T> use)
    {
        try
        {
            OnnxModel model = OnnxModel.Parse(bytes, bytes.Length);
            if (model.Opset is < MinimumOpset and var opset)
            {
                throw new ImportException(source, null, $"opset {opset} is older than {MinimumOpset}, the first with today's LSTM and GRU (re-export with a newer opset)");
            }

            var index = new OnnxGraphIndex(model.Graph);
            return use(index, OnnxStackFinder.Find(index));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException or DecoderFallbackException or InvalidOperationException)
        {
            throw new ImportException(source, null, $"not a readable ONNX model: {e.Message}", e);
        }
    }

    private static byte[] ReadFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadStream(file, path);
    }

    private static byte[] ReadStream(Stream stream, string source)
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaxFileBytes)
        {
            throw new ImportException(source, null, $"{stream.Length - stream.Position} bytes is more than the {MaxFileBytes} an ONNX model may have here");
        }

        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxFileBytes)
            {
                throw new ImportException(source, null, $"the stream holds more than the {MaxFileBytes} bytes an ONNX model may have here");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
