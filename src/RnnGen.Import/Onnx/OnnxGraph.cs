using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>The main GraphProto: nodes in file order, initializers by name (the last of a repeated name wins), graph input names.</summary>
internal sealed class OnnxGraph
{
    public List<OnnxNode> Nodes { get; } = [];

    public Dictionary<string, OnnxTensor> Initializers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> InputNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether some node carries a subgraph (not searched for LSTM/GRU nodes).</summary>
    public bool HasSubgraphs => Nodes.Any(n => n.Attributes.Any(a => a.HasGraph));

    public static OnnxGraph Parse(ByteRange message)
    {
        var graph = new OnnxGraph();
        CodedInputStream input = message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited):
                    graph.Nodes.Add(OnnxNode.Parse(Wire.ReadRange(input, message.Buffer)));
                    break;
                case (5, WireFormat.WireType.LengthDelimited):
                    OnnxTensor tensor = OnnxTensor.Parse(Wire.ReadRange(input, message.Buffer));
                    graph.Initializers[tensor.Name] = tensor;
                    break;
                case (11, WireFormat.WireType.LengthDelimited):
                    graph.InputNames.Add(ReadValueInfoName(Wire.ReadRange(input, message.Buffer)));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return graph;
    }

    /// <summary>ValueInfoProto.name (field 1); the type is not needed.</summary>
    private static string ReadValueInfoName(ByteRange message)
    {
        string name = "";
        CodedInputStream input = message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
            {
                name = Wire.ReadString(input, message.Buffer);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return name;
    }
}
