using RnnGen;

namespace LstmVsGru;

/// <summary>One task, trained with an LSTM and with a GRU under the same settings, and the results.</summary>
public sealed class Experiment(RegressionTask task, Settings settings, Func<float, float, bool>? Hit, int workers)
{
    public RegressionTask Task { get; } = task;

    public Settings Settings { get; } = settings;

    /// <summary>The tolerance test of the adding problem (|ŷ − y| &lt; 0.04), or null.</summary>
    public Func<float, float, bool>? Hit { get; } = Hit;

    public IReadOnlyList<CellKind> Kinds { get; } = [CellKind.Lstm, CellKind.Gru];

    public Dictionary<CellKind, Run> Runs { get; } = [];

    /// <summary>For the adding problem: (|∂ŷ/∂ earlier marked value|, |∂ŷ/∂ later one|, mean steps back) at initialisation and after training.</summary>
    public Dictionary<CellKind, ((double Earlier, double Later, double Distance) Initial, (double Earlier, double Later, double Distance) Trained)> Reach { get; } = [];

    public void Train(CellKind kind, Action<int, double> progress, CancellationToken stop)
    {
        if (stop.IsCancellationRequested)
        {
            return;   // Ctrl+C before this model started: it is reported as not run
        }

        // The same seed for both kinds: each cell's initial weights are drawn from the same generator state.
        var random = new Random(Settings.Seed);
        var trainer = new Trainer(Models.Create(kind, Task.InputSize, Settings.Hidden, random), Task.Length, Settings.BatchSize, workers);
        var run = new Run { Cell = kind == CellKind.Lstm ? "LSTM" : "GRU", Trainer = trainer, PlannedUpdates = Settings.Updates };
        bool adding = Task is AddingProblem;
        var initialReach = adding ? Training.GradientReach(trainer, Task, 200) : default;

        Training.Train(run, Task, Settings, progress, stop);
        Training.Evaluate(run, Task, Hit);
        (run.ForwardMicroseconds, run.BackwardMicroseconds) = Training.Time(trainer.Network, Task.Length, sequences: Math.Max(20, 20_000 / Task.Length));
        if (adding)
        {
            Reach[kind] = (initialReach, Training.GradientReach(trainer, Task, 200));
        }

        Runs[kind] = run;
    }
}
