using System.IO.Compression;
using System.Text.Json.Nodes;
using Xunit;

namespace RnnGen.Import.Tests.Keras;

/// <summary>
/// What the Keras reader refuses, with the exact message (file: layer: problem): the invalid files of
/// make_keras_fixtures.py, and valid .keras files whose config.json is edited here to one option RnnGen does not compute.
/// </summary>
public class KerasRefusalTests
{
    [Theory]
    [InlineData("invalid_hard_sigmoid.keras", "layer 'lstm': recurrent_activation 'hard_sigmoid' is not supported: RnnGen's gates use the logistic sigmoid")]
    [InlineData("invalid_go_backwards.keras", "layer 'gru': go_backwards=True on a layer of its own: Keras returns its outputs in reversed time order, which RnnGen does not compute (Bidirectional layers are read)")]
    [InlineData("invalid_merge_sum.h5", "layer 'bidirectional': merge_mode 'sum' is not supported: RnnGen concatenates the directions (merge_mode 'concat')")]
    [InlineData("invalid_int_kernel.keras", "layer 'lstm': dataset 'layers/lstm/cell/vars/0' holds FixedPoint values of 4 bytes; only float16, float32 and float64 are read")]
    [InlineData("invalid_weights_only.h5", "a weights-only file (save_weights) names no layer classes or options; save the whole model (model.save) and read that")]
    public void Refuses_the_invalid_fixture_files(string file, string message)
    {
        string path = Path.Combine(KerasFixture.Directory, file);

        var error = Assert.Throws<ImportException>(() => KerasImport.Read(path));

        Assert.Equal($"{path}: {message}", error.Message);
    }

