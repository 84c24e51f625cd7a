// Compiled into both the runtime library (IO/SafeTensorsFormat.cs) and the generator (Parsing/WeightsHeaderParser.cs):
// the one definition of what makes a safetensors header valid and of the words that say what is wrong, so a file the
// build accepts loads at run time, and a file that fails says the same thing at build time and at run time. Each side
// reads the JSON syntax itself (System.Text.Json at run time; the generator must not load it) into a JsonValue tree.
// Keep it netstandard2.0-clean.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace RnnGen.IO;

/// <summary>
/// A validated safetensors header: every tensor's name, dtype, shape and byte range in the data section, and the
/// <c>__metadata__</c> pairs. <see cref="Validate"/> checks it as the Rust <c>safetensors</c> crate does; the static
/// checks before it cover the bytes around the JSON. Every problem is an <see cref="InvalidHeaderException"/>.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The header size limit the Rust crate enforces. RnnGen's MSBuild targets repeat it (a test keeps them equal).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved key for free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    // The dtypes the format defines, in its own order (the runtime's SafeTensorsDType enum follows it), with bytes per element.
    private static readonly string[] DTypeNames = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];
    private static readonly int[] DTypeSizes = [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8];

    private SafeTensorsHeader(List<Tensor> tensors, List<KeyValuePair<string, string>> metadata, long dataLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataLength = dataLength;
    }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> pairs in header order (none when absent or null).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }

    /// <summary>The length of the data section, which the tensors tile exactly.</summary>
    public long DataLength { get; }

    /// <summary>How many dtypes the format defines; their indices are 0 to <c>DTypeCount − 1</c>.</summary>
    public static int DTypeCount => DTypeNames.Length;

    /// <summary>The index of a dtype as a header spells it (case-sensitive), or −1.</summary>
    public static int DTypeIndex(string name) => Array.IndexOf(DTypeNames, name);

    public static string DTypeName(int index) => DTypeNames[index];

    public static int DTypeSize(int index) => DTypeSizes[index];

    /// <summary>Every file starts with an 8-byte little-endian header length.</summary>
    public static void CheckFileLength(long fileLength)
    {
        if (fileLength < 8)
        {
            throw Invalid(null, $"the file is {N(fileLength)} bytes, shorter than the 8-byte header length every safetensors file starts with (truncated?)");
        }
    }

    /// <summary>The header length read from the first 8 bytes of a file of <paramref name="fileLength"/> bytes.</summary>
    public static void CheckHeaderLength(ulong headerLength, long fileLength)
    {
        if (headerLength > MaxHeaderLength)
        {
            throw Invalid(null, $"the header length is {N(headerLength)} bytes, above the format's limit of {N(MaxHeaderLength)} (not a safetensors file?)");
        }

        if (headerLength > (ulong)(fileLength - 8))
        {
            throw Invalid(null, $"the header length is {N(headerLength)} bytes, but only {N(fileLength - 8)} bytes follow the length field (truncated?)");
        }
    }

    /// <summary>The header is not UTF-8; <paramref name="offset"/> is the first byte of the first invalid sequence.</summary>
    public static InvalidHeaderException NotUtf8(long offset) =>
        Invalid(null, $"the header is not valid UTF-8 (first invalid byte at header offset {N(offset)})");

    /// <summary>The header must open with '{' at once (no whitespace first), as the Rust crate requires.</summary>
    /// <param name="firstByte">The header's first byte, or −1 when it is empty.</param>
    public static void CheckOpening(int firstByte)
    {
        if (firstByte != '{')
        {
            throw NotAnObject();
        }
    }

    /// <summary>Validates a header as parsed into <paramref name="root"/>, whose file has a data section of <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="InvalidHeaderException">Anything about the header is wrong.</exception>
    public static SafeTensorsHeader Validate(JsonValue root, long dataLength)
    {
        if (root.Kind != JsonKind.Object)
        {
            throw NotAnObject();
        }

        var tensors = new List<Tensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var metadata = new List<KeyValuePair<string, string>>();
        bool sawMetadata = false;
        foreach (KeyValuePair<string, JsonValue> member in root.Members)
        {
            if (member.Key == MetadataKey)
            {
                if (sawMetadata)
                {
                    throw Invalid(null, $"'{MetadataKey}' appears twice in the header");
                }

                sawMetadata = true;
                ReadMetadata(member.Value, metadata);
            }
            else
            {
                if (!names.Add(member.Key))
                {
                    throw Invalid(member.Key, "the name appears twice in the header");
                }

                tensors.Add(ReadTensor(member.Key, member.Value));
            }
        }

        CheckLayout(tensors, dataLength);
        return new SafeTensorsHeader(tensors, metadata, dataLength);
    }

    private static void ReadMetadata(JsonValue value, List<KeyValuePair<string, string>> metadata)
    {
        if (value.Kind == JsonKind.Null)
        {
            return;
        }

        if (value.Kind != JsonKind.Object)
        {
            throw Invalid(null, $"'{MetadataKey}' must be an object of strings, found {value.Description}");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonValue> entry in value.Members)
        {
            if (entry.Value.Kind != JsonKind.String)
            {
                throw Invalid(null, $"'{MetadataKey}' entry '{entry.Key}' must be a string, found {entry.Value.Description}");
            }

            if (!keys.Add(entry.Key))
            {
                throw Invalid(null, $"'{MetadataKey}' entry '{entry.Key}' appears twice");
            }

            metadata.Add(new KeyValuePair<string, string>(entry.Key, entry.Value.Text));
        }
    }

    private static Tensor ReadTensor(string name, JsonValue value)
    {
        if (value.Kind != JsonKind.Object)
        {
            throw Invalid(name, $"expected an object with dtype, shape and data_offsets, found {value.Description}");
        }

        string? dtypeName = null;
        List<string>? shape = null, offsets = null;
        foreach (KeyValuePair<string, JsonValue> field in value.Members)
        {
            switch (field.Key)
            {
                case "dtype":
                    Once(dtypeName, field.Key);
                    dtypeName = field.Value.Kind == JsonKind.String
                        ? field.Value.Text
                        : throw Invalid(name, $"'dtype' must be a string, found {field.Value.Description}");
                    break;
                case "shape":
                    Once(shape, field.Key);
                    shape = Integers(name, field.Key, field.Value);
                    break;
                case "data_offsets":
                    Once(offsets, field.Key);
                    offsets = Integers(name, field.Key, field.Value);
                    break;
                default:
                    break; // unknown fields are ignored, as serde does
            }
        }

        if (dtypeName is null || shape is null || offsets is null)
        {
            throw Invalid(name, $"'{(dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets")}' is missing");
        }

        int dtype = DTypeIndex(dtypeName);
        if (dtype < 0)
        {
            throw Invalid(name, $"unknown dtype '{dtypeName}'");
        }

        if (offsets.Count != 2)
        {
            throw Invalid(name, $"'data_offsets' must hold two numbers [begin, end), found {N(offsets.Count)}");
        }

        // Checked arithmetic throughout: a hostile shape must not wrap around to a plausible size.
        long[] dimensions = new long[shape.Count];
        long count = 1;
        for (int i = 0; i < shape.Count; i++)
        {
            if (!long.TryParse(shape[i], NumberStyles.None, CultureInfo.InvariantCulture, out dimensions[i]))
            {
                throw Invalid(name, $"shape {FormatShape(shape)} overflows: entry {shape[i]} is too large");
            }

            try
            {
                count = checked(count * dimensions[i]);
            }
            catch (OverflowException)
            {
                throw Invalid(name, $"shape {FormatShape(shape)} overflows: its element count exceeds 2^63");
            }
        }

        long bytes;
        try
        {
            bytes = checked(count * DTypeSizes[dtype]);
        }
        catch (OverflowException)
        {
            throw Invalid(name, $"shape {FormatShape(shape)} of {dtypeName} overflows: its byte length exceeds 2^63");
        }

        string range = $"data_offsets [{offsets[0]}, {offsets[1]})";
        if (!ulong.TryParse(offsets[0], NumberStyles.None, CultureInfo.InvariantCulture, out ulong begin)
            || !ulong.TryParse(offsets[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong end))
        {
            throw Invalid(name, $"{range} lie beyond any file");
        }

        if (end < begin)
        {
            throw Invalid(name, $"{range} end before they begin");
        }

        if (end - begin != (ulong)bytes)
        {
            throw Invalid(name, $"shape {FormatShape(shape)} of {dtypeName} needs {N(bytes)} bytes, but {range} hold {(end - begin).ToString(CultureInfo.InvariantCulture)}");
        }

        if (end > long.MaxValue)
        {
            throw Invalid(name, $"{range} lie beyond any file");
        }

        return new Tensor(name, dtypeName, dtype, dimensions, count, (long)begin, (long)end);

        void Once(object? previous, string field)
        {
            if (previous is not null)
            {
                throw Invalid(name, $"'{field}' appears twice");
            }
        }
    }

    /// <summary>An array of non-negative integers, kept as written so that any size is judged exactly later.</summary>
    private static List<string> Integers(string name, string field, JsonValue value)
    {
        if (value.Kind != JsonKind.Array)
        {
            throw Invalid(name, $"'{field}' must be an array of non-negative integers, found {value.Description}");
        }

        var integers = new List<string>(value.Items.Count);
        foreach (JsonValue item in value.Items)
        {
            if (item.Kind != JsonKind.Number || !item.Text.All(c => c >= '0' && c <= '9'))
            {
                throw Invalid(name, $"'{field}' entries must be non-negative integers, found {(item.Kind == JsonKind.Number ? item.Text : item.Description)}");
            }

            integers.Add(item.Text);
        }

        return integers;
    }

    /// <summary>Sorted by offset, the tensors must tile the data section exactly: no gap, no overlap, nothing past its end.</summary>
    private static void CheckLayout(List<Tensor> tensors, long dataLength)
    {
        foreach (Tensor tensor in tensors)
        {
            if (tensor.End > dataLength)
            {
                throw Invalid(tensor.Name, $"data_offsets [{N(tensor.Begin)}, {N(tensor.End)}) run out of bounds: the data section has {N(dataLength)} bytes (truncated?)");
            }
        }

        // Ties on begin (zero-sized tensors) are ordered by end, then name, so the walk below is deterministic.
        long position = 0;
        string? previous = null;
        foreach (Tensor tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            if (tensor.Begin > position)
            {
                throw Invalid(tensor.Name, $"data_offsets [{N(tensor.Begin)}, {N(tensor.End)}) leave a gap: bytes [{N(position)}, {N(tensor.Begin)}) of the data section belong to no tensor");
            }

            if (tensor.Begin < position)
            {
                throw Invalid(tensor.Name, $"data_offsets [{N(tensor.Begin)}, {N(tensor.End)}) overlap tensor '{previous}', which ends at {N(position)}");
            }

            position = tensor.End;
            previous = tensor.Name;
        }

        if (position != dataLength)
        {
            throw Invalid(null, $"the data section has {N(dataLength)} bytes but its tensors cover only the first {N(position)}: {N(dataLength - position)} bytes belong to no tensor");
        }
    }

    private static InvalidHeaderException NotAnObject() =>
        Invalid(null, "the header does not start with '{'; a safetensors header is a JSON object");

    private static string FormatShape(List<string> shape) => "[" + string.Join(", ", shape) + "]";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string N(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static InvalidHeaderException Invalid(string? tensor, string problem) => new(tensor, problem);

    /// <summary>One tensor's entry: its dtype (as spelled, and its index in the format's dtype order), shape, and byte range.</summary>
    internal sealed class Tensor(string name, string dtype, int dtypeIndex, long[] shape, long count, long begin, long end)
    {
        public string Name { get; } = name;

        public string DType { get; } = dtype;

        public int DTypeIndex { get; } = dtypeIndex;

        public long[] Shape { get; } = shape;

        /// <summary>The element count, the product of <see cref="Shape"/>.</summary>
        public long Count { get; } = count;

        /// <summary>Where its bytes start in the data section.</summary>
        public long Begin { get; } = begin;

        /// <summary>Where its bytes end (exclusive).</summary>
        public long End { get; } = end;
    }

    internal enum JsonKind
    {
        Object,
        Array,
        String,
        Number,
        Boolean,
        Null,
    }

    /// <summary>
    /// A JSON value as each side's reader hands it over: objects keep their members in order, duplicates included,
    /// and numbers keep their text, so the rules above can judge both.
    /// </summary>
    internal sealed class JsonValue
    {
        public static readonly JsonValue Null = new(JsonKind.Null, "null");

        private JsonValue(JsonKind kind, string text)
        {
            Kind = kind;
            Text = text;
        }

        public JsonKind Kind { get; }

        /// <summary>A string's value, a number as written, or <c>true</c>, <c>false</c> or <c>null</c>.</summary>
        public string Text { get; }

        /// <summary>An object's members, in order.</summary>
        public List<KeyValuePair<string, JsonValue>> Members { get; } = [];

        /// <summary>An array's items.</summary>
        public List<JsonValue> Items { get; } = [];

        /// <summary>How messages name a value found where another was expected.</summary>
        public string Description => Kind switch
        {
            JsonKind.Object => "an object",
            JsonKind.Array => "an array",
            JsonKind.String => "a string",
            JsonKind.Number => "a number",
            JsonKind.Boolean => "a boolean",
            _ => "null",
        };

        public static JsonValue NewObject() => new(JsonKind.Object, "");

        public static JsonValue NewArray() => new(JsonKind.Array, "");

        public static JsonValue NewString(string value) => new(JsonKind.String, value);

        public static JsonValue NewNumber(string text) => new(JsonKind.Number, text);

        public static JsonValue NewBoolean(bool value) => new(JsonKind.Boolean, value ? "true" : "false");
    }

    /// <summary>
    /// A header that breaks a rule. <see cref="Exception.Message"/> is <c>"{tensor}: {problem}"</c>, or the problem
    /// alone when it concerns no one tensor: the text both RNNG009 and the runtime's InvalidDataException carry.
    /// </summary>
    internal sealed class InvalidHeaderException(string? tensor, string problem) : FormatException(Describe(tensor, problem))
    {
        /// <summary>The tensor concerned, or null.</summary>
        public string? Tensor { get; } = tensor;

        /// <summary>The problem alone, without the tensor's name.</summary>
        public string Problem { get; } = problem;

        /// <summary>An empty name is shown quoted, so that the message does not start with a bare colon.</summary>
        public static string Describe(string? tensor, string problem) => tensor switch
        {
            null => problem,
            "" => "\"\": " + problem,
            _ => tensor + ": " + problem,
        };
    }
}
