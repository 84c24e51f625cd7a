using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Columns;

// dotnet run -c Release --project tests/RnnGen.Benchmarks -- [--quick] [BenchmarkDotNet options, e.g. --filter *CellBenchmarks.Step*]
//   --quick  a short job (3 warm-ups, 5 iterations) for a first look; without it, BenchmarkDotNet's default job (figures to quote).
bool quick = args.Contains("--quick");
string[] rest = args.Where(a => a != "--quick").ToArray();
IConfig config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.Median)
    .WithOptions(ConfigOptions.JoinSummary);
if (quick)
{
    config = config.AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(5).WithLaunchCount(1).WithId("Quick"));
}

BenchmarkSwitcher.FromAssembly(typeof(RnnGen.Benchmarks.Cells).Assembly).Run(rest, config);
