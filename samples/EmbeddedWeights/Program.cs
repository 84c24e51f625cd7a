using System.Text.Json;
using RnnGen;

// Two PyTorch models shipped inside this executable, no file beside the app: each is one class, generated for its
// sizes, whose trained weights are compiled in and were checked against it at build time.
//   Tagger:   nn.LSTM(7, 13) + nn.Linear(13, 4), run over a sequence.
//   Denoiser: nn.LSTM(1, 24, num_layers=2) + nn.Linear(24, 1), trained by train_denoiser.py, streamed sample by sample.
// Each is compared with what PyTorch computed (float64, and float32 for PyTorch's own rounding error).
int failures = 0;

{
    var tagger = Tagger.FromEmbeddedWeights();
    using JsonDocument expected = Expected("tagger.expected.json");
    int steps = expected.RootElement.GetProperty("steps").GetInt32();
    float[] inputs = Floats(expected.RootElement.GetProperty("inputs"));
    float[] logits = new float[steps * Tagger.OutputSize];
    float[] state = new float[Tagger.StateSize];   // zeros, as PyTorch's default initial state
    tagger.Forward(inputs, logits, state);

    Console.WriteLine($"{Tagger.Shape}, {steps} steps, {Tagger.ActivePath} path");
    for (int t = 0; t < steps; t++)
    {
        ReadOnlySpan<float> row = logits.AsSpan(t * Tagger.OutputSize, Tagger.OutputSize);
        Console.WriteLine($"  t={t}: {string.Join("  ", row.ToArray().Select(v => v.ToString("+0.000000;-0.000000")))}   -> class {row.IndexOf(row.ToArray().Max())}");
    }

    failures += Compare(logits, expected, "logits");
}

{
    var denoiser = Denoiser.FromEmbeddedWeights();
    using JsonDocument expected = Expected("denoiser.expected.json");
    float[] noisy = Floats(expected.RootElement.GetProperty("noisy"));
    float[] clean = Floats(expected.RootElement.GetProperty("clean"));
    float[] denoised = new float[noisy.Length];
    float[] state = new float[Denoiser.StateSize];   // h_n [2, 24] then c_n [2, 24], zeros
    for (int t = 0; t < noisy.Length; t++)
    {
        // One sample in, one sample out, as an audio or sensor callback would: no allocation, no sequence buffer.
        denoiser.Step(noisy.AsSpan(t, 1), state, denoised.AsSpan(t, 1));
    }

    Console.WriteLine();
    Console.WriteLine($"{Denoiser.Shape}, streamed {noisy.Length} samples one at a time");
    Console.WriteLine($"  RMS error against the clean signal: noisy input {Rms(noisy, clean):F4}, denoised {Rms(denoised, clean):F4}");
    failures += Compare(denoised, expected, "outputs");
}

return failures == 0 ? 0 : 1;

// Fails (returns 1) unless RnnGen is within 1e-5 of PyTorch's float64 result.
static int Compare(float[] actual, JsonDocument expected, string what)
{
    double[] torch64 = Doubles(expected.RootElement.GetProperty("float64"), what);
    double[] torch32 = Doubles(expected.RootElement.GetProperty("float32"), what);
    double difference = actual.Select((v, i) => Math.Abs(v - torch64[i])).Max();
    double torchOwn = torch32.Select((v, i) => Math.Abs(v - torch64[i])).Max();
    Console.WriteLine($"  max |RnnGen float32 - PyTorch float64| = {difference:E2}  (PyTorch's own float32 run: {torchOwn:E2})");
    return difference < 1e-5 ? 0 : 1;
}

static JsonDocument Expected(string file) => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, file)));

static double[] Doubles(JsonElement element, string what) =>
    (element.ValueKind == JsonValueKind.Object ? element.GetProperty(what) : element).EnumerateArray().Select(e => e.GetDouble()).ToArray();

static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

static double Rms(float[] a, float[] b) => Math.Sqrt(a.Select((v, i) => (double)(v - b[i]) * (v - b[i])).Average());

/// <summary>The tagger: its LSTM and linear head in one class, named rnn and head as in the PyTorch model.</summary>
[Lstm(input: 7, hidden: 13, Weights = "tagger.safetensors")]
[Dense(input: 13, output: 4)]
internal partial class Tagger;

/// <summary>The denoiser: a two-layer LSTM with a linear head on every step, trained by train_denoiser.py.</summary>
[Lstm(input: 1, hidden: 24, Layers = 2, Weights = "denoiser.safetensors")]
[Dense(input: 24, output: 1)]
internal partial class Denoiser;
