using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>
/// A TensorProto: name, dims and data type read at once; the values decoded only when asked, from
/// <c>raw_data</c> (little-endian) or the typed field, packed or not.
/// </summary>
internal sealed class OnnxTensor
{
    public const int Float = 1, Int32 = 6, Int64 = 7, Float16 = 10, Double = 11, BFloat16 = 16;

    private readonly ByteRange _message;

    private OnnxTensor(ByteRange message, string name, long[] dims, int dataType, bool isExternal)
    {
        _message = message;
        Name = name;
        Dims = dims;
        DataType = dataType;
        IsExternal = isExternal;
    }

    public string Name { get; }

    public IReadOnlyList<long> Dims { get; }

    public int DataType { get; }

    /// <summary>Whether the values live in another file (<c>data_location = EXTERNAL</c>).</summary>
    public bool IsExternal { get; }

    /// <summary>The dims as text, e.g. <c>[2, 16, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    public string TypeName => DataType switch
    {
        Float => "FLOAT",
        Int32 => "INT32",
        Int64 => "INT64",
        Float16 => "FLOAT16",
        Double => "DOUBLE",
        BFloat16 => "BFLOAT16",
        _ => string.Create(CultureInfo.InvariantCulture, $"data type {DataType}"),
    };

    public static OnnxTensor Parse(ByteRange message)
    {
        var dims = new List<long>();
        string name = "";
        int dataType = 0;
        bool isExternal = false;
        CodedInputStream input = message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (1, WireFormat.WireType.Varint or WireFormat.WireType.LengthDelimited):
                    Wire.ReadInt64s(input, message.Buffer, tag, dims);
                    break;
                case (2, WireFormat.WireType.Varint):
                    dataType = input.ReadInt32();
                    break;
                case (8, WireFormat.WireType.LengthDelimited):
                    name = Wire.ReadString(input, message.Buffer);
                    break;
                case (14, WireFormat.WireType.Varint):
                    isExternal = input.ReadEnum() == 1;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new OnnxTensor(message, name, dims.ToArray(), dataType, isExternal);
    }

    /// <summary>The number of elements the dims describe (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long d in Dims)
            {
                if (d < 0)
                {
                    throw new InvalidDataException($"tensor '{Name}' has a negative dimension: {ShapeText}");
                }

                count = d == 0 ? 0 : count > int.MaxValue / d ? throw new InvalidDataException($"tensor '{Name}' is too large: {ShapeText}") : count * d;
            }

