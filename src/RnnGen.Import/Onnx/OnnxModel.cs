using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>A ModelProto: IR version, the default domain's opset, and the main graph (fields in any order, as protobuf allows).</summary>
internal sealed class OnnxModel
{
    private OnnxModel(long irVersion, long? opset, OnnxGraph graph)
    {
        IrVersion = irVersion;
        Opset = opset;
        Graph = graph;
    }

    public long IrVersion { get; }

    /// <summary>The highest version imported for the default domain ("" or "ai.onnx"), or null when none is.</summary>
    public long? Opset { get; }

    public OnnxGraph Graph { get; }

    public static OnnxModel Parse(byte[] buffer, int length)
    {
        long irVersion = 0;
        long? opset = null;
        ByteRange? graph = null;
        var input = new CodedInputStream(buffer, 0, length);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (1, WireFormat.WireType.Varint):
                    irVersion = input.ReadInt64();
                    break;
                case (7, WireFormat.WireType.LengthDelimited):
                    // Protobuf would merge a repeated message field; no writer does that for the graph, so refuse it.
                    graph = graph is null ? Wire.ReadRange(input, buffer) : throw new InvalidDataException("the model holds two graph fields");
                    break;
                case (8, WireFormat.WireType.LengthDelimited):
                    (string domain, long version) = ReadOpset(Wire.ReadRange(input, buffer));
                    if (domain is "" or "ai.onnx")
                    {
                        opset = Math.Max(opset ?? version, version);
                    }

                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (graph is not { } range)
        {
            throw new InvalidDataException("the model has no graph (is this an ONNX model file?)");
        }

        return new OnnxModel(irVersion, opset, OnnxGraph.Parse(range));
    }

    private static (string Domain, long Version) ReadOpset(ByteRange message)
    {
        string domain = "";
        long version = 0;
        CodedInputStream input = message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited):
                    domain = Wire.ReadString(input, message.Buffer);
                    break;
                case (2, WireFormat.WireType.Varint):
                    version = input.ReadInt64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (domain, version);
    }
}
