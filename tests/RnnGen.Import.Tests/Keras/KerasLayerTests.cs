using System.Text.Json;
using RnnGen.Import.Keras;
using Xunit;

namespace RnnGen.Import.Tests.Keras;

/// <summary>Reading a model config's layer list, and Keras 3's store names for it.</summary>
public class KerasLayerTests
{
    [Fact]
    public void Inbound_layers_are_read_from_Keras_2_and_Keras_3_functional_configs()
    {
        const string Json = """
            {"class_name": "Model", "config": {"layers": [
              {"class_name": "InputLayer", "name": "input_1", "config": {"name": "input_1"}, "inbound_nodes": []},
              {"class_name": "LSTM", "name": "lstm", "config": {"name": "lstm"}, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
              {"class_name": "Add", "config": {"name": "add"}, "inbound_nodes": [{"args": [[
                {"class_name": "__keras_tensor__", "config": {"keras_history": ["lstm", 0, 0]}},
                {"class_name": "__keras_tensor__", "config": {"keras_history": ["input_1", 0, 0]}}]], "kwargs": {}}]}]}}
            """;
        using JsonDocument document = JsonDocument.Parse(Json);

        IReadOnlyList<KerasLayer> layers = KerasLayer.ListModel(document.RootElement);

        Assert.Equal(["input_1", "lstm", "add"], layers.Select(l => l.Name));
        Assert.Equal(["input_1"], layers[1].Inbound!);
        Assert.True(layers[1].Reads(layers[0]));
        Assert.Equal(["lstm", "input_1"], layers[2].Inbound!);
        Assert.False(layers[2].Reads(layers[1]));
    }

    [Fact]
    public void A_Keras_2_2_2_sequential_config_is_a_bare_list_and_every_layer_reads_the_one_before()
    {
        using JsonDocument document = JsonDocument.Parse("""{"class_name": "Sequential", "config": [{"class_name": "GRU", "config": {"name": "gru_1"}}, {"class_name": "Dense", "config": {"name": "dense_1"}}]}""");

        IReadOnlyList<KerasLayer> layers = KerasLayer.ListModel(document.RootElement);

        Assert.Equal(["GRU", "Dense"], layers.Select(l => l.ClassName));
        Assert.Null(layers[1].Inbound);
        Assert.True(layers[1].Reads(layers[0]));
    }

    [Theory]
    [InlineData("LSTM", "lstm")]
    [InlineData("GRU", "gru")]
    [InlineData("Bidirectional", "bidirectional")]
    [InlineData("SimpleRNN", "simple_rnn")]
    [InlineData("InputLayer", "input_layer")]
    [InlineData("TimeDistributed", "time_distributed")]
    public void Class_names_become_Keras_snake_case(string className, string expected)
    {
        Assert.Equal(expected, Keras3Weights.ToSnakeCase(className));
    }

    [Fact]
    public void Store_names_count_earlier_layers_of_the_same_class()
    {
        KerasLayer[] layers = new[] { "InputLayer", "LSTM", "Dropout", "LSTM", "Dense", "LSTM" }
            .Select((c, i) => new KerasLayer(c, $"layer{i}", default, null)).ToArray();

        Assert.Equal(["input_layer", "lstm", "dropout", "lstm_1", "dense", "lstm_2"], layers.Select((_, i) => Keras3Weights.StoreName(layers, i)));
    }
}
