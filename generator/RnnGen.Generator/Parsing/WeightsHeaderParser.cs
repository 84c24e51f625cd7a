using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// Reads the sidecar RnnGen's MSBuild targets write for each <c>RnnGenWeights</c> item (see
/// src/RnnGen/buildTransitive/RnnGen.targets) and validates the safetensors header in it as the runtime reader
/// does, so a file that would fail to load fails the build instead.
/// </summary>
internal static class WeightsHeaderParser
{
    public const string SidecarExtension = ".rnngen";
    private const string Magic = "rnngen-weights-header 1";
    private const long MaxHeaderLength = 100_000_000;
    private const string MetadataKey = "__metadata__";

    /// <summary>Bytes per element of every dtype the format defines.</summary>
    public static readonly IReadOnlyDictionary<string, int> DTypeSizes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["F64"] = 8, ["I64"] = 8, ["U64"] = 8,
    };

    public static bool IsSidecar(string path) => path.EndsWith(SidecarExtension, StringComparison.OrdinalIgnoreCase);

    public static WeightsHeader Parse(string path, string? text)
    {
        string fallbackName = Path.GetFileName(path);
        fallbackName = fallbackName.Substring(0, fallbackName.Length - SidecarExtension.Length);
        if (text is null)
        {
            return Invalid(fallbackName, "its header sidecar could not be read");
        }

        // Line fields first; the header JSON is everything after "header:\n", verbatim.
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? json = null;
        int position = 0;
        bool first = true;
        while (position < text.Length)
        {
            int end = text.IndexOf('\n', position);
            string line = (end < 0 ? text.Substring(position) : text.Substring(position, end - position)).TrimEnd('\r');
            position = end < 0 ? text.Length : end + 1;
            if (first)
            {
                if (line != Magic)
                {
                    return Invalid(fallbackName, "its header sidecar is not one RnnGen's MSBuild targets wrote");
                }

                first = false;
                continue;
            }

            if (line == "header:")
            {
                json = text.Substring(position);
                break;
            }

            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line.Substring(0, colon)] = line.Substring(colon + 2);
            }
        }

        string name = fields.TryGetValue("file", out string? file) ? file : fallbackName;
        if (fields.TryGetValue("error", out string? error))
        {
            return Invalid(name, error);
        }

        if (json is null
            || !fields.TryGetValue("length", out string? lengthText) || !long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out long length)
            || !fields.TryGetValue("header-length", out string? headerText) || !long.TryParse(headerText, NumberStyles.None, CultureInfo.InvariantCulture, out long headerLength)
            || headerLength > MaxHeaderLength || 8 + headerLength > length)
        {
            return Invalid(name, "its header sidecar is incomplete; rebuild to extract it again");
        }

        try
        {
            return new WeightsHeader(name, null, ParseTensors(json, length - 8 - headerLength).ToEquatableArray());
        }
        catch (FormatException e)
        {
            return Invalid(name, e.Message);
        }
    }

    private static WeightsHeader Invalid(string name, string error) => new(name, error, EquatableArray<HeaderTensor>.Empty);

    /// <summary>The tensors of a header, validated as the runtime reader validates them; throws <see cref="FormatException"/>.</summary>
    private static List<HeaderTensor> ParseTensors(string json, long dataLength)
    {
        if (json.Length == 0 || json[0] != '{')
        {
            throw new FormatException("the header does not start with '{'; a safetensors header is a JSON object");
        }

        var root = (HeaderJson.ObjectValue)HeaderJson.Parse(json);
        var tensors = new List<HeaderTensor>();
        var spans = new List<(long Begin, long End, string Name)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, HeaderJson.Value> member in root.Members)
        {
            if (!seen.Add(member.Key))
            {
                throw new FormatException(member.Key == MetadataKey ? $"'{MetadataKey}' appears twice in the header" : $"{member.Key}: the name appears twice in the header");
            }

            if (member.Key == MetadataKey)
            {
                CheckMetadata(member.Value);
                continue;
            }

            (HeaderTensor tensor, long begin, long end) = ParseTensor(member.Key, member.Value);
            if (end > dataLength)
            {
                throw new FormatException($"{member.Key}: data_offsets [{begin}, {end}) run out of bounds: the data section has {dataLength} bytes");
            }

            tensors.Add(tensor);
            spans.Add((begin, end, member.Key));
        }

        long position = 0;
        foreach ((long begin, long end, string name) in spans.OrderBy(s => s.Begin).ThenBy(s => s.End).ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            if (begin != position)
            {
                throw new FormatException(begin > position
                    ? $"{name}: data_offsets [{begin}, {end}) leave a gap: bytes [{position}, {begin}) of the data section belong to no tensor"
                    : $"{name}: data_offsets [{begin}, {end}) overlap the tensor before, which ends at {position}");
            }

            position = end;
        }

        if (position != dataLength)
        {
            throw new FormatException($"the data section has {dataLength} bytes but its tensors cover only the first {position}");
        }

        return tensors;
    }

    private static void CheckMetadata(HeaderJson.Value value)
    {
        if (value is HeaderJson.LiteralValue { Text: "null" })
        {
            return;
        }

        if (value is not HeaderJson.ObjectValue metadata)
        {
            throw new FormatException($"'{MetadataKey}' must be an object of strings, found {value.Kind}");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, HeaderJson.Value> entry in metadata.Members)
        {
            if (entry.Value is not HeaderJson.StringValue)
            {
                throw new FormatException($"'{MetadataKey}' entry '{entry.Key}' must be a string, found {entry.Value.Kind}");
            }

            if (!keys.Add(entry.Key))
            {
                throw new FormatException($"'{MetadataKey}' entry '{entry.Key}' appears twice");
            }
        }
    }

    private static (HeaderTensor, long, long) ParseTensor(string name, HeaderJson.Value value)
    {
        if (value is not HeaderJson.ObjectValue info)
        {
            throw new FormatException($"{name}: expected an object with dtype, shape and data_offsets, found {value.Kind}");
        }

        HeaderJson.Value? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (KeyValuePair<string, HeaderJson.Value> field in info.Members)
        {
            switch (field.Key)
            {
                case "dtype": dtypeValue = Once(dtypeValue, field); break;
                case "shape": shapeValue = Once(shapeValue, field); break;
                case "data_offsets": offsetsValue = Once(offsetsValue, field); break;
            }
        }

        if (dtypeValue is null || shapeValue is null || offsetsValue is null)
        {
            throw new FormatException($"{name}: '{(dtypeValue is null ? "dtype" : shapeValue is null ? "shape" : "data_offsets")}' is missing");
        }

        if (dtypeValue is not HeaderJson.StringValue dtype)
        {
            throw new FormatException($"{name}: 'dtype' must be a string, found {dtypeValue.Kind}");
        }

        if (!DTypeSizes.TryGetValue(dtype.Text, out int size))
        {
            throw new FormatException($"{name}: unknown dtype '{dtype.Text}'");
        }

        long[] shape = Integers(name, "shape", shapeValue);
        long[] offsets = Integers(name, "data_offsets", offsetsValue);
        if (offsets.Length != 2)
        {
            throw new FormatException($"{name}: 'data_offsets' must hold two numbers [begin, end), found {offsets.Length}");
        }

        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (product, dimension) => product * dimension) * size);
        }
        catch (OverflowException)
        {
            throw new FormatException($"{name}: shape {Format(shape)} overflows");
        }

        if (offsets[1] < offsets[0])
        {
            throw new FormatException($"{name}: data_offsets [{offsets[0]}, {offsets[1]}) end before they begin");
        }

        if (offsets[1] - offsets[0] != bytes)
        {
            throw new FormatException($"{name}: shape {Format(shape)} of {dtype.Text} needs {bytes} bytes, but data_offsets [{offsets[0]}, {offsets[1]}) hold {offsets[1] - offsets[0]}");
        }

        return (new HeaderTensor(name, dtype.Text, shape.ToEquatableArray()), offsets[0], offsets[1]);

        HeaderJson.Value Once(HeaderJson.Value? previous, KeyValuePair<string, HeaderJson.Value> field) =>
            previous is null ? field.Value : throw new FormatException($"{name}: '{field.Key}' appears twice");
    }

    private static long[] Integers(string name, string field, HeaderJson.Value value)
    {
        if (value is not HeaderJson.ArrayValue array)
        {
            throw new FormatException($"{name}: '{field}' must be an array of non-negative integers, found {value.Kind}");
        }

        var result = new long[array.Items.Count];
        for (int i = 0; i < result.Length; i++)
        {
            if (array.Items[i] is not HeaderJson.NumberValue number || !number.IsNonNegativeInteger)
            {
                string found = array.Items[i] is HeaderJson.NumberValue n ? n.Text : array.Items[i].Kind;
                throw new FormatException($"{name}: '{field}' entries must be non-negative integers, found {found}");
            }

            if (!number.TryGetNonNegative(out result[i]))
            {
                throw new FormatException($"{name}: '{field}' entry {number.Text} overflows");
            }
        }

        return result;
    }

    public static string Format(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
