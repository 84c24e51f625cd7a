using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnGen.Generator.Model;
using RnnGen.IO;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// Reads the sidecar RnnGen's MSBuild targets write for each <c>RnnGenWeights</c> item (see
/// src/RnnGen/buildTransitive/RnnGen.targets) and validates the safetensors header in it with the runtime reader's
/// rules (<see cref="SafeTensorsHeader"/>), so a file that would fail to load fails the build instead, with the same words.
/// </summary>
internal static class WeightsHeaderParser
{
    public const string SidecarExtension = ".rnngen";
    private const string Magic = "rnngen-weights-header 1";

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

        try
        {
            // The targets record what they found; the rules, and their words, are the runtime's.
            if (!TryGetNumber(fields, "length", out ulong length) || length > long.MaxValue)
            {
                return Incomplete(name);
            }

            SafeTensorsHeader.CheckFileLength((long)length);
            if (!TryGetNumber(fields, "header-length", out ulong headerLength))
            {
                return Incomplete(name);
            }

            SafeTensorsHeader.CheckHeaderLength(headerLength, (long)length);
            if (TryGetNumber(fields, "invalid-utf8-at", out ulong offset))
            {
                throw SafeTensorsHeader.NotUtf8((long)offset);
            }

            if (json is null)
            {
                return Incomplete(name);
            }

            SafeTensorsHeader.CheckOpening(json.Length == 0 ? -1 : json[0]);
            SafeTensorsHeader header = SafeTensorsHeader.Validate(HeaderJson.Parse(json), (long)(length - 8 - headerLength));
            string? gruResetAfter = header.Metadata.Where(m => m.Key == GruVariantMetadata.Key).Select(m => m.Value).FirstOrDefault();
            return new WeightsHeader(name, null, header.Tensors.Select(t => new HeaderTensor(t.Name, t.DType, t.Shape.ToEquatableArray())).ToEquatableArray(), gruResetAfter);
        }
        catch (FormatException e)
        {
            // A broken rule (SafeTensorsHeader) or broken JSON syntax (HeaderJson).
            return Invalid(name, e.Message);
        }
    }

    private static bool TryGetNumber(Dictionary<string, string> fields, string key, out ulong value)
    {
        value = 0;
        return fields.TryGetValue(key, out string? text) && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static WeightsHeader Incomplete(string name) => Invalid(name, "its header sidecar is incomplete; rebuild to extract it again");

    private static WeightsHeader Invalid(string name, string error) => new(name, error, EquatableArray<HeaderTensor>.Empty);

    public static string Format(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
