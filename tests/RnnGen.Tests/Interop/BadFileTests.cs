using System.Text;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using static RnnGen.Tests.Infrastructure.SafeTensorsFiles;

namespace RnnGen.Tests.Interop;

/// <summary>
/// Every way a file can be wrong gives an InvalidDataException tagged as a weight-file error, whose message names
/// the file, the tensor (when there is one) and the problem, and a failed load leaves the cell exactly as it was.
/// </summary>
public class BadFileTests
{
    private const string Format = WeightFileErrors.FormatKind, Mismatch = WeightFileErrors.MismatchKind;

    // The data section of hand-built headers.
    private static readonly byte[] Data40 = new byte[40];

    public static TheoryData<string, byte[], string, string[]> FormatCases()
    {
        byte[] good = Lstm3x5();
        var cases = new TheoryData<string, byte[], string, string[]>
        {
            { "empty file", [], Format, ["is 0 bytes, shorter than the 8-byte header length"] },
            { "truncated in the length field", good[..5], Format, ["is 5 bytes"] },
            { "truncated in the header", good[..40], Format, ["header length is", "only 32 bytes follow"] },
            { "truncated in the data", good[..^4], Format, ["weight_ih_l0: data_offsets", "run out of bounds", "(truncated?)"] },
            { "header length beyond the file", Build(1000, Encoding.UTF8.GetBytes("{}      "), []), Format, ["header length is 1000 bytes, but only 8 bytes follow"] },
            { "header length 2^63", Build(1UL << 63, Encoding.UTF8.GetBytes("{}      "), []), Format, ["header length is 9223372036854775808 bytes, above the format's limit of 100000000"] },
            { "header length 2^64-1", Build(ulong.MaxValue, [], []), Format, ["above the format's limit"] },
            { "invalid UTF-8", Build([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), Format, ["not valid UTF-8 (first invalid byte at header offset 2)"] },
            { "not an object", Build("[1, 2]", []), Format, ["does not start with '{'"] },
            { "invalid JSON", Build("{\"w\":{\"dtype\":\"F32\",", []), Format, ["header is not valid JSON"] },
            { "trailing comma", Build("{" + Entry("w", "[2]", 0, 8) + ",}", new byte[8]), Format, ["header is not valid JSON"] },
            { "content after the object", Build("{} {}", []), Format, ["header is not valid JSON"] },
            { "NUL padding", Build(Encoding.UTF8.GetBytes("{}\0\0\0\0\0\0"), []), Format, ["header is not valid JSON"] },
            { "duplicate names", Build("{" + Entry("w", "[5]", 0, 20) + "," + Entry("w", "[5]", 20, 40) + "}", Data40), Format, ["w: the name appears twice"] },
            { "duplicate names by escape", Build("{" + Entry("w", "[5]", 0, 20) + "," + Entry("\\u0077", "[5]", 20, 40) + "}", Data40), Format, ["w: the name appears twice"] },
            { "duplicate field", Build("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40]}}", Data40), Format, ["w: 'dtype' appears twice"] },
            { "unknown dtype", Build("{" + Entry("w", "[10]", 0, 40, "F33") + "}", Data40), Format, ["w: unknown dtype 'F33'"] },
            { "lower-case dtype", Build("{" + Entry("w", "[10]", 0, 40, "f32") + "}", Data40), Format, ["w: unknown dtype 'f32'"] },
            { "missing dtype", Build("{\"w\":{\"shape\":[10],\"data_offsets\":[0,40]}}", Data40), Format, ["w: 'dtype' is missing"] },
            { "negative shape", Build("{" + Entry("w", "[-1, 10]", 0, 40) + "}", Data40), Format, ["w: 'shape' entries must be non-negative integers, found -1"] },
            { "fractional shape", Build("{" + Entry("w", "[2.5, 4]", 0, 40) + "}", Data40), Format, ["w: 'shape' entries must be non-negative integers, found 2.5"] },
            { "string shape", Build("{" + Entry("w", "[\"10\"]", 0, 40) + "}", Data40), Format, ["w: 'shape' entries must be non-negative integers, found a string"] },
            { "shape overflowing 2^63", Build("{" + Entry("w", "[4294967296, 4294967296, 4]", 0, 40) + "}", Data40), Format, ["w: shape [4294967296, 4294967296, 4] overflows"] },
            { "byte length overflowing 2^63", Build("{" + Entry("w", "[2305843009213693952]", 0, 40) + "}", Data40), Format, ["w: shape [2305843009213693952] of F32 overflows"] },
            { "shape entry beyond 2^63", Build("{" + Entry("w", "[18446744073709551615, 0]", 0, 0) + "}", []), Format, ["w: shape [18446744073709551615, 0] overflows"] },
            { "shape beyond 2^64", Build("{" + Entry("w", "[18446744073709551616]", 0, 40) + "}", Data40), Format, ["w: shape [18446744073709551616] overflows: entry 18446744073709551616 is too large"] },
            { "shape disagreeing with its bytes", Build("{" + Entry("w", "[9]", 0, 40) + "}", Data40), Format, ["w: shape [9] of F32 needs 36 bytes, but data_offsets [0, 40) hold 40"] },
            { "offsets reversed", Build("{" + Entry("w", "[0]", 40, 0) + "}", Data40), Format, ["w: data_offsets [40, 0) end before they begin"] },
            { "three offsets", Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[0,40,40]}}", Data40), Format, ["w: 'data_offsets' must hold two numbers"] },
            { "offsets out of bounds", Build("{" + Entry("w", "[20]", 0, 80) + "}", Data40), Format, ["w: data_offsets [0, 80) run out of bounds: the data section has 40 bytes"] },
            { "offsets overlapping", Build("{" + Entry("a", "[6]", 0, 24) + "," + Entry("b", "[6]", 16, 40) + "}", Data40), Format, ["b: data_offsets [16, 40) overlap tensor 'a', which ends at 24"] },
            { "offsets leaving a gap", Build("{" + Entry("a", "[4]", 0, 16) + "," + Entry("b", "[4]", 24, 40) + "}", Data40), Format, ["b: data_offsets [24, 40) leave a gap: bytes [16, 24)"] },
            { "bytes after the last tensor", Build("{" + Entry("a", "[8]", 0, 32) + "}", Data40), Format, ["the data section has 40 bytes but its tensors cover only the first 32"] },
            { "tensor entry not an object", Build("{\"w\":[1,2]}", []), Format, ["w: expected an object with dtype, shape and data_offsets, found an array"] },
            { "metadata not strings", Build("{\"__metadata__\":{\"epoch\":3}}", []), Format, ["'__metadata__' entry 'epoch' must be a string, found a number"] },
            { "invalid string escape", Build("{\"\\uD800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", []), Format, ["header"] },
        };
        return cases;
    }

