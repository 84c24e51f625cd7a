using System.Text.Json;
using RnnGen.Tests.Infrastructure;
using RnnGen.Training;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>
/// Every optimizer follows torch.optim step by step: tests/fixtures/training/optimizers.json (make_fixtures.py, PyTorch
/// 1.13, float32) feeds one sequence of gradients to each case for 10 steps, over two buffers as one model (a cell and a
/// head), with and without clipping; after every step each buffer must match PyTorch within 1e-6 relative
/// (max|C# − PyTorch| ÷ max|PyTorch|), and clip_grad_norm_'s returned norm likewise.
/// </summary>
public class OptimizerVsPyTorchTests
{
    private const double Tolerance = 1e-6;

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(PyTorchFixture.Directory, "training", "optimizers.json"))));

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Fixture.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrajectoryMatchesTorchOptim(string name)
    {
        JsonElement root = Fixture.Value.RootElement;
        JsonElement c = root.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        float[][] parameters = root.GetProperty("initial").EnumerateArray().Select(Floats).ToArray();
        float[][] gradients = parameters.Select(p => new float[p.Length]).ToArray();
        var model = new ParameterSet(parameters.Select((p, i) => ((Memory<float>)p, (Memory<float>)gradients[i])).ToArray());
        Optimizer optimizer = Create(c.GetProperty("optimizer").GetString()!, c.GetProperty("options"), model);
        double? clipNorm = c.GetProperty("clip_norm").ValueKind == JsonValueKind.Null ? null : c.GetProperty("clip_norm").GetDouble();
        double? clipValue = c.GetProperty("clip_value").ValueKind == JsonValueKind.Null ? null : c.GetProperty("clip_value").GetDouble();
        JsonElement[] norms = c.GetProperty("norms").EnumerateArray().ToArray();

        JsonElement[] steps = root.GetProperty("gradients").EnumerateArray().ToArray();
        JsonElement[] expected = c.GetProperty("parameters").EnumerateArray().ToArray();
        Assert.Equal(10, steps.Length);
        int clipped = 0;
        for (int step = 0; step < steps.Length; step++)
        {
            optimizer.ZeroGrad();
            float[][] given = steps[step].EnumerateArray().Select(Floats).ToArray();
            for (int b = 0; b < gradients.Length; b++)
            {
                given[b].CopyTo(gradients[b], 0);
            }

            if (clipNorm is { } maxNorm)
            {
                float norm = model.ClipGradientNorm(maxNorm);
                double torchNorm = norms[step].GetDouble();
                Assert.True(Math.Abs(norm - torchNorm) <= Tolerance * torchNorm, $"{name} step {step + 1}: norm {norm} against PyTorch's {torchNorm}");
                clipped += torchNorm > maxNorm ? 1 : 0;
            }

            if (clipValue is { } value)
            {
                model.ClipGradientValue(value);
            }

            optimizer.Step();
            Assert.Equal(step + 1, optimizer.StepCount);
            JsonElement[] truth = expected[step].EnumerateArray().ToArray();
            for (int b = 0; b < parameters.Length; b++)
            {
                Error.AssertWithin(FixtureRunner.Widen<float>(parameters[b]), Floats(truth[b]).Select(v => (double)v).ToArray(), Tolerance, $"{name} step {step + 1} buffer {b}");
            }
        }

        // The norm-clipping case must exercise both branches, or it proves nothing about one of them.
        if (clipNorm is not null)
        {
            Assert.InRange(clipped, 1, steps.Length - 1);
        }
    }

    private static Optimizer Create(string kind, JsonElement options, ParameterSet model)
    {
        double Get(string key, double fallback) => options.TryGetProperty(key, out JsonElement v) ? v.GetDouble() : fallback;
        double[] betas = options.TryGetProperty("betas", out JsonElement b) ? b.EnumerateArray().Select(e => e.GetDouble()).ToArray() : [0.9, 0.999];
        return kind switch
        {
            "SGD" => new Sgd(model, Get("lr", 0), momentum: Get("momentum", 0), dampening: Get("dampening", 0), weightDecay: Get("weight_decay", 0),
                nesterov: options.TryGetProperty("nesterov", out JsonElement n) && n.GetBoolean()),
            "Adam" => new Adam(model, Get("lr", 1e-3), betas[0], betas[1], Get("eps", 1e-8), Get("weight_decay", 0)),
            "AdamW" => new AdamW(model, Get("lr", 1e-3), betas[0], betas[1], Get("eps", 1e-8), Get("weight_decay", 1e-2)),
            _ => throw new InvalidDataException($"Unknown optimizer '{kind}' in the fixture."),
        };
    }

    // The fixture writes each float32 as the shortest decimal that rounds back to it.
    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
