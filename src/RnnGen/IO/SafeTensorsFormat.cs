using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace RnnGen.IO;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{name: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {string: string}}</c>, then the data
/// section, with offsets relative to its start. Reading validates as the Rust <c>safetensors</c> crate does;
/// writing lays the file out as it does (largest dtype first, then by name; header padded with spaces to a
/// multiple of 8), so a file read and written again comes back byte for byte.
/// </summary>
internal static class SafeTensorsFormat
{
    /// <summary>The header size limit the Rust crate enforces.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved key for free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>One tensor as parsed: its entry and where its bytes sit in the data section.</summary>
    public readonly record struct Entry(TensorInfo Info, long Begin, long End);

    /// <summary>Parses and validates a whole file held in <paramref name="file"/>; nothing is copied.</summary>
    /// <exception cref="InvalidDataException">Anything about the bytes is wrong.</exception>
    public static (List<Entry> Tensors, Dictionary<string, string> Metadata, int DataStart) Parse(ReadOnlySpan<byte> file, string source)
    {
        if (file.Length < 8)
        {
            throw Error(source, null, $"the file is {file.Length} bytes, shorter than the 8-byte header length every safetensors file starts with (truncated?)");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderLength)
        {
            throw Error(source, null, $"the header length is {headerLength} bytes, above the format's limit of {MaxHeaderLength} (not a safetensors file?)");
        }

        if (headerLength > (ulong)(file.Length - 8))
        {
            throw Error(source, null, $"the header length is {headerLength} bytes, but only {file.Length - 8} bytes follow the length field (truncated?)");
        }

        int dataStart = 8 + (int)headerLength;
        ReadOnlySpan<byte> header = file[8..dataStart];
        long dataLength = file.Length - dataStart;
        CheckUtf8(header, source);
        if (header.IsEmpty || header[0] != (byte)'{')
        {
            throw Error(source, null, "the header does not start with '{'; a safetensors header is a JSON object");
        }

        (List<Entry> tensors, Dictionary<string, string> metadata) = ParseHeader(header, source);
        CheckLayout(tensors, dataLength, source);
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
                writer.WriteStartObject(MetadataKey);
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

    private static void CheckUtf8(ReadOnlySpan<byte> header, string source)
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

        throw Error(source, null, $"the header is not valid UTF-8 (first invalid byte at header offset {position})");
    }

    private static (List<Entry>, Dictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header, string source)
    {
        var tensors = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        try
        {
            reader.Read(); // '{', checked by the caller
            while (true)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                string name = GetString(ref reader, source, null);
                reader.Read();
                if (name == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw Error(source, null, $"'{MetadataKey}' appears twice in the header");
                    }

                    sawMetadata = true;
                    ReadMetadata(ref reader, metadata, source);
                }
                else
                {
                    if (!names.Add(name))
                    {
                        throw Error(source, name, "the name appears twice in the header");
                    }

                    tensors.Add(ReadTensor(ref reader, name, source));
                }
            }

