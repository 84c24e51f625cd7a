using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>Saving: round trips exactly, shares one file between modules, and never destroys a good file.</summary>
public sealed class SaveTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-save-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void AFailureMidwayLeavesTheOldFileIntactAndNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "model.safetensors");
        new Lstm3x5(new Random(1)).SaveWeights(path);
        byte[] good = File.ReadAllBytes(path);

        var file = new WeightFile();
        new Lstm3x5(new Random(2)).SaveWeights(file);
        var thrown = Assert.Throws<IOException>(() => file.Save(path, stream => new FailingStream(stream, failAfter: 100)));

        Assert.Equal("disk full (simulated)", thrown.Message);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
    }

    [Fact]
    public void ASaveReplacesTheFileWholeAndLeavesNothingElse()
    {
        string path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllText(path, "an older, longer file that the new one must replace entirely, not overwrite in place .....................");
        var cell = new Gru7x13(new Random(3));
        cell.SaveWeights(path, "rnn.");

        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
        var loaded = new Gru7x13(new Random(4));
        loaded.LoadWeights(path, "rnn.", strict: true);
        Assert.Equal(cell.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void ASaveIntoAMissingFolderFailsAndCreatesNothing()
    {
        string path = Path.Combine(_directory, "no-such-folder", "model.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => new Lstm3x5().SaveWeights(path));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void GeneratedAndReferenceCellsRoundTripBitForBit()
    {
        string path = Path.Combine(_directory, "cells.safetensors");
        var lstm = new Lstm16x17(new Random(5));
        lstm.SaveWeights(path, layer: 2);
        var lstmBack = new Lstm16x17(new Random(6));
        lstmBack.LoadWeights(path, layer: 2, strict: true);
        Assert.Equal(lstm.Parameters.ToArray(), lstmBack.Parameters.ToArray());

        // Double parameters are saved as F64 and Half ones as F16, so nothing is rounded.
        var precise = new ReferenceGru<double>(4, 6, new Random(7));
        precise.SaveWeights(path);
        Assert.Equal(SafeTensorsDType.F64, WeightFile.Load(path).GetInfo("weight_ih_l0").DType);
        var preciseBack = new ReferenceGru<double>(4, 6, new Random(8));
        preciseBack.LoadWeights(path);
        Assert.Equal(precise.Parameters.ToArray(), preciseBack.Parameters.ToArray());

        var half = new ReferenceLstm<Half>(2, 3, new Random(9));
        using var stream = new MemoryStream();
        half.SaveWeights(stream);
        stream.Position = 0;
        var halfBack = new ReferenceLstm<Half>(2, 3, new Random(10));
        halfBack.LoadWeights(stream);
        Assert.Equal(half.Parameters.ToArray(), halfBack.Parameters.ToArray());
    }

    [Fact]
    public void SeveralModulesShareOneFile()
    {
        // A cell and a head (plain tensors) written into one WeightFile, saved once, read back by each.
        var rnn = new Lstm7x13(new Random(11));
        float[] headWeight = Enumerable.Range(0, 4 * 13).Select(i => i / 7f).ToArray();
        var file = new WeightFile();
        rnn.SaveWeights(file, "rnn.");
        file.Write<float>("head.weight", headWeight, [4, 13]);
        file.Metadata["format"] = "pt";
        string path = Path.Combine(_directory, "tagger.safetensors");
        file.Save(path);

        var loaded = WeightFile.Load(path);
        string[] names = ["head.weight", "rnn.bias_hh_l0", "rnn.bias_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l0"];
        Assert.Equal(names, loaded.Names);
        Assert.Equal("pt", loaded.Metadata["format"]);
        var rnnBack = new Lstm7x13(new Random(12));
        rnnBack.LoadWeights(loaded, "rnn.", strict: true);
        Assert.Equal(rnn.Parameters.ToArray(), rnnBack.Parameters.ToArray());
        Assert.Equal(headWeight, loaded.Read<float>("head.weight", [4, 13]));

        // Loading, updating one module and saving again keeps the other module's tensors.
        new Lstm7x13(new Random(13)).SaveWeights(loaded, "rnn.");
        loaded.Save(path);
        Assert.Equal(headWeight, WeightFile.Load(path).Read<float>("head.weight"));
    }

    [Fact]
    public void TheWriterLaysFilesOutAsTheSafetensorsCrateDoes()
    {
        // Byte layouts from the format's reference implementation: an empty file, metadata only, one F32 tensor.
        byte[] empty = [8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32];
        Assert.Equal(empty, new WeightFile().ToArray());

        var metadataOnly = new WeightFile();
        metadataOnly.Metadata["framework"] = "pt";
        byte[] expected = [40, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{\"framework\":\"pt\"}}     "u8];
        Assert.Equal(expected, metadataOnly.ToArray());

        var one = new WeightFile();
        one.Write<float>("attn.0", [0f, 1f, 2f, 3f, 4f, 5f], [1, 2, 3]);
        byte[] header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"u8.ToArray();
        byte[] data = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];
        byte[] file = [64, 0, 0, 0, 0, 0, 0, 0, .. header, .. data];
        Assert.Equal(file, one.ToArray());
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, int failAfter) : Stream
    {
        private int _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int allowed = Math.Max(0, Math.Min(buffer.Length, failAfter - _written));
            inner.Write(buffer[..allowed]);
            _written += allowed;
            if (allowed < buffer.Length)
            {
                throw new IOException("disk full (simulated)");
            }
        }

        public override void WriteByte(byte value) => Write([value]);
    }
}
