using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace RnnGen.IO;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {string: string}}</c>, then the data
/// section, with offsets relative to its start. Reading validates as the Rust <c>safetensors</c> crate does: the JSON
/// syntax here, every other rule in <see cref="SafeTensorsHeader"/>, which the generator's build-time check shares;
/// writing lays the file out as it does (largest dtype first, then by name; header padded with spaces to a
/// multiple of 8), so a file read and written again comes back byte for byte.
/// </summary>
internal static class SafeTensorsFormat
{
    /// <summary>One tensor as parsed: its entry and where its bytes sit in the data section.</summary>
    public readonly record struct Entry(TensorInfo Info, long Begin, long End);

    /// <summary>Parses and validates a whole file held in <paramref name="file"/>; nothing is copied.</summary>
    /// <exception cref="InvalidDataException">Anything about the bytes is wrong.</exception>
    public static (List<Entry> Tensors, Dictionary<string, string> Metadata, int DataStart) Parse(ReadOnlySpan<byte> file, string source)
    {
        SafeTensorsHeader header;
        int dataStart;
        try
        {
            SafeTensorsHeader.CheckFileLength(file.Length);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
            SafeTensorsHeader.CheckHeaderLength(headerLength, file.Length);
            dataStart = 8 + (int)headerLength;
            ReadOnlySpan<byte> json = file[8..dataStart];
            CheckUtf8(json);
            SafeTensorsHeader.CheckOpening(json.IsEmpty ? -1 : json[0]);
            header = SafeTensorsHeader.Validate(ReadJson(json, source), file.Length - dataStart);
        }
        catch (SafeTensorsHeader.InvalidHeaderException e)
        {
            throw Error(source, e.Tensor, e.Problem);
        }

        var tensors = new List<Entry>(header.Tensors.Count);
        foreach (SafeTensorsHeader.Tensor tensor in header.Tensors)
        {
            tensors.Add(new Entry(new TensorInfo(tensor.Name, (SafeTensorsDType)tensor.DTypeIndex, tensor.Shape, tensor.Count), tensor.Begin, tensor.End));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, string> pair in header.Metadata)
        {
            metadata.Add(pair.Key, pair.Value);
        }

        return (tensors, metadata, dataStart);
    }

    /// <summary>Writes a complete file: tensors sorted as the Rust crate sorts them, metadata omitted when empty.</summary>
    public static void Write(Stream stream, IEnumerable<(TensorInfo Info, ReadOnlyMemory<byte> Data)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var ordered = tensors
            .OrderByDescending(t => t.Info.DType)
            .ThenBy(t => t.Info.Name, StringComparer.Ordinal)
            .ToList();

        var json = new ArrayBufferWriter<byte>();
        // Compact and without escaping beyond what JSON requires, like serde_json: this is a file header, not HTML.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false }))
        {
            writer.WriteStartObject();
            if (metadata.Count > 0)
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(pair.Key, pair.Value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach ((TensorInfo info, ReadOnlyMemory<byte> data) in ordered)
            {
                writer.WriteStartObject(info.Name);
                writer.WriteString("dtype", info.DType.Name());
                writer.WriteStartArray("shape");
                foreach (long dimension in info.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += data.Length;
            }

            writer.WriteEndObject();
        }

        int padding = (8 - json.WrittenCount % 8) % 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.WrittenCount + padding));
        stream.Write(prefix);
        stream.Write(json.WrittenSpan);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach ((_, ReadOnlyMemory<byte> data) in ordered)
        {
            stream.Write(data.Span);
        }
    }

    private static void CheckUtf8(ReadOnlySpan<byte> header)
    {
        if (Utf8.IsValid(header))
        {
            return;
        }

        // Find the first bad byte for the message, a chunk at a time so a huge header needs no huge buffer.
        Span<char> chars = stackalloc char[1024];
        int position = 0;
        while (true)
        {
            OperationStatus status = Utf8.ToUtf16(header[position..], chars, out int read, out _, replaceInvalidSequences: false);
            position += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                break;
            }
        }

        throw SafeTensorsHeader.NotUtf8(position);
    }

    /// <summary>The header's JSON syntax (strict: no comments, no trailing commas, only whitespace after the object) into the tree the rules judge.</summary>
    private static SafeTensorsHeader.JsonValue ReadJson(ReadOnlySpan<byte> json, string source)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        try
        {
            reader.Read();
            SafeTensorsHeader.JsonValue root = ReadValue(ref reader, source);
            if (reader.Read())
            {
                throw Error(source, null, $"unexpected {reader.TokenType} after the header's JSON object");
            }

            return root;
        }
        catch (JsonException e)
        {
            throw Error(source, null, $"the header is not valid JSON ({e.Message})", e);
        }
    }

    private static SafeTensorsHeader.JsonValue ReadValue(ref Utf8JsonReader reader, string source)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                SafeTensorsHeader.JsonValue obj = SafeTensorsHeader.JsonValue.NewObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string key = GetString(ref reader, source);
                    reader.Read();
                    obj.Members.Add(new(key, ReadValue(ref reader, source)));
                }

                return obj;
            case JsonTokenType.StartArray:
                SafeTensorsHeader.JsonValue array = SafeTensorsHeader.JsonValue.NewArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Items.Add(ReadValue(ref reader, source));
                }

                return array;
            case JsonTokenType.String:
                return SafeTensorsHeader.JsonValue.NewString(GetString(ref reader, source));
            case JsonTokenType.Number:
                return SafeTensorsHeader.JsonValue.NewNumber(Encoding.UTF8.GetString(reader.ValueSpan)); // numbers are never escaped
            case JsonTokenType.True or JsonTokenType.False:
                return SafeTensorsHeader.JsonValue.NewBoolean(reader.TokenType == JsonTokenType.True);
            default:
                return SafeTensorsHeader.JsonValue.Null;
        }
    }

    private static string GetString(ref Utf8JsonReader reader, string source)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // An escape such as "\uD800" that decodes to invalid UTF-16.
            throw Error(source, null, $"the header holds an invalid JSON string ({e.Message})", e);
        }
    }

    private static InvalidDataException Error(string source, string? tensor, string problem, Exception? inner = null) =>
        WeightFileErrors.Format(source, tensor, problem, inner);
}
