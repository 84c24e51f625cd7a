using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>One tensor of a safetensors header: its name, dtype and shape (its bytes are laid out one after another).</summary>
internal sealed record HeaderEntry(string Name, long[] Shape, string DType = "F32");

/// <summary>
/// The sidecar RnnGen's MSBuild targets write for each <c>RnnGenWeights</c> item (src/RnnGen/buildTransitive/RnnGen.targets,
/// read by the generator's WeightsHeaderParser): a magic line, the file's name and length, the header's length, then
/// <c>header:</c> and the safetensors JSON header verbatim. Built here from a tensor list, as the targets would write it
/// for a real file whose data section holds exactly those tensors.
/// </summary>
internal static class WeightsSidecar
{
    private static readonly Dictionary<string, int> DTypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4, ["F64"] = 8, ["I64"] = 8, ["U64"] = 8,
    };

    /// <summary>
    /// The sidecar of <paramref name="fileName"/> as an AdditionalFiles item, at the path the targets use; the header's
    /// metadata is PyTorch's <c>"format": "pt"</c> and then <paramref name="metadata"/>.
    /// </summary>
    public static AdditionalText For(string fileName, IEnumerable<HeaderEntry> tensors, params (string Key, string Value)[] metadata) =>
        new InMemoryAdditionalText($"/repo/obj/Release/net10.0/rnngen/{fileName}.rnngen", Text(fileName, tensors, metadata));

    public static string Text(string fileName, IEnumerable<HeaderEntry> tensors, params (string Key, string Value)[] metadata)
    {
        var json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"");
        foreach ((string key, string value) in metadata)
        {
            json.Append(CultureInfo.InvariantCulture, $",\"{key}\":\"{value}\"");
        }

        json.Append('}');
        long offset = 0;
        foreach (HeaderEntry tensor in tensors)
        {
            long bytes = tensor.Shape.Aggregate(1L, (product, dimension) => product * dimension) * DTypeSizes[tensor.DType];
            json.Append(CultureInfo.InvariantCulture,
                $",\"{tensor.Name}\":{{\"dtype\":\"{tensor.DType}\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + bytes}]}}");
            offset += bytes;
        }

        json.Append('}');
        int headerLength = Encoding.UTF8.GetByteCount(json.ToString());
        return $"rnngen-weights-header 1\nfile: {fileName}\nlength: {8 + headerLength + offset}\nheader-length: {headerLength}\nheader:\n{json}";
    }

    /// <summary>A sidecar as the targets write it for a file they could not read (the error line is the whole message).</summary>
    public static AdditionalText Unreadable(string fileName, string error) =>
        new InMemoryAdditionalText($"/repo/obj/Release/net10.0/rnngen/{fileName}.rnngen", $"rnngen-weights-header 1\nfile: {fileName}\nlength: 3\nerror: {error}\n");
}
