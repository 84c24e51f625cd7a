using RnnGen.Import;
using RnnGen.Import.Mapping;
using RnnGen.IO;
using Xunit;

namespace RnnGen.Import.Tests.Mapping;

public class ImportedModelBuilderTests
{
    [Fact]
    public void Reorder_moves_whole_gate_blocks_into_the_target_order()
    {
        // ONNX LSTM blocks i, o, f, c (two values each) into PyTorch i, f, g, o.
        float[] onnx = [1, 1, 2, 2, 3, 3, 4, 4];
        Assert.Equal([1, 1, 3, 3, 4, 4, 2, 2], GateBlocks.Reorder(onnx, 2, [0, 2, 3, 1]));
    }

    [Fact]
    public void Transpose_swaps_rows_and_columns()
    {
        Assert.Equal([1, 4, 2, 5, 3, 6], GateBlocks.Transpose([1, 2, 3, 4, 5, 6], 2, 3));
    }

    [Fact]
    public void Build_names_tensors_as_PyTorch_does_and_records_the_GRU_variant()
    {
        var builder = new ImportedModelBuilder("m.onnx", CellKind.Gru, inputSize: 2, hiddenSize: 1, layers: 1, bidirectional: true, bias: true, resetAfter: false);
        builder.SetLayer(0, false, "GRU_0", new float[6], new float[3], new float[3], new float[3]);
        builder.SetLayer(0, true, "GRU_0", new float[6], new float[3], new float[3], new float[3]);
        builder.SetHead("Gemm_1", new float[2 * 2], null, outputSize: 2);

        ImportedModel model = builder.Build("ONNX node 'GRU_0'");
        WeightFile file = model.ToWeightFile();

        Assert.Equal("[Gru(input: 2, hidden: 1, Bidirectional = true, ResetAfter = false)]" + Environment.NewLine + "[Dense(input: 2, output: 2)]", model.Declaration);
        Assert.Equal("false", file.Metadata["rnngen.gru.reset_after"]);
        Assert.Equal(
            ["head.bias", "head.weight", "rnn.bias_hh_l0", "rnn.bias_hh_l0_reverse", "rnn.bias_ih_l0", "rnn.bias_ih_l0_reverse",
             "rnn.weight_hh_l0", "rnn.weight_hh_l0_reverse", "rnn.weight_ih_l0", "rnn.weight_ih_l0_reverse"],
            file.Names);
        Assert.Equal([3, 2], file.GetInfo("rnn.weight_ih_l0").Shape.ToArray());
        Assert.Equal(new float[2], file.Read<float>("head.bias"));
    }

    [Fact]
    public void A_wrong_shape_names_the_tensor_and_both_sizes()
    {
        var builder = new ImportedModelBuilder("m.onnx", CellKind.Lstm, inputSize: 3, hiddenSize: 2, layers: 1, bidirectional: false, bias: false, resetAfter: true);

        var error = Assert.Throws<ImportException>(() => builder.SetLayer(0, false, "LSTM_0", new float[8 * 4], new float[8 * 2], null, null));

        Assert.Equal("m.onnx: LSTM_0: weight_ih_l0: expected [8, 3] (24 values), found 32 values", error.Message);
    }

    [Fact]
    public void A_missing_direction_is_refused_at_build()
    {
        var builder = new ImportedModelBuilder("m.h5", CellKind.Lstm, inputSize: 1, hiddenSize: 1, layers: 1, bidirectional: true, bias: false, resetAfter: true);
        builder.SetLayer(0, false, "lstm", new float[4], new float[4], null, null);

        var error = Assert.Throws<ImportException>(() => builder.Build("Keras layer 'lstm'"));

        Assert.Contains("weight_ih_l0_reverse", error.Message);
    }
}