            // Only whitespace (the writers' space padding) may follow the object.
            if (reader.Read())
            {
                throw Error(source, null, $"unexpected {reader.TokenType} after the header's JSON object");
            }
        }
        catch (JsonException e)
        {
            throw Error(source, null, $"the header is not valid JSON ({e.Message})", e);
        }

        return (tensors, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(source, null, $"'{MetadataKey}' must be an object of strings, found {Describe(reader.TokenType)}");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = GetString(ref reader, source, null);
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Error(source, null, $"'{MetadataKey}' entry '{key}' must be a string, found {Describe(reader.TokenType)}");
            }

            if (!metadata.TryAdd(key, GetString(ref reader, source, null)))
            {
                throw Error(source, null, $"'{MetadataKey}' entry '{key}' appears twice");
            }
        }
    }

    private static Entry ReadTensor(ref Utf8JsonReader reader, string name, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(source, name, $"expected an object with dtype, shape and data_offsets, found {Describe(reader.TokenType)}");
        }

        string? dtypeName = null;
        List<ulong>? shape = null, offsets = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string field = GetString(ref reader, source, name);
            reader.Read();
            switch (field)
            {
                case "dtype":
                    Once(dtypeName);
                    dtypeName = reader.TokenType == JsonTokenType.String
                        ? GetString(ref reader, source, name)
                        : throw Error(source, name, $"'dtype' must be a string, found {Describe(reader.TokenType)}");
                    break;
                case "shape":
                    Once(shape);
                    shape = ReadIntegers(ref reader, name, "shape", source);
                    break;
                case "data_offsets":
                    Once(offsets);
                    offsets = ReadIntegers(ref reader, name, "data_offsets", source);
                    break;
                default:
                    reader.Skip(); // unknown fields are ignored, as serde does
                    break;
            }

            void Once(object? previous)
            {
                if (previous is not null)
                {
                    throw Error(source, name, $"'{field}' appears twice");
                }
            }
        }

        if (dtypeName is null || shape is null || offsets is null)
        {
            string missing = dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw Error(source, name, $"'{missing}' is missing");
        }

        if (!SafeTensorsDTypes.TryParse(dtypeName, out SafeTensorsDType dtype))
        {
            throw Error(source, name, $"unknown dtype '{dtypeName}'");
        }

        if (offsets.Count != 2)
        {
            throw Error(source, name, $"'data_offsets' must hold two numbers [begin, end), found {offsets.Count}");
        }

        // Checked arithmetic throughout: a hostile shape must not wrap around to a plausible size.
        long[] dimensions = new long[shape.Count];
        long count = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            if (shape[i] > long.MaxValue)
            {
                throw Error(source, name, $"shape {FormatShape(shape)} overflows: entry {shape[i]} is too large");
            }

            dimensions[i] = (long)shape[i];
            long product;
            try
            {
                product = checked(count * dimensions[i]);
            }
            catch (OverflowException)
            {
                throw Error(source, name, $"shape {FormatShape(shape)} overflows: its element count exceeds 2^63");
            }

            count = product;
        }

        long bytes;
        try
        {
            bytes = checked(count * dtype.Size());
        }
        catch (OverflowException)
        {
            throw Error(source, name, $"shape {FormatShape(shape)} of {dtype.Name()} overflows: its byte length exceeds 2^63");
        }

        ulong begin = offsets[0], end = offsets[1];
        if (end < begin)
        {
            throw Error(source, name, $"data_offsets [{begin}, {end}) end before they begin");
        }

        if (end - begin != (ulong)bytes)
        {
            throw Error(source, name, $"shape {FormatShape(shape)} of {dtype.Name()} needs {bytes} bytes, but data_offsets [{begin}, {end}) hold {end - begin}");
        }

        if (end > long.MaxValue)
        {
            throw Error(source, name, $"data_offsets [{begin}, {end}) lie beyond any file");
        }

        return new Entry(new TensorInfo(name, dtype, dimensions, count), (long)begin, (long)end);
    }

    private static List<ulong> ReadIntegers(ref Utf8JsonReader reader, string name, string field, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Error(source, name, $"'{field}' must be an array of non-negative integers, found {Describe(reader.TokenType)}");
        }

        var values = new List<ulong>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong value))
            {
                string found = reader.TokenType == JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan) : Describe(reader.TokenType);
                throw Error(source, name, $"'{field}' entries must be non-negative integers, found {found}");
            }

            values.Add(value);
        }

        return values;
    }

    /// <summary>Sorted by offset, the tensors must tile the data section exactly: no gap, no overlap, nothing past its end.</summary>
    private static void CheckLayout(List<Entry> tensors, long dataLength, string source)
    {
        foreach (Entry entry in tensors)
        {
            if (entry.End > dataLength)
            {
                throw Error(source, entry.Info.Name, $"data_offsets [{entry.Begin}, {entry.End}) run out of bounds: the data section has {dataLength} bytes (truncated?)");
            }
        }

        // Ties on begin (zero-sized tensors) are ordered by end, then name, so the walk below is deterministic.
        var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Info.Name, StringComparer.Ordinal).ToList();
        long position = 0;
        string? previous = null;
        foreach (Entry entry in ordered)
        {
            if (entry.Begin > position)
            {
                throw Error(source, entry.Info.Name, $"data_offsets [{entry.Begin}, {entry.End}) leave a gap: bytes [{position}, {entry.Begin}) of the data section belong to no tensor");
            }

            if (entry.Begin < position)
            {
                throw Error(source, entry.Info.Name, $"data_offsets [{entry.Begin}, {entry.End}) overlap tensor '{previous}', which ends at {position}");
            }

            position = entry.End;
            previous = entry.Info.Name;
        }

        if (position != dataLength)
        {
            throw Error(source, null, $"the data section has {dataLength} bytes but its tensors cover only the first {position}: {dataLength - position} bytes belong to no tensor");
        }
    }

    private static string GetString(ref Utf8JsonReader reader, string source, string? tensor)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            // An escape such as "\uD800" that decodes to invalid UTF-16.
            throw Error(source, tensor, $"the header holds an invalid JSON string ({e.Message})", e);
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string FormatShape(List<ulong> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static InvalidDataException Error(string source, string? tensor, string problem, Exception? inner = null) =>
        WeightFileErrors.Format(source, tensor, problem, inner);
}
