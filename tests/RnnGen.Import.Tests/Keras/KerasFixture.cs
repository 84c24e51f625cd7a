using System.Text.Json;
using Xunit;

namespace RnnGen.Import.Tests.Keras;

/// <summary>
/// A model file written by tests/fixtures/import/make_keras_fixtures.py in Keras's layout, with what the reader must
/// produce (declaration, GRU variant, the weights mapped to PyTorch's layout by NumPy) and what the model computes
/// (float64 outputs and final state of a NumPy implementation of Keras's equations, and the float32 error of the same
/// computation, PyTorch's where nn.LSTM/nn.GRU computes the model).
/// </summary>
public sealed class KerasFixture
{
    public static readonly string Directory = System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "import", "keras");

    /// <summary>The valid model files, by file name.</summary>
    public static readonly string[] Files =
    [
        "k3_lstm.keras", "k3_lstm_nobias.keras", "k3_gru.keras", "k3_lstm_float16.keras", "k3_gru_float64.keras", "k3_gru_reset_before.keras", "k3_bilstm_dense.keras",
        "k3_gru_stacked.keras", "k3_lstm_td_dense.keras", "tfk_lstm.h5", "tfk_gru_td_dense.h5", "tfk_bigru_dense.h5", "k2_lstm_stacked_dense.h5", "k2_gru_reset_before.h5",
    ];

    public static TheoryData<string> All => [.. Files];

    public required string File { get; init; }
    public required string Declaration { get; init; }
    public required bool ResetAfter { get; init; }
    public required IReadOnlyDictionary<string, (int[] Shape, float[] Values)> Tensors { get; init; }
    public required int Steps { get; init; }
    public required float[] Inputs { get; init; }
    public required double[] Outputs { get; init; }
    public required double[] State { get; init; }
    public required double Float32OutputsError { get; init; }
    public required double Float32StateError { get; init; }

    public string Path => System.IO.Path.Combine(Directory, File);

    public static KerasFixture Load(string file)
    {
        string json = System.IO.File.ReadAllText(System.IO.Path.Combine(Directory, System.IO.Path.ChangeExtension(file, ".json")));
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        var tensors = new Dictionary<string, (int[], float[])>(StringComparer.Ordinal);
        foreach (JsonProperty tensor in root.GetProperty("tensors").EnumerateObject())
        {
            tensors[tensor.Name] = (
                tensor.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
                tensor.Value.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
        }

        return new KerasFixture
        {
            File = file,
            Declaration = root.GetProperty("declaration").GetString()!.Replace("\n", Environment.NewLine, StringComparison.Ordinal),
            ResetAfter = root.GetProperty("reset_after").GetBoolean(),
            Tensors = tensors,
            Steps = root.GetProperty("steps").GetInt32(),
            Inputs = root.GetProperty("inputs").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(),
            Outputs = root.GetProperty("outputs").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            State = root.GetProperty("state").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            Float32OutputsError = root.GetProperty("float32_error").GetProperty("outputs").GetDouble(),
            Float32StateError = root.GetProperty("float32_error").GetProperty("state").GetDouble(),
        };
    }
}
