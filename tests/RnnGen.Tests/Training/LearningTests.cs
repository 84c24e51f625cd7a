using RnnGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Training;

// A small model for the training tests: a cell over two input channels and a linear read-out of its last h.
[Lstm(input: 2, hidden: 16)] public partial class ToyLstm;
[Gru(input: 2, hidden: 16)] public partial class ToyGru;
[Dense(input: 16, output: 1)] public partial class ToyHead;

/// <summary>
/// The toolkit trains: a tiny LSTM + Dense learns a short adding problem with Adam and clipping (fixed seed, a couple
/// of seconds), and backpropagation through 2,000 steps with clipping stays finite.
/// </summary>
public class LearningTests(ITestOutputHelper output)
{
    /// <summary>
    /// The adding problem at T = 10: two channels, values uniform on [0, 1) and a marker on exactly two steps; the
    /// target is the sum of the two marked values. Predicting the mean scores MSE 1/6 ≈ 0.167; the model must get
    /// below 0.01 (17× better), which takes finding the markers, holding two values and adding them.
    /// </summary>
    [Fact]
    public void TinyLstmAndDenseLearnTheAddingProblem()
    {
        const int Steps = 10, Batch = 16, Updates = 600;
        var random = new Random(42);
        var cell = new ToyLstm(random);
        var head = new ToyHead(random);
        float[] cellGradients = new float[ToyLstm.ParameterCount], headGradients = new float[ToyHead.ParameterCount];
        var model = new ParameterSet((cell.ParameterMemory, cellGradients), (head.ParameterMemory, headGradients));
        var optimizer = new Adam(model, learningRate: 0.01);
        var trainer = new Trainer(cell, head, Steps);

        var data = new Random(7);
        for (int update = 0; update < Updates; update++)
        {
            model.ZeroGrad();
            for (int b = 0; b < Batch; b++)
            {
                float target = Adding(data, trainer.Inputs);
                trainer.Backward(target, 1f / Batch, cellGradients, headGradients);
            }

            model.ClipGradientNorm(1);
            optimizer.Step();
        }

        var test = new Random(8);
        double loss = 0;
        for (int i = 0; i < 500; i++)
        {
            float target = Adding(test, trainer.Inputs);
            float error = trainer.Predict() - target;
            loss += error * error / 500;
        }

        output.WriteLine($"held-out MSE after {Updates} updates: {loss:F5} (constant predictor 0.167)");
        Assert.True(loss < 0.01, $"held-out MSE {loss:F4} is not below 0.01");
    }

    /// <summary>
    /// 2,000 steps of BPTT with a loss on every step's output, weights ×3 (saturating gates, the regime where gradients
    /// explode or vanish): with norm clipping every Adam step stays finite, for both cell kinds.
    /// </summary>
    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void BackpropagationThroughTwoThousandStepsWithClippingStaysFinite(CellKind kind)
    {
        const int Steps = 2000;
        var random = new Random(3);
        IRecurrentCell<float> cell = kind == CellKind.Lstm ? new ToyLstm(random) : new ToyGru(random);
        foreach (ref float p in cell.Parameters)
        {
            p *= 3;
        }

        var head = new ToyHead(random);
        float[] cellGradients = new float[cell.ParameterCount], headGradients = new float[ToyHead.ParameterCount];
        var model = new ParameterSet((cell.ParameterMemory, cellGradients), (head.ParameterMemory, headGradients));
        var optimizer = new Adam(model, learningRate: 0.01);

        float[] inputs = new float[Steps * 2], targets = new float[Steps];
        for (int t = 0; t < Steps; t++)
        {
            inputs[2 * t] = (float)(2 * random.NextDouble() - 1);
            inputs[2 * t + 1] = (float)random.NextDouble();
            targets[t] = MathF.Sin(t / 10f);
        }

        Tape<float> tape = cell.CreateTape(Steps);
        float[] hs = new float[Steps * 16], predictions = new float[Steps], dPredictions = new float[Steps], dHs = new float[Steps * 16];
        float first = float.NaN, norm = 0;
        for (int update = 0; update < 10; update++)
        {
            model.ZeroGrad();
            cell.Forward(inputs, hs, new float[cell.StateSize], tape);
            head.Forward(hs, predictions);
            float loss = Loss.MeanSquaredError<float>(predictions, targets, dPredictions);
            head.Backward(hs, dPredictions, dHs, headGradients);
            cell.Backward(tape, dHs, new float[cell.StateSize], default, cellGradients);

            Assert.True(float.IsFinite(loss), $"update {update}: loss {loss}");
            norm = model.ClipGradientNorm(1);   // throws on a NaN or ∞ gradient
            Assert.True(float.IsFinite(norm) && norm > 0, $"update {update}: gradient norm {norm}");
            optimizer.Step();
            first = update == 0 ? loss : first;
        }

        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(cell.Parameters), "cell parameters");
        Assert.True(System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(head.Parameters), "head parameters");
        output.WriteLine($"{kind}: first loss {first:F4}, last pre-clip gradient norm {norm:F4}");
    }

    /// <summary>Fills <paramref name="inputs"/> (T×2) with one adding-problem sequence and returns its target.</summary>
    private static float Adding(Random random, float[] inputs)
    {
        int steps = inputs.Length / 2;
        int first = random.Next(steps), second = random.Next(steps - 1);
        second += second >= first ? 1 : 0;
        float target = 0;
        for (int t = 0; t < steps; t++)
        {
            inputs[2 * t] = (float)random.NextDouble();
            inputs[2 * t + 1] = t == first || t == second ? 1 : 0;
            target += inputs[2 * t + 1] * inputs[2 * t];
        }

        return target;
    }

    /// <summary>The loop a sequence-to-one regression runs: LSTM over the sequence, Dense on the last h, MSE.</summary>
    private sealed class Trainer(ToyLstm cell, ToyHead head, int steps)
    {
        private readonly Tape<float> _tape = cell.CreateTape(steps);
        private readonly float[] _hs = new float[steps * ToyLstm.HiddenSize], _dHs = new float[steps * ToyLstm.HiddenSize];
        private readonly float[] _state = new float[ToyLstm.StateSize], _dState = new float[ToyLstm.StateSize];
        private readonly float[] _prediction = new float[1], _dPrediction = new float[1];

        public float[] Inputs { get; } = new float[steps * 2];

        public float Predict()
        {
            Array.Clear(_state);
            cell.Forward(Inputs, _hs, _state);
            head.Forward(_hs.AsSpan((steps - 1) * ToyLstm.HiddenSize), _prediction);
            return _prediction[0];
        }

        public void Backward(float target, float weight, float[] cellGradients, float[] headGradients)
        {
            Array.Clear(_state);
            cell.Forward(Inputs, _hs, _state, _tape);
            ReadOnlySpan<float> last = _hs.AsSpan((steps - 1) * ToyLstm.HiddenSize);
            head.Forward(last, _prediction);
            Loss.MeanSquaredError<float>(_prediction, [target], _dPrediction);
            _dPrediction[0] *= weight;   // the batch mean
            Array.Clear(_dHs);
            head.Backward(last, _dPrediction, _dHs.AsSpan((steps - 1) * ToyLstm.HiddenSize), headGradients);
            Array.Clear(_dState);
            cell.Backward(_tape, _dHs, _dState, default, cellGradients);
        }
    }
}
