using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>An AttributeProto's scalar, list and tensor values; subgraphs (<c>g</c>, <c>graphs</c>) are only noted, never parsed.</summary>
internal sealed class OnnxAttribute
{
    public string Name { get; private set; } = "";

    public float? Float { get; private set; }

    public long? Int { get; private set; }

    public string? String { get; private set; }

    public OnnxTensor? Tensor { get; private set; }

    public List<float> Floats { get; } = [];

    public List<long> Ints { get; } = [];

    public List<string> Strings { get; } = [];

    /// <summary>Whether it holds a subgraph (If/Loop/Scan bodies), which the importer does not search.</summary>
    public bool HasGraph { get; private set; }

    public static OnnxAttribute Parse(ByteRange message)
    {
        var attribute = new OnnxAttribute();
        CodedInputStream input = message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited):
                    attribute.Name = Wire.ReadString(input, message.Buffer);
                    break;
                case (2, WireFormat.WireType.Fixed32):
                    attribute.Float = input.ReadFloat();
                    break;
                case (3, WireFormat.WireType.Varint):
                    attribute.Int = input.ReadInt64();
                    break;
                case (4, WireFormat.WireType.LengthDelimited):
                    attribute.String = Wire.ReadString(input, message.Buffer);
                    break;
                case (5, WireFormat.WireType.LengthDelimited):
                    attribute.Tensor = OnnxTensor.Parse(Wire.ReadRange(input, message.Buffer));
                    break;
                case (6 or 11, _):
                    attribute.HasGraph = true;
                    input.SkipLastField();
                    break;
                case (7, WireFormat.WireType.Fixed32 or WireFormat.WireType.LengthDelimited):
                    Wire.ReadFloats(input, message.Buffer, tag, attribute.Floats);
                    break;
                case (8, WireFormat.WireType.Varint or WireFormat.WireType.LengthDelimited):
                    Wire.ReadInt64s(input, message.Buffer, tag, attribute.Ints);
                    break;
                case (9, WireFormat.WireType.LengthDelimited):
                    attribute.Strings.Add(Wire.ReadString(input, message.Buffer));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return attribute;
    }
}
