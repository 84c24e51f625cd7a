using Google.Protobuf;
using RnnGen.Import.Onnx;
using Xunit;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>
/// The encodings no fixture writer uses but protobuf allows: packed dims and attribute lists, unpacked float_data,
/// DOUBLE and BFLOAT16, fields in any order. Messages are written here with Google.Protobuf's CodedOutputStream.
/// </summary>
public sealed class OnnxWireTests
{
    [Fact]
    public void PackedDimsAndUnpackedFloatDataReadAsTheSameTensor()
    {
        byte[] message = Write(o =>
        {
            // float_data before dims and name, one fixed32 tag per element (declared packed, written unpacked).
            foreach (float v in new[] { 1.5f, -2f, 3.25f, 0f, 1e-30f, -7f })
            {
                o.WriteTag(4, WireFormat.WireType.Fixed32);
                o.WriteFloat(v);
            }

            WritePacked(o, 1, p => { p.WriteInt64(2); p.WriteInt64(3); });
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt32(OnnxTensor.Float);
            o.WriteTag(8, WireFormat.WireType.LengthDelimited);
            o.WriteString("W");
        });

        OnnxTensor tensor = OnnxTensor.Parse(new ByteRange(message, 0, message.Length));

        Assert.Equal("W", tensor.Name);
        Assert.Equal([2L, 3L], tensor.Dims);
        Assert.Equal([1.5f, -2f, 3.25f, 0f, 1e-30f, -7f], tensor.ToFloats());
    }

    [Theory]
    [InlineData(OnnxTensor.Double)]
    [InlineData(OnnxTensor.BFloat16)]
    public void DoubleAndBFloat16RawDataBecomeFloat32(int dataType)
    {
        double[] values = [0.1, -2.5, 65504];
        byte[] raw = dataType == OnnxTensor.Double
            ? values.SelectMany(BitConverter.GetBytes).ToArray()
            : values.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits((float)v) >>> 16))).ToArray();
        byte[] message = Write(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(3);
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt32(dataType);
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(raw));
        });

        float[] read = OnnxTensor.Parse(new ByteRange(message, 0, message.Length)).ToFloats();

        float[] expected = dataType == OnnxTensor.Double
            ? values.Select(v => (float)v).ToArray()
            : values.Select(v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((float)v) & unchecked((int)0xFFFF0000))).ToArray();
        Assert.Equal(expected, read);
    }

    [Fact]
    public void AttributeListsReadPackedAndUnpacked()
    {
        byte[] message = Write(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString("perm");
            WritePacked(o, 8, p => { p.WriteInt64(0); p.WriteInt64(2); });
            o.WriteTag(8, WireFormat.WireType.Varint);
            o.WriteInt64(-1);
            WritePacked(o, 7, p => p.WriteFloat(0.5f));
            o.WriteTag(7, WireFormat.WireType.Fixed32);
            o.WriteFloat(2f);
        });

        OnnxAttribute attribute = OnnxAttribute.Parse(new ByteRange(message, 0, message.Length));

        Assert.Equal("perm", attribute.Name);
        Assert.Equal([0L, 2L, -1L], attribute.Ints);
        Assert.Equal([0.5f, 2f], attribute.Floats);
    }

    [Fact]
    public void DataThatDisagreesWithTheDimsIsRefused()
    {
        byte[] message = Write(o =>
        {
            o.WriteTag(1, WireFormat.WireType.Varint);
            o.WriteInt64(4);
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt32(OnnxTensor.Float);
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(new byte[12]));
        });

        var error = Assert.Throws<InvalidDataException>(() => OnnxTensor.Parse(new ByteRange(message, 0, message.Length)).ToFloats());
        Assert.Equal("tensor '' [4] FLOAT: raw_data holds 12 bytes, expected 16", error.Message);
    }

    private static byte[] Write(Action<CodedOutputStream> write)
    {
        var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }

    private static void WritePacked(CodedOutputStream output, int field, Action<CodedOutputStream> elements)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(Write(elements)));
    }
}
