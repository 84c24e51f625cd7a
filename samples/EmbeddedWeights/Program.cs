using System.Text.Json;
using RnnGen;
using RnnGen.IO;

// A PyTorch model (an nn.LSTM "rnn" and an nn.Linear "head", exported with safetensors' save_file) shipped
// inside this executable: no file beside the app. The LSTM comes from the generated factory; the head's
// tensors come from the same embedded file.
var rnn = TaggerRnn.FromEmbeddedWeights();
WeightFile weights = WeightFile.LoadEmbedded(typeof(TaggerRnn).Assembly, "tagger.safetensors");
const int Classes = 4;
float[] headWeight = weights.Read<float>("head.weight", [Classes, TaggerRnn.HiddenSize]);
float[] headBias = weights.Read<float>("head.bias", [Classes]);

// The sequence PyTorch ran, and what it computed (float64, and float32 for its own rounding error).
using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "tagger.expected.json")));
int steps = expected.RootElement.GetProperty("steps").GetInt32();
float[] inputs = Floats(expected.RootElement.GetProperty("inputs"));
double[] torchLogits = Doubles(expected.RootElement.GetProperty("float64").GetProperty("logits"));
double[] torchLogits32 = Doubles(expected.RootElement.GetProperty("float32").GetProperty("logits"));

float[] outputs = new float[steps * TaggerRnn.HiddenSize];
float[] state = new float[TaggerRnn.StateSize];   // zeros, as PyTorch's default initial state
rnn.Forward(inputs, outputs, state);

Console.WriteLine($"{weights.Source}: {string.Join(", ", weights.Tensors)}");
Console.WriteLine($"[Lstm(input: {TaggerRnn.InputSize}, hidden: {TaggerRnn.HiddenSize})] + Linear({TaggerRnn.HiddenSize}, {Classes}), {steps} steps, {TaggerRnn.ActivePath} path");
Console.WriteLine("logits per step (RnnGen):");
double maxDifference = 0, torchFloat32Difference = 0;
for (int t = 0; t < steps; t++)
{
    var row = new float[Classes];
    for (int k = 0; k < Classes; k++)
    {
        float sum = headBias[k];
        for (int j = 0; j < TaggerRnn.HiddenSize; j++)
        {
            sum += headWeight[k * TaggerRnn.HiddenSize + j] * outputs[t * TaggerRnn.HiddenSize + j];
        }

        row[k] = sum;
        maxDifference = Math.Max(maxDifference, Math.Abs(sum - torchLogits[t * Classes + k]));
        torchFloat32Difference = Math.Max(torchFloat32Difference, Math.Abs(torchLogits32[t * Classes + k] - torchLogits[t * Classes + k]));
    }

    int label = Array.IndexOf(row, row.Max());
    Console.WriteLine($"  t={t}: {string.Join("  ", row.Select(v => v.ToString("+0.000000;-0.000000")))}   -> class {label}");
}

Console.WriteLine($"max |RnnGen float32 - PyTorch float64| = {maxDifference:E2}  (PyTorch's own float32 run: {torchFloat32Difference:E2})");
return maxDifference < 1e-5 ? 0 : 1;

static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

/// <summary>The tagger's LSTM, generated for its sizes, with the trained weights compiled in ("rnn." in the PyTorch model).</summary>
[Lstm(input: 7, hidden: 13, Weights = "tagger.safetensors", WeightsPrefix = "rnn.")]
internal partial class TaggerRnn;