    [Theory]
    [InlineData("invalid_truncated.h5")]
    [InlineData("invalid_truncated.keras")]
    public void A_truncated_file_is_an_import_error_with_the_library_error_inside(string file)
    {
        string path = Path.Combine(KerasFixture.Directory, file);

        var error = Assert.Throws<ImportException>(() => KerasImport.Read(path));

        Assert.StartsWith($"{path}: not a readable Keras model file (", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
        Assert.Null(error.Element);
    }

    [Fact]
    public void Bytes_of_neither_format_are_an_import_error()
    {
        var error = Assert.Throws<ImportException>(() => KerasImport.Read(new MemoryStream("{\"not\": \"a model\"}"u8.ToArray())));

        Assert.StartsWith("<stream>: not a readable Keras model file (", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k3_lstm.keras", "LSTM activation relu", "layer 'lstm': activation 'relu' is not supported: RnnGen's cells use tanh")]
    [InlineData("k3_lstm.keras", "LSTM dtype bfloat16", "layer 'lstm': dtype 'bfloat16' is not supported: RnnGen.Import reads float32, float64 and float16 variables")]
    [InlineData("k3_lstm.keras", "LSTM class CuDNNLSTM", "layer 'lstm': CuDNNLSTM stores cuDNN's weight layout; convert it to a plain LSTM layer in Keras first")]
    [InlineData("k3_bilstm_dense.keras", "Dense activation softmax", "layer 'logits': the Dense head applies activation 'softmax'; RnnGen's [Dense] head is linear (nn.Linear), so the head would need it")]
    [InlineData("k3_bilstm_dense.keras", "LSTM recurrent_activation hard_sigmoid", "layer 'encoder' (forward layer): recurrent_activation 'hard_sigmoid' is not supported: RnnGen's gates use the logistic sigmoid")]
    [InlineData("k3_gru_stacked.keras", "gru_a return_sequences false", "2 recurrent stacks; name the first layer of the one to import (layer: / --layer): 'gru_a' (GRU, 1 layer), 'gru_b' (GRU, 1 layer)")]
    [InlineData("k3_gru.keras", "GRU reset_after false", "layer 'gru': bias: expected [12] (reset_after=False), found [2, 12]")]
    [InlineData("k3_gru.keras", "GRU use_bias false", "layer 'gru': found 3 weight arrays, expected 2 (kernel, recurrent_kernel)")]
    [InlineData("k3_gru.keras", "model class Bogus without layers", "not a readable Keras model file (FormatException: the model (Bogus) has no layer list: only Sequential and Functional models are read)")]
    public void Refuses_an_option_RnnGen_does_not_compute(string file, string edit, string message)
    {
        byte[] edited = EditConfig(file, edit);

        var error = Assert.Throws<ImportException>(() => KerasImport.Read(new MemoryStream(edited), sourceName: "edited.keras"));

        Assert.Equal($"edited.keras: {message}", error.Message);
    }

    [Fact]
    public void Stateful_layers_and_unit_forget_bias_are_read()
    {
        byte[] edited = EditConfig("k3_lstm.keras", "LSTM stateful true");

        ImportedModel model = KerasImport.Read(new MemoryStream(edited));

        Assert.Equal(KerasImport.Read(Path.Combine(KerasFixture.Directory, "k3_lstm.keras")).TensorNames, model.TensorNames);
    }

    [Theory]
    [InlineData("nope", "no layer named 'nope'; recurrent stacks: 'gru_a' (GRU, 2 layers)")]
    [InlineData("dropout", "layer 'dropout': a Dropout is not an LSTM or GRU layer; recurrent stacks: 'gru_a' (GRU, 2 layers)")]
    public void A_wrong_layer_name_lists_the_stacks(string layer, string message)
    {
        string path = Path.Combine(KerasFixture.Directory, "k3_gru_stacked.keras");

        var error = Assert.Throws<ImportException>(() => KerasImport.Read(path, layer));

        Assert.Equal($"{path}: {message}", error.Message);
    }

    /// <summary>The .keras file with one change to its config.json (every other entry copied as is).</summary>
    private static byte[] EditConfig(string file, string edit)
    {
        using var source = new ZipArchive(File.OpenRead(Path.Combine(KerasFixture.Directory, file)), ZipArchiveMode.Read);
        var result = new MemoryStream();
        using (var target = new ZipArchive(result, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using Stream input = entry.Open();
                using Stream output = target.CreateEntry(entry.FullName).Open();
                if (entry.FullName != "config.json")
                {
                    input.CopyTo(output);
                    continue;
                }

                JsonNode config = JsonNode.Parse(input)!;
                Apply(config, edit);
                using var writer = new StreamWriter(output);
                writer.Write(config.ToJsonString());
            }
        }

        return result.ToArray();
    }

    private static void Apply(JsonNode model, string edit)
    {
        JsonArray layers = model["config"]!["layers"]!.AsArray();
        JsonNode Layer(string className) => layers.First(l => (string?)l!["class_name"] == className)!;
        JsonNode Named(string name) => layers.First(l => (string?)l!["config"]!["name"] == name)!;
        switch (edit)
        {
            case "LSTM activation relu": Layer("LSTM")["config"]!["activation"] = "relu"; break;
            case "LSTM dtype bfloat16": Layer("LSTM")["config"]!["dtype"]!["config"]!["name"] = "bfloat16"; break;
            case "LSTM class CuDNNLSTM": Layer("LSTM")["class_name"] = "CuDNNLSTM"; break;
            case "LSTM stateful true": Layer("LSTM")["config"]!["stateful"] = true; break;
            case "Dense activation softmax": Layer("Dense")["config"]!["activation"] = "softmax"; break;
            case "LSTM recurrent_activation hard_sigmoid": Layer("Bidirectional")["config"]!["layer"]!["config"]!["recurrent_activation"] = "hard_sigmoid"; break;
            case "gru_a return_sequences false": Named("gru_a")["config"]!["return_sequences"] = false; break;
            case "GRU reset_after false": Layer("GRU")["config"]!["reset_after"] = false; break;
            case "GRU use_bias false": Layer("GRU")["config"]!["use_bias"] = false; break;
            case "model class Bogus without layers": model["class_name"] = "Bogus"; model["config"] = new JsonObject(); break;
            default: throw new ArgumentException(edit);
        }
    }
}
