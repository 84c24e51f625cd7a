using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>A NodeProto: operator, inputs and outputs by value name (an empty name is an omitted optional input), attributes.</summary>
internal sealed class OnnxNode
{
    public string Name { get; private set; } = "";

    public string OpType { get; private set; } = "";

    public string Domain { get; private set; } = "";

    public List<string> Inputs { get; } = [];

    public List<string> Outputs { get; } = [];

    public List<OnnxAttribute> Attributes { get; } = [];

    /// <summary>The node's name, or (nameless) its operator and first output, for messages.</summary>
    public string DisplayName => Name.Length > 0 ? Name : $"{OpType} -> '{(Outputs.Count > 0 ? Outputs[0] : "")}'";

    /// <summary>Whether it is an operator of the default ONNX domain (written as "" or "ai.onnx").</summary>
    public bool IsOnnxOp(string opType) => OpType == opType && Domain is "" or "ai.onnx";

    /// <summary>Input <paramref name="index"/>, or "" when omitted.</summary>
    public string Input(int index) => index < Inputs.Count ? Inputs[index] : "";

    /// <summary>The last attribute of that name (a repeated attribute is the writer's mistake; the last one wins, as for proto fields).</summary>
    public OnnxAttribute? Attribute(string name) => Attributes.LastOrDefault(a => a.Name == name);

    public static OnnxNode Parse(ByteRange message)
    {
        var node = new OnnxNode();
        CodedInputStream input = message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (1, WireFormat.WireType.LengthDelimited):
                    node.Inputs.Add(Wire.ReadString(input, message.Buffer));
                    break;
                case (2, WireFormat.WireType.LengthDelimited):
                    node.Outputs.Add(Wire.ReadString(input, message.Buffer));
                    break;
                case (3, WireFormat.WireType.LengthDelimited):
                    node.Name = Wire.ReadString(input, message.Buffer);
                    break;
                case (4, WireFormat.WireType.LengthDelimited):
                    node.OpType = Wire.ReadString(input, message.Buffer);
                    break;
                case (5, WireFormat.WireType.LengthDelimited):
                    node.Attributes.Add(OnnxAttribute.Parse(Wire.ReadRange(input, message.Buffer)));
                    break;
                case (7, WireFormat.WireType.LengthDelimited):
                    node.Domain = Wire.ReadString(input, message.Buffer);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return node;
    }
}
