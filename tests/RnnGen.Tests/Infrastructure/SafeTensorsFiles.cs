using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>The safetensors fixtures (tests/fixtures/safetensors, made by make_fixtures.py from PyTorch) and hand-built files for bad-file tests.</summary>
internal static class SafeTensorsFiles
{
    public static string Directory { get; } = Path.Combine(PyTorchFixture.Directory, "safetensors");

    public static string PathOf(string name) => Path.Combine(Directory, name + ".safetensors");

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>A file from a header given as JSON text (padded like the writers pad) and a data section.</summary>
    public static byte[] Build(string headerJson, byte[] data, bool pad = true)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        int padding = pad ? (8 - header.Length % 8) % 8 : 0;
        return Build(header.Concat(Enumerable.Repeat((byte)' ', padding)).ToArray(), data);
    }

    /// <summary>A file from raw header bytes (any bytes at all) and a data section, with the true header length.</summary>
    public static byte[] Build(byte[] header, byte[] data) => Build((ulong)header.Length, header, data);

    /// <summary>A file whose length field says <paramref name="declaredLength"/>, whatever follows.</summary>
    public static byte[] Build(ulong declaredLength, byte[] header, byte[] data)
    {
        byte[] file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>One F32 tensor entry as the header writes it.</summary>
    public static string Entry(string name, string shape, long begin, long end, string dtype = "F32") =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    /// <summary>A valid file holding a 3x5 LSTM's four tensors (F32) under <paramref name="prefix"/>, with distinct values.</summary>
    public static byte[] Lstm3x5(string prefix = "", float scale = 1)
    {
        var cell = new RnnGen.Reference.ReferenceLstm<float>(3, 5, new Random(5));
        for (int i = 0; i < cell.Parameters.Length; i++)
        {
            cell.Parameters[i] *= scale;
        }

        using var stream = new MemoryStream();
        cell.SaveWeights(stream, prefix);
        return stream.ToArray();
    }

    /// <summary>Asserts an exception is one of RnnGen's weight-file errors (InvalidDataException) whose message contains every part.</summary>
    public static InvalidDataException AssertWeightError(Action action, string kind, params string[] parts)
    {
        var e = Assert.Throws<InvalidDataException>(action);
        Assert.True(IO.WeightFileErrors.IsWeightFileError(e), $"not tagged as a weight-file error: {e}");
        Assert.Equal(kind, e.Data[IO.WeightFileErrors.KindKey]);
        foreach (string part in parts)
        {
            Assert.Contains(part, e.Message, StringComparison.Ordinal);
        }

        return e;
    }
}
