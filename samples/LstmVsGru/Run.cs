namespace LstmVsGru;

/// <summary>One trained model and what was measured on it.</summary>
public sealed class Run
{
    public required string Cell { get; init; }

    public required Trainer Trainer { get; init; }

    /// <summary>Updates done (fewer than planned when Ctrl+C stopped the run).</summary>
    public int Updates { get; set; }

    public int PlannedUpdates { get; init; }

    /// <summary>The mean batch loss of every update.</summary>
    public List<double> TrainingCurve { get; } = [];

    /// <summary>(update, held-out MSE), a few dozen points over the run.</summary>
    public List<(int Update, double Loss)> HeldOutCurve { get; } = [];

    public TimeSpan TrainingTime { get; set; }

    /// <summary>Training sequences (forward and backward) per second of <see cref="TrainingTime"/>, evaluations included.</summary>
    public double SequencesPerSecond => Updates * (double)Trainer.BatchSize / TrainingTime.TotalSeconds;

    public double TrainLoss { get; set; }

    public double HeldOutLoss { get; set; }

    /// <summary>The fraction of held-out sequences predicted within the task's tolerance (adding problem).</summary>
    public double HitRate { get; set; }

    /// <summary>The first update after which the held-out MSE was below a tenth of the baseline's, if it got there.</summary>
    public int? UpdatesToTenthOfBaseline { get; set; }

    public double ForwardMicroseconds { get; set; }

    public double BackwardMicroseconds { get; set; }
}
