using System.Text;
using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>
/// The few protobuf reads the ONNX parser needs beyond <see cref="CodedInputStream"/>'s public API: a nested field's
/// payload without copying it (PushLimit is internal), and repeated scalars in both encodings (ONNX declares
/// <c>dims</c>, <c>floats</c> and <c>ints</c> unpacked but the tensor data fields packed; writers differ).
/// Malformed bytes throw <see cref="InvalidDataException"/> or Google.Protobuf's own exceptions; the caller wraps both.
/// </summary>
internal static class Wire
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int Field(uint tag) => WireFormat.GetTagFieldNumber(tag);

    public static WireFormat.WireType Type(uint tag) => WireFormat.GetTagWireType(tag);

    /// <summary>
    /// After <see cref="CodedInputStream.ReadTag"/> returned a length-delimited tag: the payload's
    /// place in <paramref name="buffer"/>, and <paramref name="input"/> moved past it. SkipLastField checks the length
    /// against the enclosing message; the length varint is decoded again from where it starts. Over a byte array,
    /// <see cref="CodedInputStream.Position"/> is an absolute index into that array.
    /// </summary>
    public static ByteRange ReadRange(CodedInputStream input, byte[] buffer)
    {
        int lengthAt = checked((int)input.Position);
        input.SkipLastField();
        int end = checked((int)input.Position);
        var lengthReader = new CodedInputStream(buffer, lengthAt, end - lengthAt);
        int length = lengthReader.ReadLength();
        int start = checked((int)lengthReader.Position);
        if (length < 0 || start + length != end)
        {
            throw new InvalidDataException($"a length-delimited field at byte {lengthAt} does not end where its length says");
        }

        return new ByteRange(buffer, start, length);
    }

    /// <summary>A length-delimited string field, decoded as strict UTF-8.</summary>
    public static string ReadString(CodedInputStream input, byte[] buffer) => StrictUtf8.GetString(ReadRange(input, buffer).Span);

    /// <summary>One element (varint) or a packed run (length-delimited) of a repeated int64 field.</summary>
    public static void ReadInt64s(CodedInputStream input, byte[] buffer, uint tag, List<long> values)
    {
        if (Type(tag) == WireFormat.WireType.Varint)
        {
            values.Add(input.ReadInt64());
            return;
        }

        CodedInputStream packed = RequirePacked(input, buffer, tag).Open();
        while (!packed.IsAtEnd)
        {
            values.Add(packed.ReadInt64());
        }
    }

    /// <summary>One element (varint) or a packed run of a repeated int32 field.</summary>
    public static void ReadInt32s(CodedInputStream input, byte[] buffer, uint tag, List<int> values)
    {
        if (Type(tag) == WireFormat.WireType.Varint)
        {
            values.Add(input.ReadInt32());
            return;
        }

        CodedInputStream packed = RequirePacked(input, buffer, tag).Open();
        while (!packed.IsAtEnd)
        {
            values.Add(packed.ReadInt32());
        }
    }

    /// <summary>One element (fixed32) or a packed run of a repeated float field.</summary>
    public static void ReadFloats(CodedInputStream input, byte[] buffer, uint tag, List<float> values)
    {
        if (Type(tag) == WireFormat.WireType.Fixed32)
        {
            values.Add(input.ReadFloat());
            return;
        }

        ByteRange packed = RequirePacked(input, buffer, tag);
        if (packed.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"a packed float field holds {packed.Length} bytes, not a multiple of 4");
        }

        CodedInputStream reader = packed.Open();
        while (!reader.IsAtEnd)
        {
            values.Add(reader.ReadFloat());
        }
    }

    /// <summary>One element (fixed64) or a packed run of a repeated double field.</summary>
    public static void ReadDoubles(CodedInputStream input, byte[] buffer, uint tag, List<double> values)
    {
        if (Type(tag) == WireFormat.WireType.Fixed64)
        {
            values.Add(input.ReadDouble());
            return;
        }

        ByteRange packed = RequirePacked(input, buffer, tag);
        if (packed.Length % sizeof(double) != 0)
        {
            throw new InvalidDataException($"a packed double field holds {packed.Length} bytes, not a multiple of 8");
        }

        CodedInputStream reader = packed.Open();
        while (!reader.IsAtEnd)
        {
            values.Add(reader.ReadDouble());
        }
    }

    private static ByteRange RequirePacked(CodedInputStream input, byte[] buffer, uint tag) =>
        Type(tag) == WireFormat.WireType.LengthDelimited
            ? ReadRange(input, buffer)
            : throw new InvalidDataException($"field {Field(tag)} has wire type {Type(tag)}, which no encoding of a repeated scalar uses");
}
