using System.Diagnostics;
using RnnGen;
using RnnGen.Training;

namespace LstmVsGru;

/// <summary>Training, evaluating and timing one model: the steps every run goes through.</summary>
public static class Training
{
    /// <summary>Held-out evaluations per run, for the plot's second curve.</summary>
    private const int Evaluations = 40;

    /// <summary>
    /// Trains one model with Adam on mini-batches drawn from <paramref name="task"/> with a generator seeded by
    /// <see cref="Settings.Seed"/>: both cells see the same sequences in the same order. Stops early, after the update in
    /// progress, when <paramref name="stop"/> is cancelled.
    /// </summary>
    public static void Train(Run run, RegressionTask task, Settings settings, Action<int, double> progress, CancellationToken stop)
    {
        Trainer trainer = run.Trainer;
        var optimizer = new Adam(trainer.Parameters, settings.LearningRate);
        var data = new Random(settings.Seed);
        var held = task.TestSet.Take(256).ToArray();   // a subset keeps the curve cheap; the final numbers use all
        int every = Math.Max(1, settings.Updates / Evaluations);
        var clock = Stopwatch.StartNew();

        for (int update = 1; update <= settings.Updates && !stop.IsCancellationRequested; update++)
        {
            // The last quarter at a tenth of the rate: Adam's steps otherwise keep the loss noisy at the end.
            optimizer.LearningRate = update > 3 * settings.Updates / 4 ? settings.LearningRate / 10 : settings.LearningRate;
            // The minibatch is drawn in order on this thread, so the data never depends on the workers.
            for (int b = 0; b < settings.BatchSize; b++)
            {
                trainer.Targets[b] = task.Sample(data, trainer.Sequences[b]);
            }

            trainer.Parameters.ZeroGrad();
            double loss = trainer.Accumulate();
            trainer.Parameters.ClipGradientNorm(settings.ClipNorm);
            optimizer.Step();
            run.TrainingCurve.Add(loss);
            run.Updates = update;
            if (update % every == 0 || update == settings.Updates)
            {
                double heldOut = trainer.Evaluate(held, null, out _);
                run.HeldOutCurve.Add((update, heldOut));
                if (run.UpdatesToTenthOfBaseline is null && heldOut < task.Baseline.Loss / 10)
                {
                    run.UpdatesToTenthOfBaseline = update;
                }
            }

            progress(update, loss);
        }

        run.TrainingTime = clock.Elapsed;
    }

    /// <summary>The final numbers: training and held-out loss on the task's fixed sets.</summary>
    public static void Evaluate(Run run, RegressionTask task, Func<float, float, bool>? hit)
    {
        run.TrainLoss = run.Trainer.Evaluate(task.TrainingSet, null, out _);
        run.HeldOutLoss = run.Trainer.Evaluate(task.TestSet, hit, out double rate);
        run.HitRate = rate;
    }

    /// <summary>
    /// Microseconds per time step of one sequence through the network (the recurrent layer and its head): Forward, and
    /// Backward over the tape that a Forward recorded (timed without that Forward). Best of five rounds, after a
    /// warm-up, on one thread.
    /// </summary>
    public static (double Forward, double Backward) Time(IStreamingModel<float> network, int length, int sequences)
    {
        var random = new Random(1);
        float[] inputs = Enumerable.Range(0, length * network.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        float[] outputs = new float[length * network.OutputSize], gradients = new float[outputs.Length];
        float[] state = new float[network.StateSize], stateGradient = new float[network.StateSize], parameterGradients = new float[network.ParameterCount];
        Array.Fill(gradients, 1e-3f);
        Tape<float> tape = network.CreateTape(length);

        double forward = double.MaxValue, backward = double.MaxValue;
        for (int round = 0; round < 6; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < sequences; i++)
            {
                Array.Clear(state);
                network.Forward(inputs, outputs, state);
            }

            double f = Stopwatch.GetElapsedTime(start).TotalMicroseconds / (sequences * length);
            long backwardTicks = 0;
            for (int i = 0; i < sequences; i++)
            {
                Array.Clear(state);
                network.Forward(inputs, outputs, state, tape);
                Array.Clear(stateGradient);
                long b = Stopwatch.GetTimestamp();
                network.Backward(tape, gradients, stateGradient, default, parameterGradients);
                backwardTicks += Stopwatch.GetTimestamp() - b;
            }

            if (round > 0)   // round 0 warms up the JIT
            {
                forward = Math.Min(forward, f);
                backward = Math.Min(backward, backwardTicks * 1e6 / Stopwatch.Frequency / (sequences * length));
            }
        }

        return (forward, backward);
    }

    /// <summary>
    /// How much gradient reaches far back, on held-out adding-problem sequences: the mean |∂ŷ/∂(earlier marked value)|
    /// and |∂ŷ/∂(later marked value)|, and the mean number of steps between them. The target is their sum, so a model
    /// that solved the task has both near 1; a gradient that vanishes with distance makes the earlier one ≈ 0.
    /// </summary>
    public static (double Earlier, double Later, double Distance) GradientReach(Trainer trainer, RegressionTask task, int sequences)
    {
        double earlier = 0, later = 0, distance = 0;
        var set = task.TestSet.Take(sequences).ToArray();
        foreach ((float[] inputs, _) in set)
        {
            int[] marked = Enumerable.Range(0, task.Length).Where(t => inputs[2 * t + 1] == 1).ToArray();
            ReadOnlySpan<float> sensitivity = trainer.Sensitivity(inputs);
            earlier += Math.Abs(sensitivity[2 * marked[0]]);   // channel 0 is the value
            later += Math.Abs(sensitivity[2 * marked[1]]);
            distance += task.Length - 1 - marked[0];
        }

        trainer.Parameters.ZeroGrad();
        return (earlier / set.Length, later / set.Length, distance / set.Length);
    }
}
