using RnnGen;

namespace LstmVsGru;

/// <summary>One PNG per task: both cells' loss curves on a log scale, with the baseline.</summary>
public static class Plot
{
    public static void LossCurves(Experiment experiment, string path)
    {
        var plot = new ScottPlot.Plot();
        var colors = new Dictionary<CellKind, ScottPlot.Color> { [CellKind.Lstm] = ScottPlot.Colors.RoyalBlue, [CellKind.Gru] = ScottPlot.Colors.OrangeRed };
        foreach ((CellKind kind, Run run) in experiment.Runs.OrderBy(r => r.Key))
        {
            // The batch loss is noisy: a moving average over 1% of the run shows the trend.
            double[] smooth = MovingAverage(run.TrainingCurve, Math.Max(1, run.PlannedUpdates / 100));
            double[] xs = Enumerable.Range(1, smooth.Length).Select(i => (double)i).ToArray();
            var train = plot.Add.ScatterLine(xs, smooth.Select(Math.Log10).ToArray(), colors[kind].WithAlpha(0.45));
            train.LegendText = $"{run.Cell} training (batch, smoothed)";
            train.LineWidth = 1.5f;

            var held = plot.Add.Scatter(run.HeldOutCurve.Select(p => (double)p.Update).ToArray(), run.HeldOutCurve.Select(p => Math.Log10(p.Loss)).ToArray(), colors[kind]);
            held.LegendText = $"{run.Cell} held-out";
            held.LineWidth = 2.5f;
            held.MarkerSize = 5;
        }

        var baseline = plot.Add.HorizontalLine(Math.Log10(experiment.Task.Baseline.Loss), 1.5f, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dashed);
        baseline.LegendText = experiment.Task.Baseline.Name;

        // Log scale: the data are log10 values; ticks at powers of ten, labelled with the values.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.Label.Text = "MSE (log scale)";
        plot.Axes.Bottom.Label.Text = "update";
        plot.Axes.Title.Label.Text = experiment.Task is AddingProblem a
            ? $"Adding problem, T = {a.Length}: LSTM vs GRU, hidden {experiment.Settings.Hidden}"
            : $"Yearly sunspots, one year ahead: LSTM vs GRU, hidden {experiment.Settings.Hidden}";
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 1000, 600);
    }

    private static double[] MovingAverage(IReadOnlyList<double> values, int window)
    {
        double[] result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i] - (i >= window ? values[i - window] : 0);
            result[i] = sum / Math.Min(i + 1, window);
        }

        return result;
    }
}
