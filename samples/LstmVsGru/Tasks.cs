using System.Globalization;

namespace LstmVsGru;

/// <summary>A sequence-to-one regression task: sequences of <see cref="InputSize"/> channels, one target each.</summary>
public abstract class RegressionTask
{
    /// <summary>Short name for tables and file names.</summary>
    public abstract string Name { get; }

    /// <summary>Channels per step.</summary>
    public abstract int InputSize { get; }

    /// <summary>Steps per sequence.</summary>
    public abstract int Length { get; }

    /// <summary>Held-out sequences (inputs, target), fixed for the run.</summary>
    public abstract IReadOnlyList<(float[] Inputs, float Target)> TestSet { get; }

    /// <summary>Sequences from the training distribution, fixed for the run, on which the final training loss is measured.</summary>
    public abstract IReadOnlyList<(float[] Inputs, float Target)> TrainingSet { get; }

    /// <summary>The loss a trivial predictor scores on the held-out set, and its name.</summary>
    public abstract (string Name, double Loss) Baseline { get; }

    /// <summary>Writes one training sequence into <paramref name="inputs"/> and returns its target.</summary>
    public abstract float Sample(Random random, Span<float> inputs);
}

/// <summary>
/// Hochreiter &amp; Schmidhuber's adding problem: two channels per step, a value uniform on [0, 1) and a marker that is 1 on
/// exactly two steps; the target is the sum of the two marked values. Predicting its mean (1) scores MSE 1/6 ≈ 0.167,
/// so anything well below that has learnt to find and hold the marked values across up to T steps.
/// </summary>
public sealed class AddingProblem : RegressionTask
{
    public AddingProblem(int length, int evaluationSequences, int seed)
    {
        Length = length;
        TestSet = Draw(new Random(seed), evaluationSequences);
        TrainingSet = Draw(new Random(seed + 1), evaluationSequences);
    }

    public override string Name => $"adding-T{Length}";

    public override int InputSize => 2;

    public override int Length { get; }

    public override IReadOnlyList<(float[] Inputs, float Target)> TestSet { get; }

    public override IReadOnlyList<(float[] Inputs, float Target)> TrainingSet { get; }

    public override (string Name, double Loss) Baseline => ("constant predictor (always 1)", 1.0 / 6);

    public override float Sample(Random random, Span<float> inputs)
    {
        int first = random.Next(Length), second = random.Next(Length - 1);
        second += second >= first ? 1 : 0;   // two distinct steps, anywhere in the sequence
        float target = 0;
        for (int t = 0; t < Length; t++)
        {
            float value = (float)random.NextDouble();
            bool marked = t == first || t == second;
            inputs[2 * t] = value;
            inputs[2 * t + 1] = marked ? 1 : 0;
            target += marked ? value : 0;
        }

        return target;
    }

    private (float[], float)[] Draw(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            float[] inputs = new float[2 * Length];
            return (inputs, Sample(random, inputs));
        }).ToArray();
}

/// <summary>
/// One-step-ahead forecasting of the yearly sunspot numbers (data/sunspots.csv, 1700–2008): from the previous
/// <see cref="Length"/> years predict the next. Years up to <see cref="LastTrainingYear"/> are for training, the
/// rest held out. Values are standardised with the training years' mean and deviation, so losses are in units of
/// that variance (MSE 1 ≈ predicting the mean).
/// </summary>
public sealed class SunspotForecast : RegressionTask
{
    public const int LastTrainingYear = 1948;

    private readonly float[] _series;
    private readonly int[] _trainingTargets;

    public SunspotForecast(string csvPath, int window)
    {
        string[] lines = File.ReadAllLines(csvPath);
        Years = lines.Skip(1).Select(l => int.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();
        double[] raw = lines.Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        int split = Array.IndexOf(Years, LastTrainingYear) + 1;
        Mean = raw[..split].Average();
        Deviation = Math.Sqrt(raw[..split].Sum(v => (v - Mean) * (v - Mean)) / split);
        _series = raw.Select(v => (float)((v - Mean) / Deviation)).ToArray();
        Length = window;

        // A target index i is predicted from the `window` values before it.
        _trainingTargets = Enumerable.Range(window, split - window).ToArray();
        TrainingSet = _trainingTargets.Select(Example).ToArray();
        TestSet = Enumerable.Range(split, _series.Length - split).Select(Example).ToArray();

        // Persistence ("next year as this year"), the usual naive forecast, on the held-out years.
        Baseline = ("persistence (next year = this year)", Enumerable.Range(split, _series.Length - split).Average(i => Math.Pow(_series[i] - _series[i - 1], 2)));
        TestYears = (Years[split], Years[^1]);
    }

    public int[] Years { get; }

    /// <summary>Mean of the training years, in sunspots.</summary>
    public double Mean { get; }

    /// <summary>Standard deviation of the training years, in sunspots: multiply √MSE by it for an RMSE in sunspots.</summary>
    public double Deviation { get; }

    public (int First, int Last) TestYears { get; }

    public int TrainingExamples => _trainingTargets.Length;

    public override string Name => "sunspots";

    public override int InputSize => 1;

    public override int Length { get; }

    public override IReadOnlyList<(float[] Inputs, float Target)> TestSet { get; }

    public override IReadOnlyList<(float[] Inputs, float Target)> TrainingSet { get; }

    public override (string Name, double Loss) Baseline { get; }

    public override float Sample(Random random, Span<float> inputs)
    {
        int target = _trainingTargets[random.Next(_trainingTargets.Length)];
        _series.AsSpan(target - Length, Length).CopyTo(inputs);
        return _series[target];
    }

    private (float[] Inputs, float Target) Example(int target) => (_series[(target - Length)..target], _series[target]);
}
