using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// Loads the PyTorch fixtures that tests/fixtures/make_fixtures.py writes and the test project copies into
/// its output folder under <c>fixtures/</c>. Each file is parsed once and shared (treat the arrays as read-only).
/// </summary>
public static class PyTorchFixture
{
    private static readonly ConcurrentDictionary<string, CellFixture> Cache = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>Where the fixtures sit next to the test assembly.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures");

    /// <summary>Every fixture's name, sorted; fails loudly when none were copied rather than running zero cases.</summary>
    public static IReadOnlyList<string> Names { get; } = FindNames();

    /// <summary>Every fixture, loaded.</summary>
    public static IReadOnlyList<CellFixture> All => Names.Select(Load).ToArray();

    /// <summary>The names as xunit <c>MemberData</c> (<c>[MemberData(nameof(PyTorchFixture.Cases), MemberType = typeof(PyTorchFixture))]</c>).</summary>
    public static TheoryData<string> Cases => new(Names);

    /// <summary>One fixture by name, e.g. <c>lstm_7x13</c>.</summary>
    public static CellFixture Load(string name) => Cache.GetOrAdd(name, Read);

    private static string[] FindNames()
    {
        string[] names = System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.json").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToArray()
            : [];
        return names.Length > 0
            ? names
            : throw new InvalidOperationException($"No PyTorch fixtures in {Directory}; the test project copies them from tests/fixtures/*.json.");
    }

    private static CellFixture Read(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        using FileStream stream = File.OpenRead(path);
        FixtureFile file = JsonSerializer.Deserialize<FixtureFile>(stream, Options)
            ?? throw new InvalidDataException($"{path} is empty.");

        CellKind kind = file.Kind switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            _ => throw new InvalidDataException($"{path}: unknown kind '{file.Kind}'."),
        };
        var fixture = new CellFixture(
            name, kind, file.Input, file.Hidden, file.Steps, file.WeightScale, file.Seed,
            Required(file.Parameters, path, "parameters"),
            Required(file.Inputs, path, "inputs"),
            Required(file.InitialState, path, "initial_state"),
            Required(file.OutputGradients, path, "output_gradients"),
            Required(file.StateGradient, path, "state_gradient"),
            Results(file.Float64, path, "float64"),
            Results(file.Float32, path, "float32"));
        CheckLengths(fixture, path);
        return fixture;
    }

    private static CellResults Results(ResultsFile? results, string path, string key)
    {
        if (results is null)
        {
            throw new InvalidDataException($"{path}: '{key}' is missing.");
        }

        return new CellResults(
            Required(results.Outputs, path, key + ".outputs"),
            Required(results.FinalState, path, key + ".final_state"),
            Required(results.ParameterGradients, path, key + ".parameter_gradients"),
            Required(results.InputGradients, path, key + ".input_gradients"),
            Required(results.InitialStateGradient, path, key + ".initial_state_gradient"));
    }

    private static double[] Required(double[]? values, string path, string key) =>
        values ?? throw new InvalidDataException($"{path}: '{key}' is missing.");

    // A fixture whose lengths disagree with its sizes would make every comparison meaningless.
    private static void CheckLengths(CellFixture f, string path)
    {
        int t = f.Steps, i = f.InputSize, h = f.HiddenSize, s = f.StateSize;
        Check(f.Parameters.Length, f.ParameterCount, "parameters");
        Check(f.Inputs.Length, t * i, "inputs");
        Check(f.InitialState.Length, s, "initial_state");
        Check(f.OutputGradients.Length, t * h, "output_gradients");
        Check(f.StateGradient.Length, s, "state_gradient");
        foreach ((string key, CellResults r) in new[] { ("float64", f.Float64), ("float32", f.Float32) })
        {
            Check(r.Outputs.Length, t * h, key + ".outputs");
            Check(r.FinalState.Length, s, key + ".final_state");
            Check(r.ParameterGradients.Length, f.ParameterCount, key + ".parameter_gradients");
            Check(r.InputGradients.Length, t * i, key + ".input_gradients");
            Check(r.InitialStateGradient.Length, s, key + ".initial_state_gradient");
        }

        void Check(int actual, int expected, string key)
        {
            if (actual != expected)
            {
                throw new InvalidDataException($"{path}: '{key}' has {actual} values, expected {expected}.");
            }
        }
    }

    // The JSON as written; snake_case names map through the naming policy.
    private sealed class FixtureFile
    {
        public string Kind { get; set; } = "";
        public int Input { get; set; }
        public int Hidden { get; set; }
        public int Steps { get; set; }
        public double WeightScale { get; set; }
        public int Seed { get; set; }
        public double[]? Parameters { get; set; }
        public double[]? Inputs { get; set; }
        public double[]? InitialState { get; set; }
        public double[]? OutputGradients { get; set; }
        public double[]? StateGradient { get; set; }

        [JsonPropertyName("float64")]
        public ResultsFile? Float64 { get; set; }

        [JsonPropertyName("float32")]
        public ResultsFile? Float32 { get; set; }
    }

    private sealed class ResultsFile
    {
        public double[]? Outputs { get; set; }
        public double[]? FinalState { get; set; }
        public double[]? ParameterGradients { get; set; }
        public double[]? InputGradients { get; set; }
        public double[]? InitialStateGradient { get; set; }
    }
}
