using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

// dotnet run -c Release --project tests/RnnGen.Benchmarks -- [--quick] [BenchmarkDotNet options, e.g. --filter '*CellBenchmarks.Step*']
//   --quick    a short job (3 warm-ups, 5 iterations) for a first look;
//   --compare  the job compare.sh uses (5 warm-ups, 15 iterations);
//   neither    BenchmarkDotNet's default job.
// dotnet run -c Release --project tests/RnnGen.Benchmarks -- --check-onnx
//   checks the ONNX models of OnnxRuntimeBenchmarks against the generated cells (exit status 1 if they disagree).
// dotnet tests/RnnGen.Benchmarks/bin/Release/net10.0/RnnGen.Benchmarks.dll --cold-start [options, see ColdStart.cs]
//   the first 100,000 steps of one cell from process start, block by block (coldstart.sh runs the grid).
if (args.Contains("--check-onnx"))
{
    return RnnGen.Benchmarks.OnnxParity.Run();
}

if (args.Contains("--cold-start"))
{
    return RnnGen.Benchmarks.ColdStart.Run(args);
}

bool quick = args.Contains("--quick"), compare = args.Contains("--compare");
string[] rest = args.Where(a => a is not ("--quick" or "--compare")).ToArray();
IConfig config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.Median)
    // Plain nanoseconds in a ';'-separated CSV, for compare.sh.
    .AddExporter(new CsvExporter(CsvSeparator.Semicolon, new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, sizeUnit: null, timeUnit: TimeUnit.Nanosecond, printUnitsInContent: false)));
if (quick)
{
    config = config.AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(5).WithLaunchCount(1).WithId("Quick"));
}
else if (compare)
{
    config = config.AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(15).WithLaunchCount(1).WithId("Compare"));
}

BenchmarkSwitcher.FromAssembly(typeof(RnnGen.Benchmarks.Cells).Assembly).Run(rest, config);
return 0;
