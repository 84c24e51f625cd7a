using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Tests.Infrastructure;
using RnnGen.IO;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// One validator (src/RnnGen/Shared/SafeTensorsHeader.cs, compiled into both the runtime library and the generator)
/// judges a safetensors file at run time and at build time. For each way a file can be wrong, the same bytes fail
/// <see cref="WeightFile.Parse"/> and, embedded as weights (their sidecar written by RnnGen.targets' own task), fail
/// the build with RNNG009, and both say the same thing.
/// </summary>
public class SafeTensorsValidatorTests
{
    private const string FileName = "model.safetensors";

    /// <summary>A 1×1 GRU: its file holds weight_ih_l0, weight_hh_l0, bias_ih_l0 and bias_hh_l0, each [3, 1] or [3].</summary>
    private const string Model = """
        using RnnGen;
        namespace Models;
        [Gru(input: 1, hidden: 1, Weights = "model.safetensors")]
        public partial class Tagger { }
        """;

    private static readonly byte[] Data40 = new byte[40];

    public static TheoryData<string, byte[], string> MalformedFiles() => new()
    {
        // The bytes around the JSON.
        { "empty file", [], "the file is 0 bytes, shorter than the 8-byte header length every safetensors file starts with (truncated?)" },
        { "truncated in the length field", new byte[5], "the file is 5 bytes, shorter than the 8-byte header length" },
        { "header length beyond the file", Build(1000, Encoding.UTF8.GetBytes("{}      "), []), "the header length is 1000 bytes, but only 8 bytes follow the length field (truncated?)" },
        { "header length one over the limit", Build(100_000_001, Encoding.UTF8.GetBytes("{}      "), []), "the header length is 100000001 bytes, above the format's limit of 100000000 (not a safetensors file?)" },
        { "header length 2^64-1", Build(ulong.MaxValue, [], []), "the header length is 18446744073709551615 bytes, above the format's limit" },
        { "invalid UTF-8", Build([.. "{\""u8, 0xC3, 0x28, .. "\":1}"u8], []), "the header is not valid UTF-8 (first invalid byte at header offset 2)" },
        { "UTF-8 cut short", Build([.. "{}    "u8, 0xE2, 0x82], []), "the header is not valid UTF-8 (first invalid byte at header offset 6)" },
        { "not an object", Build("[1, 2]", []), "the header does not start with '{'; a safetensors header is a JSON object" },
        { "whitespace before the object", Build(" {}", []), "the header does not start with '{'" },

        // Names and metadata.
        { "duplicate names", Build("{" + Entry("w", "[5]", 0, 20) + "," + Entry("w", "[5]", 20, 40) + "}", Data40), "w: the name appears twice in the header" },
        { "duplicate names by escape", Build("{" + Entry("w", "[5]", 0, 20) + "," + Entry("\\u0077", "[5]", 20, 40) + "}", Data40), "w: the name appears twice in the header" },
        { "metadata twice", Build("{\"__metadata__\":{},\"__metadata__\":{}}", []), "'__metadata__' appears twice in the header" },
        { "metadata not an object", Build("{\"__metadata__\":[\"pt\"]}", []), "'__metadata__' must be an object of strings, found an array" },
        { "metadata entry not a string", Build("{\"__metadata__\":{\"epoch\":3}}", []), "'__metadata__' entry 'epoch' must be a string, found a number" },
        { "metadata entry twice", Build("{\"__metadata__\":{\"format\":\"pt\",\"format\":\"np\"}}", []), "'__metadata__' entry 'format' appears twice" },

        // One tensor's entry.
        { "entry not an object", Build("{\"w\":[1,2]}", []), "w: expected an object with dtype, shape and data_offsets, found an array" },
        { "field twice", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"shape\":[10],\"data_offsets\":[0,40]}}", Data40), "w: 'shape' appears twice" },
        { "field missing", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[10]}}", Data40), "w: 'data_offsets' is missing" },
        { "dtype not a string", Build("{\"w\":{\"dtype\":4,\"shape\":[10],\"data_offsets\":[0,40]}}", Data40), "w: 'dtype' must be a string, found a number" },
        { "unknown dtype", Build("{" + Entry("w", "[10]", 0, 40, "F33") + "}", Data40), "w: unknown dtype 'F33'" },
        { "lower-case dtype", Build("{" + Entry("w", "[10]", 0, 40, "f32") + "}", Data40), "w: unknown dtype 'f32'" },
        { "shape not an array", Build("{" + Entry("w", "10", 0, 40) + "}", Data40), "w: 'shape' must be an array of non-negative integers, found a number" },
        { "negative shape", Build("{" + Entry("w", "[-1, 10]", 0, 40) + "}", Data40), "w: 'shape' entries must be non-negative integers, found -1" },
        { "fractional shape", Build("{" + Entry("w", "[2.5, 4]", 0, 40) + "}", Data40), "w: 'shape' entries must be non-negative integers, found 2.5" },
        { "string in the shape", Build("{" + Entry("w", "[\"10\"]", 0, 40) + "}", Data40), "w: 'shape' entries must be non-negative integers, found a string" },
        { "offsets not integers", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,4e1]}}", Data40), "w: 'data_offsets' entries must be non-negative integers, found 4e1" },
        { "offsets as strings", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[\"0\",40]}}", Data40), "w: 'data_offsets' entries must be non-negative integers, found a string" },
        { "three offsets", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40,40]}}", Data40), "w: 'data_offsets' must hold two numbers [begin, end), found 3" },

        // Sizes.
        { "shape disagreeing with its bytes", Build("{" + Entry("w", "[9]", 0, 40) + "}", Data40), "w: shape [9] of F32 needs 36 bytes, but data_offsets [0, 40) hold 40" },
        { "an empty name", Build("{" + Entry("", "[9]", 0, 40) + "}", Data40), "\"\": shape [9] of F32 needs 36 bytes" },
        { "element count over 2^63", Build("{" + Entry("w", "[4294967296, 4294967296, 4]", 0, 40) + "}", Data40), "w: shape [4294967296, 4294967296, 4] overflows: its element count exceeds 2^63" },
        { "byte length over 2^63", Build("{" + Entry("w", "[2305843009213693952]", 0, 40) + "}", Data40), "w: shape [2305843009213693952] of F32 overflows: its byte length exceeds 2^63" },
        { "shape entry over 2^63", Build("{" + Entry("w", "[18446744073709551615, 0]", 0, 0) + "}", []), "w: shape [18446744073709551615, 0] overflows: entry 18446744073709551615 is too large" },
        { "shape entry over 2^64", Build("{" + Entry("w", "[18446744073709551616]", 0, 40) + "}", Data40), "w: shape [18446744073709551616] overflows: entry 18446744073709551616 is too large" },
        { "offsets reversed", Build("{" + Entry("w", "[0]", 40, 0) + "}", Data40), "w: data_offsets [40, 0) end before they begin" },
        { "offsets beyond 2^63", Build("{" + Entry("w", "[2]", 9223372036854775800, 9223372036854775808) + "}", Data40), "w: data_offsets [9223372036854775800, 9223372036854775808) lie beyond any file" },
        { "offsets beyond 2^64", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[18446744073709551616,18446744073709551616]}}", []), "w: data_offsets [18446744073709551616, 18446744073709551616) lie beyond any file" },

        // The layout of the data section.
        { "offsets out of bounds", Build("{" + Entry("w", "[20]", 0, 80) + "}", Data40), "w: data_offsets [0, 80) run out of bounds: the data section has 40 bytes (truncated?)" },
        { "offsets overlapping", Build("{" + Entry("a", "[6]", 0, 24) + "," + Entry("b", "[6]", 16, 40) + "}", Data40), "b: data_offsets [16, 40) overlap tensor 'a', which ends at 24" },
        { "offsets leaving a gap", Build("{" + Entry("a", "[4]", 0, 16) + "," + Entry("b", "[4]", 24, 40) + "}", Data40), "b: data_offsets [24, 40) leave a gap: bytes [16, 24) of the data section belong to no tensor" },
        { "bytes after the last tensor", Build("{" + Entry("a", "[8]", 0, 32) + "}", Data40), "the data section has 40 bytes but its tensors cover only the first 32: 8 bytes belong to no tensor" },
        { "bytes and no tensors", Build("{}", Data40), "the data section has 40 bytes but its tensors cover only the first 0: 40 bytes belong to no tensor" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void TheBuildAndTheRuntimeRejectAFileInTheSameWords(string rule, byte[] file, string expected)
    {
        _ = rule;
        string atRunTime = RuntimeProblem(file);
        Assert.Contains(expected, atRunTime, StringComparison.Ordinal);
        Assert.Equal(atRunTime, BuildProblem(file));
    }

    /// <summary>JSON syntax is each side's own reader's (the generator may not load System.Text.Json); both still say what it is.</summary>
    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},}")]
    [InlineData("{} {}")]
    [InlineData("{\"w\":tru}")]
    public void BothRejectInvalidJson(string header)
    {
        byte[] file = Build(header, []);
        Assert.StartsWith("the header is not valid JSON", RuntimeProblem(file), StringComparison.Ordinal);
        Assert.StartsWith("the header is not valid JSON", BuildProblem(file), StringComparison.Ordinal);
    }

    /// <summary>The other side of each rule: a file that follows them all, metadata and unknown fields included, passes both.</summary>
    [Fact]
    public void BothAcceptAValidFile()
    {
        var weights = new WeightFile();
        weights.Write<float>("weight_ih_l0", [1, 2, 3], [3, 1]);
        weights.Write<float>("weight_hh_l0", [4, 5, 6], [3, 1]);
        weights.Write<float>("bias_ih_l0", [7, 8, 9], [3]);
        weights.Write<double>("bias_hh_l0", [10, 11, 12], [3], SafeTensorsDType.F64);
        weights.Metadata["format"] = "pt";
        byte[] file = weights.ToArray();

        Assert.Equal(4, WeightFile.Parse(file).Count);
        Assert.Empty(GeneratorHarness.RunWithAdditionalTexts([SidecarTask.Extract(FileName, file)], Model).Diagnostics);
    }

    /// <summary>The targets read a header only up to the limit the validator enforces; a larger constant would read headers no reader accepts, a smaller one would call valid files incomplete.</summary>
    [Fact]
    public void TheTargetsReadHeadersUpToTheValidatorsLimit()
    {
        Match match = Regex.Match(File.ReadAllText(SidecarTask.TargetsPath), @"const ulong MaxHeaderLength = (\d+);");
        Assert.True(match.Success, "RnnGen.targets declares no MaxHeaderLength.");
        long targets = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(MaxHeaderLength(typeof(WeightFile).Assembly), targets);
        Assert.Equal(MaxHeaderLength(typeof(RnnGenerator).Assembly), targets);
    }

    /// <summary>The runtime's dtype enum follows the one table of names and sizes in the format's order, written out here once more.</summary>
    [Fact]
    public void TheDTypeEnumFollowsTheFormatsTable()
    {
        (SafeTensorsDType DType, string Name, int Size)[] expected =
        [
            (SafeTensorsDType.Bool, "BOOL", 1), (SafeTensorsDType.U8, "U8", 1), (SafeTensorsDType.I8, "I8", 1),
            (SafeTensorsDType.F8E5M2, "F8_E5M2", 1), (SafeTensorsDType.F8E4M3, "F8_E4M3", 1),
            (SafeTensorsDType.I16, "I16", 2), (SafeTensorsDType.U16, "U16", 2), (SafeTensorsDType.F16, "F16", 2), (SafeTensorsDType.BF16, "BF16", 2),
            (SafeTensorsDType.I32, "I32", 4), (SafeTensorsDType.U32, "U32", 4), (SafeTensorsDType.F32, "F32", 4),
            (SafeTensorsDType.F64, "F64", 8), (SafeTensorsDType.I64, "I64", 8), (SafeTensorsDType.U64, "U64", 8),
        ];
        Assert.Equal(expected.Select(e => e.DType), Enum.GetValues<SafeTensorsDType>());
        foreach ((SafeTensorsDType dtype, string name, int size) in expected)
        {
            Assert.Equal((name, size), (dtype.Name(), dtype.Size()));
            Assert.True(SafeTensorsDTypes.TryParse(name, out SafeTensorsDType parsed) && parsed == dtype, name);
        }

        Assert.False(SafeTensorsDTypes.TryParse("F128", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((SafeTensorsDType)15).Size());
    }

    /// <summary>What <see cref="WeightFile.Parse"/> says after "&lt;bytes&gt;: invalid safetensors file: ".</summary>
    private static string RuntimeProblem(byte[] file)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => WeightFile.Parse(file));
        Assert.Equal(WeightFileErrors.FormatKind, e.Data[WeightFileErrors.KindKey]);
        const string prefix = "<bytes>: invalid safetensors file: ";
        Assert.StartsWith(prefix, e.Message, StringComparison.Ordinal);
        return e.Message[prefix.Length..];
    }

    /// <summary>What RNNG009 says about the file when it is embedded as the model's weights.</summary>
    private static string BuildProblem(byte[] file)
    {
        GeneratorRun run = GeneratorHarness.RunWithAdditionalTexts([SidecarTask.Extract(FileName, file)], Model);
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("RNNG009", diagnostic.Id);
        string prefix = $"'Tagger' names embedded weights '{FileName}', which is not a valid safetensors file: ";
        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.StartsWith(prefix, message, StringComparison.Ordinal);
        return message[prefix.Length..];
    }

    private static long MaxHeaderLength(Assembly assembly) =>
        (long)assembly.GetType("RnnGen.IO.SafeTensorsHeader", throwOnError: true)!.GetField("MaxHeaderLength")!.GetRawConstantValue()!;

    private static string Entry(string name, string shape, ulong begin, ulong end, string dtype = "F32") =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    /// <summary>A file from a header given as JSON text, padded with spaces to a multiple of 8 as the writers pad it.</summary>
    private static byte[] Build(string headerJson, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson.PadRight((headerJson.Length + 7) / 8 * 8));
        return Build((ulong)header.Length, header, data);
    }

    private static byte[] Build(byte[] header, byte[] data) => Build((ulong)header.Length, header, data);

    /// <summary>A file whose length field says <paramref name="declaredLength"/>, whatever follows.</summary>
    private static byte[] Build(ulong declaredLength, byte[] header, byte[] data)
    {
        byte[] file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }
}
