using System.Globalization;
using RnnGen;
using Spectre.Console;

namespace LstmVsGru;

/// <summary>The tables: one per task, then the article's claims against the measurements.</summary>
public static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Task(Experiment e)
    {
        RegressionTask task = e.Task;
        string title = task switch
        {
            AddingProblem a => $"Adding problem, T = {a.Length} ({e.Settings.Updates} updates × {e.Settings.BatchSize} sequences, hidden {e.Settings.Hidden})",
            SunspotForecast f => $"Yearly sunspots, next year from the previous {f.Length} (train ≤ {SunspotForecast.LastTrainingYear}: {f.TrainingExamples} windows; held out {f.TestYears.First}–{f.TestYears.Last}; {e.Settings.Updates} updates × {e.Settings.BatchSize})",
            _ => task.Name,
        };
        AnsiConsole.WriteLine();
        AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        Run[] runs = e.Kinds.Where(e.Runs.ContainsKey).Select(k => e.Runs[k]).ToArray();
        if (runs.Length == 0)
        {
            AnsiConsole.MarkupLine("[yellow]Not run (stopped before it started).[/]");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("");
        foreach (Run run in runs)
        {
            table.AddColumn(new TableColumn($"[bold]{run.Cell}[/]").RightAligned());
        }

        bool both = runs.Length == 2;
        if (both)
        {
            table.AddColumn(new TableColumn("GRU ÷ LSTM").RightAligned());
        }

        void Row(string label, Func<Run, double> value, string format, string? ratioNote = null, bool ratio = true)
        {
            var cells = new List<string> { label };
            cells.AddRange(runs.Select(r => double.IsNaN(value(r)) ? "–" : value(r).ToString(format, Invariant)));
            if (both)
            {
                double q = value(runs[1]) / value(runs[0]);
                cells.Add(ratio && double.IsFinite(q) ? q.ToString("0.00", Invariant) + (ratioNote is null ? "" : $" {ratioNote}") : "");
            }

            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }

        double baseline = task.Baseline.Loss;
        Row("Cell parameters", r => r.Trainer.CellParameters, "N0", "(3 gate blocks : 4)");
        Row("Head parameters (nn.Linear)", r => r.Trainer.HeadParameters, "N0", ratio: false);
        Row("Forward µs / step", r => r.ForwardMicroseconds, "0.000");
        Row("Backward µs / step", r => r.BackwardMicroseconds, "0.000");
        Row("Training wall time, s", r => r.TrainingTime.TotalSeconds, "0.00");
        Row("Training sequences / s", r => r.SequencesPerSecond, "N0");
        Row("Updates done", r => r.Updates, "N0", ratio: false);
        if (task is AddingProblem)
        {
            Row($"Updates until held-out MSE < {baseline / 10:0.####}", r => r.UpdatesToTenthOfBaseline ?? double.NaN, "N0");
        }

        Row("Final train MSE", r => r.TrainLoss, "0.00000");
        Row("Held-out MSE", r => r.HeldOutLoss, "0.00000");
        Row($"Better than the baseline by", r => baseline / r.HeldOutLoss, "0.0'×'", ratio: false);
        if (task is AddingProblem)
        {
            Row("Held-out within 0.04 of target", r => 100 * r.HitRate, "0.0'%'");
            Row("|∂ŷ/∂ earlier marked value| (ideal 1)", r => e.Reach[Kind(r)].Trained.Earlier, "0.000");
        }

        if (task is SunspotForecast s)
        {
            Row("Held-out RMSE, sunspots", r => Math.Sqrt(r.HeldOutLoss) * s.Deviation, "0.0");
        }

        AnsiConsole.Write(table);
        string note = task is SunspotForecast series
            ? $" = RMSE {Math.Sqrt(baseline) * series.Deviation:0.0} sunspots; MSE is in units of the training years' variance ({series.Deviation:0.0}² sunspots²)"
            : "";
        AnsiConsole.MarkupLine($"[grey]Baseline, {Markup.Escape(task.Baseline.Name)}: held-out MSE {baseline.ToString("0.00000", Invariant)}{Markup.Escape(note)}.[/]");
        if (runs.Any(r => r.Updates < r.PlannedUpdates))
        {
            AnsiConsole.MarkupLine("[yellow]Stopped early: fewer updates than planned.[/]");
        }
    }

    /// <summary>What the article says, what this run measured, and whether the measurement supports it.</summary>
    public static void Claims(Experiment adding, Experiment series)
    {
        AnsiConsole.WriteLine();
        AnsiConsole.Write(new Rule("[bold]What the article claims vs what we measured[/]").LeftJustified());
        if (!Complete(adding) || !Complete(series))
        {
            AnsiConsole.MarkupLine("[yellow]Needs both cells on both tasks; this run stopped before that.[/]");
            return;
        }

        Run al = adding.Runs[CellKind.Lstm], ag = adding.Runs[CellKind.Gru], sl = series.Runs[CellKind.Lstm], sg = series.Runs[CellKind.Gru];
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Claim").AddColumn("Measured").AddColumn("Verdict");

        double parameterRatio = (double)ag.Trainer.CellParameters / al.Trainer.CellParameters;
        table.AddRow(
            "GRU has fewer parameters (3 gate blocks against 4)",
            $"{ag.Trainer.CellParameters:N0} vs {al.Trainer.CellParameters:N0} cell parameters (adding problem), {sg.Trainer.CellParameters:N0} vs {sl.Trainer.CellParameters:N0} (sunspots)",
            Verdict(Math.Abs(parameterRatio - 0.75) < 1e-9, $"holds: exactly 3:4 ({parameterRatio:0.00})", "does not hold"));

        double forward = ag.ForwardMicroseconds / al.ForwardMicroseconds, backward = ag.BackwardMicroseconds / al.BackwardMicroseconds;
        double wall = (ag.TrainingTime + sg.TrainingTime) / (al.TrainingTime + sl.TrainingTime);
        int? lu = al.UpdatesToTenthOfBaseline, gu = ag.UpdatesToTenthOfBaseline;
        string updates = $"; updates until the adding problem's held-out MSE < 1/10 of the baseline: GRU {gu?.ToString("N0", Invariant) ?? "never"}, LSTM {lu?.ToString("N0", Invariant) ?? "never"}";
        bool fewerUpdates = gu is not null && (lu is null || gu < lu);
        string perUpdate = wall < 0.95 ? $"{1 / wall:0.00}× less time per update" : wall <= 1.05 ? "the same time per update" : $"{wall:0.00}× more time per update";
        table.AddRow(
            "GRU trains faster",
            $"GRU ÷ LSTM time per step: forward {forward:0.00}, backward {backward:0.00}; training wall time {wall:0.00}{updates}",
            Verdict(wall < 0.95, $"holds: {perUpdate}" + (fewerUpdates ? " and fewer updates to learn" : ""), $"not here: {perUpdate}"));

        double lstmLoss = al.HeldOutLoss, gruLoss = ag.HeldOutLoss;
        string better = lstmLoss < 0.8 * gruLoss ? "holds here" : gruLoss < 0.8 * lstmLoss ? "not here: the GRU did better" : "no clear difference here";
        table.AddRow(
            $"LSTM is better at long dependencies",
            $"adding problem T = {adding.Task.Length}: held-out MSE LSTM {lstmLoss:0.00000}, GRU {gruLoss:0.00000}; within 0.04: LSTM {100 * al.HitRate:0.0}%, GRU {100 * ag.HitRate:0.0}%",
            Verdict(lstmLoss < 0.8 * gruLoss, better, better) + (adding.Task.Length < 100 ? $" (T = {adding.Task.Length}; try --length 200)" : ""));

        var (li, lt) = adding.Reach[CellKind.Lstm];
        var (gi, gt) = adding.Reach[CellKind.Gru];
        bool carried = lt.Earlier > 0.5 && gt.Earlier > 0.5;
        table.AddRow(
            "Gates keep gradients from vanishing over long spans",
            $"|∂ŷ/∂x| at the earlier marked value, on average {lt.Distance:0} steps before the prediction, relative to the later one: " +
            $"LSTM {li.Earlier / li.Later:0.00} at initialisation → {lt.Earlier / lt.Later:0.00} trained, GRU {gi.Earlier / gi.Later:0.00} → {gt.Earlier / gt.Later:0.00} (1 = no loss with distance)",
            Verdict(carried, "consistent: both learnt to carry it undiminished (no plain RNN here to contrast)", "not shown by this run"));

        AnsiConsole.Write(table);
    }

    private static CellKind Kind(Run run) => run.Cell == "LSTM" ? CellKind.Lstm : CellKind.Gru;

    private static bool Complete(Experiment e) => e.Runs.Count == 2 && e.Runs.Values.All(r => r.Updates == r.PlannedUpdates);

    private static string Verdict(bool good, string yes, string no) => good ? $"[green]{Markup.Escape(yes)}[/]" : $"[yellow]{Markup.Escape(no)}[/]";
}
