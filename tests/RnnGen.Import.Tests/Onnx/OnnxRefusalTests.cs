using Xunit;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>What nn.LSTM/nn.GRU do not compute is refused, with the file, the node and the problem in the message.</summary>
public sealed class OnnxRefusalTests
{
    [Theory]
    [InlineData("bad_peephole", "peepholes (input P 'P' [1, 12], non-zero) are not supported: nn.LSTM has none")]
    [InlineData("bad_clip", "clip=3 is not supported: RnnGen does not clip the gates' inputs")]
    [InlineData("bad_reverse", "direction 'reverse' alone is not supported")]
    [InlineData("bad_initial_h", "initial_h comes from the non-zero constant 'H0' [1, 1, 4]")]
    [InlineData("bad_hard_sigmoid", "activations [HardSigmoid, Tanh] are not supported: RnnGen computes only [Sigmoid, Tanh]")]
    [InlineData("bad_activation_alpha", "activation_alpha is set")]
    [InlineData("bad_input_forget", "input_forget=1 (coupled input and forget gates) is not supported")]
    [InlineData("bad_layout", "layout=1 (batch-major X, Y and states) is not supported")]
    [InlineData("bad_hidden_size", "hidden_size 5 disagrees with R [1, 12, 4], whose hidden size is 4")]
    [InlineData("bad_sequence_lens", "sequence_lens is the constant 'L'")]
    [InlineData("bad_external_data", "tensor 'W' keeps its values in an external file")]
    public void UnsupportedOperatorOptionsAreRefusedNamingFileNodeAndProblem(string name, string problem)
    {
        string path = OnnxFixture.PathOf(name);

        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(path));

        Assert.StartsWith($"{path}: {name}_node: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.File);
        Assert.Equal(name + "_node", error.Element);
    }

    [Fact]
    public void WeightsComputedAtRunTimeAreRefusedWithTheExportHint()
    {
        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(OnnxFixture.PathOf("lstm_unfolded")));

        Assert.Contains("/rnn/LSTM: W '/rnn/Unsqueeze_output_0' is computed by the Unsqueeze node '/rnn/Unsqueeze', not a tensor stored in the file (export with do_constant_folding=True", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralStacksNeedANodeAndTheErrorListsTheCandidates()
    {
        string path = OnnxFixture.PathOf("two_stacks");

        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(path));
        Assert.Equal(
            $"{path}: the model has 2 LSTM/GRU stacks; choose one by its first node's name (node, or rnngen convert --node): '/encoder/LSTM' (LSTM, 1 layer), '/decoder/GRU' (GRU, 1 layer)",
            error.Message);
        Assert.Equal(["/encoder/LSTM", "/decoder/GRU"], OnnxImport.ListStacks(path));

        Assert.Equal("[Gru(input: 3, hidden: 6)]", OnnxImport.Read(path, node: "/decoder/GRU").Declaration);
        Assert.Equal("[Lstm(input: 3, hidden: 4)]", OnnxImport.Read(path, node: "/encoder/LSTM").Declaration);
        var unknown = Assert.Throws<ImportException>(() => OnnxImport.Read(path, node: "/decoder/LSTM"));
        Assert.Equal($"{path}: /decoder/LSTM: no LSTM/GRU stack starts at this node; the stacks are: '/encoder/LSTM' (LSTM, 1 layer), '/decoder/GRU' (GRU, 1 layer)", unknown.Message);
    }

    [Fact]
    public void AModelWithoutRecurrentNodesSaysSo()
    {
        // A safetensors file is not an ONNX model; the first fixture byte-truncated to its opset is a model without a graph.
        byte[] notOnnx = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "import", "onnx", "lstm.json"));
        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(new MemoryStream(notOnnx), sourceName: "x.onnx"));
        Assert.StartsWith("x.onnx: not a readable ONNX model: ", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);

        var empty = Assert.Throws<ImportException>(() => OnnxImport.Read(new MemoryStream([0x08, 0x07]), sourceName: "y.onnx"));
        Assert.Equal("y.onnx: not a readable ONNX model: the model has no graph (is this an ONNX model file?)", empty.Message);
    }

    [Fact]
    public void AGemmScaleThatDoesNotFoldExactlyIsRefused()
    {
        string path = OnnxFixture.PathOf("bad_gemm_alpha");

        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(path));

        Assert.StartsWith($"{path}: head: alpha=0.3 cannot be folded into the head's weights exactly (value ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpsetsBeforeSevenAreRefused()
    {
        string path = OnnxFixture.PathOf("bad_opset");

        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(path));

        Assert.Equal($"{path}: opset 6 is older than 7, the first with today's LSTM and GRU (re-export with a newer opset)", error.Message);
    }

    [Fact]
    public void ProtobufErrorsArriveWrappedWithTheirException()
    {
        byte[] model = File.ReadAllBytes(OnnxFixture.PathOf("lstm"));

        var truncated = Assert.Throws<ImportException>(() => OnnxImport.Read(new MemoryStream(model[..(model.Length / 2)]), sourceName: "half.onnx"));

        Assert.StartsWith("half.onnx: not a readable ONNX model: ", truncated.Message, StringComparison.Ordinal);
        Assert.IsType<Google.Protobuf.InvalidProtocolBufferException>(truncated.InnerException);
    }

    [Fact]
    public void StreamsLongerThanTheCapAreRefusedBeforeReading()
    {
        var error = Assert.Throws<ImportException>(() => OnnxImport.Read(new HugeStream(), sourceName: "big.onnx"));

        Assert.Equal($"big.onnx: {OnnxImport.MaxFileBytes + 1} bytes is more than the {OnnxImport.MaxFileBytes} an ONNX model may have here", error.Message);
    }

    [Fact]
    public void AMissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => OnnxImport.Read(Path.Combine(AppContext.BaseDirectory, "no-such.onnx")));
    }

    /// <summary>A seekable stream that claims one byte more than the cap and fails any read.</summary>
    private sealed class HugeStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => OnnxImport.MaxFileBytes + 1;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("read although too long");

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