            return count;
        }
    }

    /// <summary>The values as float32: FLOAT as stored, FLOAT16/BFLOAT16 widened exactly, DOUBLE rounded to nearest.</summary>
    public float[] ToFloats()
    {
        Data data = ReadData();
        int n = checked((int)ElementCount);
        var values = new float[n];
        switch (DataType)
        {
            case Float when data.Raw is { } raw:
                RequireLength(raw.Length, n, sizeof(float));
                for (int i = 0; i < n; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Span[(i * 4)..]);
                }

                break;
            case Float:
                RequireCount(data.Floats.Count, n, "float_data");
                data.Floats.CopyTo(values);
                break;
            case Float16 or BFloat16 when data.Raw is { } raw:
                RequireLength(raw.Length, n, sizeof(ushort));
                for (int i = 0; i < n; i++)
                {
                    values[i] = Widen(BinaryPrimitives.ReadUInt16LittleEndian(raw.Span[(i * 2)..]));
                }

                break;
            case Float16 or BFloat16:
                RequireCount(data.Int32s.Count, n, "int32_data");
                for (int i = 0; i < n; i++)
                {
                    int bits = data.Int32s[i];
                    values[i] = bits is >= 0 and <= ushort.MaxValue
                        ? Widen((ushort)bits)
                        : throw new InvalidDataException($"tensor '{Name}': int32_data[{i}] = {bits} is not a 16-bit pattern");
                }

                break;
            case Double when data.Raw is { } raw:
                RequireLength(raw.Length, n, sizeof(double));
                for (int i = 0; i < n; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.Span[(i * 8)..]);
                }

                break;
            case Double:
                RequireCount(data.Doubles.Count, n, "double_data");
                for (int i = 0; i < n; i++)
                {
                    values[i] = (float)data.Doubles[i];
                }

                break;
            default:
                throw new InvalidDataException($"tensor '{Name}' is {TypeName}, not FLOAT, FLOAT16, BFLOAT16 or DOUBLE");
        }

        return values;
    }

    /// <summary>The values of an INT64 or INT32 tensor (shape and axes constants).</summary>
    public long[] ToInt64s()
    {
        Data data = ReadData();
        int n = checked((int)ElementCount);
        var values = new long[n];
        switch (DataType)
        {
            case Int64 when data.Raw is { } raw:
                RequireLength(raw.Length, n, sizeof(long));
                for (int i = 0; i < n; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Span[(i * 8)..]);
                }

                break;
            case Int64:
                RequireCount(data.Int64s.Count, n, "int64_data");
                data.Int64s.CopyTo(values);
                break;
            case Int32 when data.Raw is { } raw:
                RequireLength(raw.Length, n, sizeof(int));
                for (int i = 0; i < n; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Span[(i * 4)..]);
                }

                break;
            case Int32:
                RequireCount(data.Int32s.Count, n, "int32_data");
                for (int i = 0; i < n; i++)
                {
                    values[i] = data.Int32s[i];
                }

                break;
            default:
                throw new InvalidDataException($"tensor '{Name}' is {TypeName}, not INT64 or INT32");
        }

        return values;
    }

    /// <summary>A 16-bit pattern as float32, exactly: IEEE half, or bfloat16 (the high half of a float32).</summary>
    private float Widen(ushort bits) =>
        DataType == BFloat16 ? BitConverter.Int32BitsToSingle(bits << 16) : (float)BitConverter.UInt16BitsToHalf(bits);

    private Data ReadData()
    {
        if (IsExternal)
        {
            throw new InvalidDataException($"tensor '{Name}' keeps its values in an external file, which RnnGen.Import does not read; save the model with its tensors inside (onnx.save_model(model, path, save_as_external_data=False))");
        }

        var data = new Data();
        CodedInputStream input = _message.Open();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (Wire.Field(tag), Wire.Type(tag))
            {
                case (9, WireFormat.WireType.LengthDelimited):
                    data.Raw = Wire.ReadRange(input, _message.Buffer);
                    break;
                case (4, WireFormat.WireType.Fixed32 or WireFormat.WireType.LengthDelimited):
                    Wire.ReadFloats(input, _message.Buffer, tag, data.Floats);
                    break;
                case (5, WireFormat.WireType.Varint or WireFormat.WireType.LengthDelimited):
                    Wire.ReadInt32s(input, _message.Buffer, tag, data.Int32s);
                    break;
                case (7, WireFormat.WireType.Varint or WireFormat.WireType.LengthDelimited):
                    Wire.ReadInt64s(input, _message.Buffer, tag, data.Int64s);
                    break;
                case (10, WireFormat.WireType.Fixed64 or WireFormat.WireType.LengthDelimited):
                    Wire.ReadDoubles(input, _message.Buffer, tag, data.Doubles);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return data;
    }

    private void RequireLength(int bytes, int count, int width)
    {
        if (bytes != (long)count * width)
        {
            throw new InvalidDataException($"tensor '{Name}' {ShapeText} {TypeName}: raw_data holds {bytes} bytes, expected {(long)count * width}");
        }
    }

    private void RequireCount(int found, int count, string field)
    {
        if (found != count)
        {
            throw new InvalidDataException($"tensor '{Name}' {ShapeText} {TypeName}: {field} holds {found} values, expected {count}");
        }
    }

    private sealed class Data
    {
        public ByteRange? Raw { get; set; }

        public List<float> Floats { get; } = [];

        public List<int> Int32s { get; } = [];

        public List<long> Int64s { get; } = [];

        public List<double> Doubles { get; } = [];
    }
}