    [Theory]
    [MemberData(nameof(FormatCases))]
    public void InvalidFilesAreRejectedAndTheCellIsUnchanged(string what, byte[] file, string kind, string[] parts)
    {
        _ = what;
        var cell = new Lstm3x5(new Random(11));
        float[] before = cell.Parameters.ToArray();
        InvalidDataException e = AssertWeightError(() => cell.LoadWeights(new MemoryStream(file)), kind, ["<stream>: invalid safetensors file: ", .. parts]);
        Assert.Equal("<stream>", e.Data[WeightFileErrors.FileKey]);
        Assert.Equal(before, cell.Parameters.ToArray());
    }

    [Fact]
    public void ErrorsFromAPathNameThePathAndTheTensor()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rnngen-bad-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, Build("{" + Entry("rnn.weight_ih_l0", "[9]", 0, 40) + "}", Data40));
            var cell = new ReferenceGru<double>(3, 5, new Random(2));
            double[] before = cell.Parameters.ToArray();
            InvalidDataException e = AssertWeightError(() => cell.LoadWeights(path, "rnn."), Format, path + ": invalid safetensors file: rnn.weight_ih_l0: shape [9] of F32 needs 36 bytes");
            Assert.Equal(path, e.Data[WeightFileErrors.FileKey]);
            Assert.Equal("rnn.weight_ih_l0", e.Data[WeightFileErrors.TensorKey]);
            Assert.Equal(before, cell.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AMissingFileIsAFileNotFoundException()
    {
        var cell = new Lstm3x5(new Random(1));
        float[] before = cell.Parameters.ToArray();
        Assert.Throws<FileNotFoundException>(() => cell.LoadWeights(Path.Combine(Path.GetTempPath(), "rnngen-no-such-file.safetensors")));
        Assert.Equal(before, cell.Parameters.ToArray());
    }

    public static TheoryData<string, byte[], string, string[]> MismatchCases()
    {
        var wrongHidden = new ReferenceLstm<float>(3, 4);
        var gru = new ReferenceGru<float>(3, 5);
        // An I32 bias of the right shape: valid file, but not weights a float cell can take.
        byte[] intBiasFile = Build(
            "{" + Entry("bias_hh_l0", "[20]", 0, 80, "I32") + "," + Entry("bias_ih_l0", "[20]", 80, 160) + "," +
            Entry("weight_hh_l0", "[20, 5]", 160, 560) + "," + Entry("weight_ih_l0", "[20, 3]", 560, 800) + "}", new byte[800]);
        WeightFile withoutBias = WeightFile.Parse(Lstm3x5());
        withoutBias.Remove("bias_hh_l0");
        return new TheoryData<string, byte[], string, string[]>
        {
            { "wrong hidden size", Save(wrongHidden), Mismatch, ["<stream>: weight_ih_l0: expected [20, 3], found [16, 3]"] },
            { "a GRU's weights", Save(gru), Mismatch, ["<stream>: weight_ih_l0: expected [20, 3], found [15, 3]", "the rows of a Gru"] },
            { "missing tensor", withoutBias.ToArray(), Mismatch, ["<stream>: bias_hh_l0: not found", "the file holds bias_ih_l0, weight_hh_l0, weight_ih_l0"] },
            { "prefix needed", Lstm3x5("rnn."), Mismatch, ["<stream>: weight_ih_l0: not found", "pass prefix \"rnn.\"?"] },
            { "another layer", Layer1(), Mismatch, ["<stream>: weight_ih_l0: not found", "weight_ih_l1", "another layer?"] },
            { "integer dtype", intBiasFile, Mismatch, ["<stream>: bias_hh_l0: dtype I32 cannot be read as floating-point values"] },
            { "empty file", new WeightFile().ToArray(), Mismatch, ["<stream>: weight_ih_l0: not found", "the file holds no tensors"] },
        };

        static byte[] Save(ReferenceCell<float> cell)
        {
            using var stream = new MemoryStream();
            cell.SaveWeights(stream);
            return stream.ToArray();
        }

        static byte[] Layer1()
        {
            using var stream = new MemoryStream();
            new ReferenceLstm<float>(3, 5).SaveWeights(stream, layer: 1);
            return stream.ToArray();
        }
    }

    [Theory]
    [MemberData(nameof(MismatchCases))]
    public void FilesThatDoNotFitTheCellAreRejectedAndTheCellIsUnchanged(string what, byte[] file, string kind, string[] parts)
    {
        _ = what;
        var cell = new Lstm3x5(new Random(12));
        float[] before = cell.Parameters.ToArray();
        AssertWeightError(() => cell.LoadWeights(new MemoryStream(file)), kind, parts);
        Assert.Equal(before, cell.Parameters.ToArray());
    }

    [Fact]
    public void StrictModeRejectsExtraTensorsUnderThePrefixOnly()
    {
        var file = WeightFile.Parse(Lstm3x5("rnn."));
        file.Write<float>("rnn.extra", [1f, 2f], [2]);
        file.Write<float>("head.weight", [1f], [1, 1]);
        var cell = new Lstm3x5(new Random(13));
        float[] before = cell.Parameters.ToArray();

        AssertWeightError(() => cell.LoadWeights(file, "rnn.", strict: true), Mismatch,
            "<bytes>: strict load: prefix 'rnn.' holds 1 tensor(s) this Lstm cell does not use: rnn.extra");
        Assert.Equal(before, cell.Parameters.ToArray());

        file.Remove("rnn.extra");
        cell.LoadWeights(file, "rnn.", strict: true);   // head.weight lies outside the prefix
        Assert.NotEqual(before, cell.Parameters.ToArray());
    }

    [Fact]
    public void AFailureOnTheLastTensorStillWritesNothing()
    {
        // weight_ih_l0, weight_hh_l0 and bias_ih_l0 are fine; only bias_hh_l0 is wrong.
        var file = WeightFile.Parse(Lstm3x5(scale: 3));
        file.Write<float>("bias_hh_l0", new float[21], [21]);
        var cell = new Lstm3x5(new Random(14));
        float[] before = cell.Parameters.ToArray();
        AssertWeightError(() => cell.LoadWeights(file), Mismatch, "bias_hh_l0: expected [20], found [21]");
        Assert.Equal(before, cell.Parameters.ToArray());
    }

    [Fact]
    public void BadArgumentsAreArgumentErrorsNotFileErrors()
    {
        var cell = new Lstm3x5();
        Assert.Throws<ArgumentOutOfRangeException>(() => cell.LoadWeights(new MemoryStream(Lstm3x5()), layer: -1));
        Assert.Throws<ArgumentNullException>(() => cell.LoadWeights(new MemoryStream(Lstm3x5()), null!));
        Assert.Throws<ArgumentException>(() => new WeightFile().Write<float>("x", [1f, 2f, 3f], [2]));
        Assert.Throws<ArgumentException>(() => new WeightFile().Write<float>("__metadata__", [1f], [1]));
        Assert.Throws<ArgumentException>(() => new WeightFile().Write<float>("x", [1f], [1], SafeTensorsDType.I32));
    }
}
