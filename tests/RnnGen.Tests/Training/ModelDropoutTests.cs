using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Training;

/// <summary>
/// Dropout between layers (ModelShape.Dropout, PyTorch's <c>dropout</c>), in the reference model: the gradient through
/// a fixed mask, the mask's statistics and exact values, one draw per value of every layer output but the top one in
/// row-major order from the tape's random source, and inference (workspace and streaming) ignoring it entirely.
/// </summary>
public sealed class ModelDropoutTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-6;
    private const int Steps = 5;

    // ---- (a) Finite differences with the mask held fixed ----

    public static TheoryData<string, bool> GradientCases => new()
    {
        { "lstm_l3", false },
        { "lstm_l3", true },
        { "gru_l3", false },
        { "gru_bi_l3", true },
        { "lstm_proj_bi_l3", true },
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void BackwardMatchesFiniteDifferencesThroughAFixedMask(string configuration, bool head)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout: 0.4);
        const int DropoutSeed = 77;
        var problem = new ModelGradientProblem(shape, Steps, weightScale: 1, seed: 41, dropoutSeed: DropoutSeed);

        // The mask must actually drop and keep values in every masked layer, or the check would say nothing about it.
        Tape<double> tape = problem.Record();
        for (int layer = 0; layer < shape.Layers - 1; layer++)
        {
            double[] mask = tape.Mask(layer).ToArray();
            Assert.Equal(Steps * shape.LayerOutputSize, mask.Length);
            Assert.Contains(0.0, mask);
            Assert.Contains(1 / (1 - 0.4), mask);
        }

        GradientComparison result = problem.CheckEveryEntry(problem.Analytic(), Tolerance);
        string name = $"{shape} T={Steps} mask seed {DropoutSeed}";
        output.WriteLine(result.Summary(name));
        result.AssertPassed(name);
        Assert.Equal(problem.EntryCount, result.Checked);

        // The harness sees the mask: the gradient of another mask (seed + 1) fails against L of this one.
        GradientComparison other = problem.CheckEveryEntry(problem.Analytic(dropoutSeed: DropoutSeed + 1), Tolerance);
        output.WriteLine(other.Summary("analytic gradient of another mask"));
        Assert.True(other.Failures.Count > 0, "the gradient of another dropout mask passed the finite-difference check");
    }

    // ---- (b) The mask's values and statistics ----

    [Fact]
    public void AboutPOfTheValuesAreDroppedAndTheRestScaledByExactlyOneOverOneMinusP()
    {
        // 3 layers of 64 units over 1000 steps: 2·64·1000 = 128,000 mask values (the top layer has none).
        const double P = 0.3;
        const int T = 1000, H = 64, Seed = 2024;
        var shape = new ModelShape(CellKind.Gru, 2, H, layers: 3, dropout: P);
        var model = new ReferenceModel<float>(shape, new Random(1));
        float[] inputs = Uniform<float>(new Random(2), T * shape.InputSize, 1.5);
        Tape<float> tape = model.CreateTape(T, new Random(Seed));
        model.Forward(inputs, new float[T * shape.OutputSize], new float[shape.StateSize], tape);

        float kept = (float)(1.0 / (1.0 - P));
        long zeros = 0, total = 0;
        for (int layer = 0; layer < shape.Layers - 1; layer++)
        {
            float[] mask = tape.Mask(layer).ToArray();
            Assert.Equal(T * shape.LayerOutputSize, mask.Length);
            for (int i = 0; i < mask.Length; i++)
            {
                if (mask[i] == 0)
                {
                    Assert.True(float.IsPositive(mask[i]), $"layer {layer} mask[{i}] is −0");
                    zeros++;
                }
                else
                {
                    Assert.True(mask[i] == kept, $"layer {layer} mask[{i}] = {mask[i]:R}, expected 0 or exactly {kept:R}");
                }
            }

            total += mask.Length;

            // The next layer reads the layer's outputs (h, recorded in its states) times the mask, exactly.
            Span<float> states = tape.States(layer, 0), next = tape.Inputs(layer + 1);
            int s = shape.HiddenSize;
            for (int t = 0; t < T; t++)
            {
                for (int j = 0; j < H; j++)
                {
                    float h = states[(t + 1) * s + j];
                    Assert.True(next[t * H + j] == h * mask[t * H + j], $"layer {layer + 1} input [{t}, {j}] is not h ⊙ mask");
                }
            }
        }

        Assert.True(total >= 100_000);
        double fraction = (double)zeros / total, sigma = Math.Sqrt(P * (1 - P) / total);
        output.WriteLine($"{zeros} of {total} values dropped: {fraction:F5} (p = {P}, σ = {sigma:E2}, {(fraction - P) / sigma:F2}σ)");
        Assert.True(Math.Abs(fraction - P) <= 4 * sigma, $"dropped fraction {fraction:F5} is more than 4σ = {4 * sigma:E2} from {P}");
    }

    [Theory]
    [InlineData("lstm_proj_bi_l3", true)]
    [InlineData("gru_l3", false)]
    public void TheMaskIsOneDrawPerValueInRowMajorOrderFromTheTapesRandom(string configuration, bool head)
    {
        const double P = 0.4;
        const int Seed = 9;
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout: P);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var random = new Random(Seed);
        Tape<double> tape = model.CreateTape(Steps, random);
        model.Forward(Uniform<double>(new Random(2), Steps * shape.InputSize, 1.5), new double[Steps * shape.OutputSize], Uniform<double>(new Random(3), shape.StateSize, 1.5), tape);

        // Replay the draws: layer 0's mask first, row by row, then layer 1's, ...; nothing for the top layer.
        var replay = new Random(Seed);
        double kept = 1 / (1 - P);
        for (int layer = 0; layer < shape.Layers - 1; layer++)
        {
            var expected = new double[Steps * shape.LayerOutputSize];
            for (int i = 0; i < expected.Length; i++)
            {
                expected[i] = replay.NextDouble() < P ? 0 : kept;
            }

            AssertBitwiseEqual<double>(expected, tape.Mask(layer), $"layer {layer} mask");
        }

        // Exactly (L − 1)·T·D·Hout draws were taken: the tape's random is where the replay is.
        Assert.Equal(replay.NextDouble(), random.NextDouble());
    }

    public static TheoryData<string, bool> InferenceCases => new()
    {
        { "lstm_l3", true },
        { "gru_l3", false },
        { "lstm_proj_l2", false },
        { "gru_bi_l3", true },
        { "lstm_proj_bi_l2", false },
    };

    [Theory]
    [MemberData(nameof(InferenceCases))]
    public void InferenceIgnoresDropout(string configuration, bool head)
    {
        // Same parameters with dropout 0.3 and 0: the workspace Forward (and for one direction Step and the
        // streaming Forward) must agree bit for bit; dropout is for the tape-taking Forward only.
        ModelShape withDropout = ModelTestShapes.Create(configuration, head, dropout: 0.3), without = ModelTestShapes.Create(configuration, head);
        var dropped = new ReferenceModel<float>(withDropout, new Random(5));
        var plain = new ReferenceModel<float>(without, new Random(5));
        AssertBitwiseEqual<float>(plain.Parameters, dropped.Parameters, "parameters");

        const int T = 200;
        float[] inputs = Uniform<float>(new Random(6), T * withDropout.InputSize, 1.5), initial = Uniform<float>(new Random(7), withDropout.StateSize, 1.5);
        (float[] expectedOutputs, float[] expectedState) = (new float[T * without.OutputSize], (float[])initial.Clone());
        plain.Forward(inputs, expectedOutputs, expectedState, plain.CreateWorkspace(T));

        (float[] outputs, float[] state) = (new float[T * withDropout.OutputSize], (float[])initial.Clone());
        dropped.Forward(inputs, outputs, state, dropped.CreateWorkspace(T));
        AssertBitwiseEqual<float>(expectedOutputs, outputs, "workspace outputs");
        AssertBitwiseEqual<float>(expectedState, state, "workspace final state");

        if (!withDropout.Bidirectional)
        {
            (outputs, state) = (new float[T * withDropout.OutputSize], (float[])initial.Clone());
            dropped.Forward(inputs, outputs, state);
            AssertBitwiseEqual<float>(expectedOutputs, outputs, "streaming Forward outputs");
            AssertBitwiseEqual<float>(expectedState, state, "streaming Forward final state");

            state = (float[])initial.Clone();
            int o = withDropout.OutputSize, i = withDropout.InputSize;
            for (int t = 0; t < T; t++)
            {
                dropped.Step(inputs.AsSpan(t * i, i), state, outputs.AsSpan(t * o, o));
            }

            AssertBitwiseEqual<float>(expectedOutputs, outputs, "Step outputs");
            AssertBitwiseEqual<float>(expectedState, state, "Step final state");
        }

        // And the taped Forward does drop: its outputs differ from inference.
        (outputs, state) = (new float[T * withDropout.OutputSize], (float[])initial.Clone());
        dropped.Forward(inputs, outputs, state, dropped.CreateTape(T, new Random(8)));
        Assert.False(outputs.AsSpan().SequenceEqual(expectedOutputs), "the taped Forward with dropout 0.3 gave the inference outputs");
    }

    // ---- (c) Repeatability ----

    [Theory]
    [InlineData("lstm_proj_bi_l3", true)]
    [InlineData("gru_l3", false)]
    public void TheSameSeedGivesBitIdenticalMasksOutputsAndGradientsAndAnotherSeedDoesNot(string configuration, bool head)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout: 0.4);
        var model = new ReferenceModel<float>(shape, new Random(1));
        const int T = 20;
        float[] inputs = Uniform<float>(new Random(2), T * shape.InputSize, 1.5), initial = Uniform<float>(new Random(3), shape.StateSize, 1.5);
        float[] outputGradients = Uniform<float>(new Random(4), T * shape.OutputSize, 1), finalStateGradient = Uniform<float>(new Random(5), shape.StateSize, 1);

        Run a = Train(11), b = Train(11), c = Train(12);
        for (int layer = 0; layer < shape.Layers - 1; layer++)
        {
            AssertBitwiseEqual<float>(a.Masks[layer], b.Masks[layer], $"layer {layer} mask, same seed");
            Assert.False(a.Masks[layer].AsSpan().SequenceEqual(c.Masks[layer]), $"layer {layer}: seeds 11 and 12 gave the same mask");
        }

        AssertBitwiseEqual<float>(a.Outputs, b.Outputs, "outputs, same seed");
        AssertBitwiseEqual<float>(a.State, b.State, "final state, same seed");
        AssertBitwiseEqual<float>(a.Gradients.Inputs, b.Gradients.Inputs, "input gradients, same seed");
        AssertBitwiseEqual<float>(a.Gradients.State, b.Gradients.State, "initial-state gradient, same seed");
        AssertBitwiseEqual<float>(a.Gradients.Parameters, b.Gradients.Parameters, "parameter gradients, same seed");
        Assert.False(a.Outputs.AsSpan().SequenceEqual(c.Outputs), "seeds 11 and 12 gave the same outputs");
        Assert.False(a.Gradients.Parameters.AsSpan().SequenceEqual(c.Gradients.Parameters), "seeds 11 and 12 gave the same parameter gradients");

        Run Train(int seed)
        {
            Tape<float> tape = model.CreateTape(T, new Random(seed));
            float[] outputs = new float[T * shape.OutputSize], state = (float[])initial.Clone();
            model.Forward(inputs, outputs, state, tape);
            float[][] masks = Enumerable.Range(0, shape.Layers - 1).Select(l => tape.Mask(l).ToArray()).ToArray();
            float[] stateGradient = (float[])finalStateGradient.Clone(), inputGradients = new float[inputs.Length], parameterGradients = new float[model.ParameterCount];
            model.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            return new Run(masks, outputs, state, new Gradients<float>(inputGradients, stateGradient, parameterGradients));
        }
    }

    [Fact]
    public void ATapeRedrawsItsMaskOnEveryForward()
    {
        // One tape, one Random: the second sequence gets the next draws, not the first mask again.
        ModelShape shape = ModelTestShapes.Create("lstm_l2", head: false, dropout: 0.5);
        var model = new ReferenceModel<double>(shape, new Random(1));
        Tape<double> tape = model.CreateTape(Steps, new Random(3));
        double[] inputs = Uniform<double>(new Random(2), Steps * shape.InputSize, 1.5);
        model.Forward(inputs, new double[Steps * shape.OutputSize], new double[shape.StateSize], tape);
        double[] first = tape.Mask(0).ToArray();
        model.Forward(inputs, new double[Steps * shape.OutputSize], new double[shape.StateSize], tape);
        Assert.False(first.AsSpan().SequenceEqual(tape.Mask(0)), "the second Forward reused the first mask");
    }

    // ---- (d) The top layer ----

    [Theory]
    [InlineData("lstm_proj_bi_l3", true)]
    [InlineData("lstm_proj_bi_l3", false)]
    [InlineData("gru_l2", false)]
    [InlineData("gru_bi_l2", true)]
    public void TheTopLayersOutputsAreNeverMasked(string configuration, bool head)
    {
        // p = 0.9: a masked top layer would zero about 90 % of what the head or the caller sees.
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout: 0.9);
        var model = new ReferenceModel<double>(shape, new Random(1));
        const int T = 50;
        Tape<double> tape = model.CreateTape(T, new Random(4));
        double[] outputs = new double[T * shape.OutputSize], state = Uniform<double>(new Random(3), shape.StateSize, 1.5);
        model.Forward(Uniform<double>(new Random(2), T * shape.InputSize, 1.5), outputs, state, tape);
        Assert.Contains(0.0, tape.Mask(shape.Layers - 2).ToArray());

        // What leaves the top layer (the outputs, or the head's inputs) is exactly its h at each step, as recorded.
        double[] topOutputs = head ? tape.LayerOutputs.ToArray() : outputs;
        int top = shape.Layers - 1, r = shape.RecurrentSize, s = shape.Kind == CellKind.Lstm ? r + shape.HiddenSize : r;
        for (int direction = 0; direction < shape.Directions; direction++)
        {
            Span<double> states = tape.States(top, direction);
            for (int t = 0; t < T; t++)
            {
                int row = direction == 0 ? t + 1 : t;   // the state after step t
                for (int j = 0; j < r; j++)
                {
                    double value = topOutputs[t * shape.LayerOutputSize + direction * r + j];
                    Assert.True(value == states[row * s + j] && value != 0, $"top layer output [{t}, {direction}, {j}] = {value:R}, its h is {states[row * s + j]:R}");
                }
            }
        }

        // With a head, the outputs are the head applied to those unmasked values: y = W·x + b per step.
        if (head)
        {
            double[] weight = model.Tensor("head.weight").ToArray(), bias = model.Tensor("head.bias").ToArray();
            int n = shape.LayerOutputSize, m = shape.HeadOutputs;
            var expected = new double[T * m];
            for (int t = 0; t < T; t++)
            {
                for (int i = 0; i < m; i++)
                {
                    double sum = 0;
                    for (int k = 0; k < n; k++)
                    {
                        sum += weight[i * n + k] * topOutputs[t * n + k];
                    }

                    expected[t * m + i] = bias[i] + sum;
                }
            }

            Error.AssertWithin(outputs, expected, 1e-14, "head outputs against W·(unmasked top layer) + b");
        }
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void ASingleLayerModelWithDropoutMasksNothingAndDrawsNothing(CellKind kind)
    {
        // PyTorch warns that dropout on one layer does nothing; here it must equal inference exactly and take no draws.
        var shape = new ModelShape(kind, 3, 4, layers: 1, bidirectional: true, headOutputs: 2, dropout: 0.5, rnnName: "rnn", headName: "head");
        var model = new ReferenceModel<double>(shape, new Random(1));
        const int T = 30;
        double[] inputs = Uniform<double>(new Random(2), T * shape.InputSize, 1.5), initial = Uniform<double>(new Random(3), shape.StateSize, 1.5);
        (double[] expected, double[] expectedState) = (new double[T * shape.OutputSize], (double[])initial.Clone());
        model.Forward(inputs, expected, expectedState, model.CreateWorkspace(T));

        var random = new Random(5);
        (double[] outputs, double[] state) = (new double[T * shape.OutputSize], (double[])initial.Clone());
        model.Forward(inputs, outputs, state, model.CreateTape(T, random));
        AssertBitwiseEqual<double>(expected, outputs, "outputs");
        AssertBitwiseEqual<double>(expectedState, state, "final state");
        Assert.Equal(new Random(5).NextDouble(), random.NextDouble());
    }

    [Fact]
    public void FloatAndDoubleDrawTheSameMask()
    {
        // One draw sequence for every implementation: the float model's mask is the double model's, rounded.
        ModelShape shape = ModelTestShapes.Create("gru_bi_l3", head: true, dropout: 0.3);
        var f = new ReferenceModel<float>(shape, new Random(1));
        var d = new ReferenceModel<double>(shape, new Random(1));
        Tape<float> tf = f.CreateTape(Steps, new Random(6));
        Tape<double> td = d.CreateTape(Steps, new Random(6));
        f.Forward(Uniform<float>(new Random(2), Steps * shape.InputSize, 1), new float[Steps * shape.OutputSize], new float[shape.StateSize], tf);
        d.Forward(Uniform<double>(new Random(2), Steps * shape.InputSize, 1), new double[Steps * shape.OutputSize], new double[shape.StateSize], td);
        for (int layer = 0; layer < shape.Layers - 1; layer++)
        {
            float[] expected = td.Mask(layer).ToArray().Select(v => (float)v).ToArray();
            AssertBitwiseEqual<float>(expected, tf.Mask(layer), $"layer {layer} mask");
        }
    }

    private sealed record Run(float[][] Masks, float[] Outputs, float[] State, Gradients<float> Gradients);
}
