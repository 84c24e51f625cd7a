using System.Collections.Concurrent;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// One PyTorch 16-bit-weights case (tests/fixtures/make_fixtures.py, <c>write_precision_fixtures</c>): a cell or a stacked
/// model with a head, a 1,000-step realistic sequence from a zero state, and per precision (bfloat16, half) what PyTorch
/// computed with the weight matrices rounded (<c>w.bfloat16().float()</c>, <c>w.half().float()</c>; biases float32) in
/// float64 (the truth) and float32: every <see cref="Every"/>-th step's output and the final state.
/// </summary>
public sealed class PrecisionFixture
{
    private static readonly ConcurrentDictionary<string, PrecisionFixture> Cache = new(StringComparer.Ordinal);

    /// <summary>Where the precision fixtures sit next to the test assembly.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "precision");

    /// <summary>Every precision fixture's name, sorted; fails loudly when none were copied.</summary>
    public static IReadOnlyList<string> Names { get; } = ModelFixtureFile.Names(Directory, "tests/fixtures/precision/*.json");

    private PrecisionFixture(string name, FixtureFile file, string path)
    {
        Name = name;
        Shape = file.Shape(path);
        Steps = file.Steps;
        Every = file.Every;
        ParameterNames = file.ParameterNames ?? [];
        Parameters = Float32(file.Parameters, path, "parameters");
        Inputs = Float32(file.Inputs, path, "inputs");
        Results = new Dictionary<WeightPrecision, (Run, Run)>
        {
            [WeightPrecision.BFloat16] = (Read(file.Bfloat16?.Float64, path, "bfloat16.float64", false), Read(file.Bfloat16?.Float32, path, "bfloat16.float32", true)),
            [WeightPrecision.Half] = (Read(file.Half?.Float64, path, "half.float64", false), Read(file.Half?.Float32, path, "half.float32", true)),
        };
        if (Parameters.Length != Shape.ParameterCount || Inputs.Length != Steps * Shape.InputSize)
        {
            throw new InvalidDataException($"{path}: {Parameters.Length} parameters and {Inputs.Length} inputs do not fit {Shape} over {Steps} steps.");
        }

        foreach ((Run truth, Run float32) in Results.Values)
        {
            foreach (Run run in new[] { truth, float32 })
            {
                if (run.Outputs.Length != Steps / Every * Shape.OutputSize || run.FinalState.Length != Shape.StateSize)
                {
                    throw new InvalidDataException($"{path}: results do not fit {Shape} over {Steps} steps (outputs every {Every}).");
                }
            }
        }
    }

    /// <summary>The file name without extension, e.g. <c>lstm_l2_head</c>.</summary>
    public string Name { get; }

    /// <summary>The module's shape.</summary>
    public ModelShape Shape { get; }

    /// <summary>T (1,000).</summary>
    public int Steps { get; }

    /// <summary>Outputs are kept at steps Every − 1, 2·Every − 1, ….</summary>
    public int Every { get; }

    /// <summary>The state_dict names, in order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Every parameter in state_dict order, unrounded (float32 values).</summary>
    public double[] Parameters { get; }

    /// <summary>T·I values.</summary>
    public double[] Inputs { get; }

    /// <summary>Per precision: PyTorch in float64 (the truth) and in float32, on the rounded weights.</summary>
    public IReadOnlyDictionary<WeightPrecision, (Run Float64, Run Float32)> Results { get; }

    /// <summary>One fixture by name.</summary>
    public static PrecisionFixture Load(string name) =>
        Cache.GetOrAdd(name, n => new PrecisionFixture(n, ModelFixtureFile.Read<FixtureFile>(Path.Combine(Directory, n + ".json")), Path.Combine(Directory, n + ".json")));

    public override string ToString() => Name;

    private static double[] Float32(double[]? values, string path, string key) =>
        (values ?? throw new InvalidDataException($"{path}: '{key}' is missing.")).Select(v => (double)(float)v).ToArray();

    private static Run Read(RunFile? run, string path, string key, bool float32)
    {
        double[] Values(double[]? values, string tensor) =>
            float32 ? Float32(values, path, $"{key}.{tensor}") : values ?? throw new InvalidDataException($"{path}: '{key}.{tensor}' is missing.");
        return run is null
            ? throw new InvalidDataException($"{path}: '{key}' is missing.")
            : new Run(Values(run.Outputs, "outputs"), Values(run.FinalState, "final_state"));
    }

    /// <summary>Every <see cref="Every"/>-th step's output, concatenated, and the final state.</summary>
    public sealed record Run(double[] Outputs, double[] FinalState);

    private sealed class FixtureFile : ModelFixtureFile
    {
        public int Every { get; set; }
        public PrecisionFile? Bfloat16 { get; set; }
        public PrecisionFile? Half { get; set; }
    }

    private sealed class PrecisionFile
    {
        public RunFile? Float64 { get; set; }
        public RunFile? Float32 { get; set; }
    }

    private sealed class RunFile
    {
        public double[]? Outputs { get; set; }
        public double[]? FinalState { get; set; }
    }
}
