using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// One PyTorch whole-model case (tests/fixtures/make_fixtures.py, <c>write_model_fixtures</c>): a stacked,
/// bidirectional, projected or bias-free nn.LSTM / nn.GRU, with or without a linear head, its parameters and a
/// sequence, the upstream gradients of L = Σ outputs⊙R1 + Σ final_state⊙R2, and what PyTorch computed from them in
/// float64 (the truth) and float32. States are in RnnGen's (PyTorch's) layout: h_n rows, then c_n rows.
/// </summary>
public sealed class ModelFixture
{
    private static readonly ConcurrentDictionary<string, ModelFixture> Cache = new(StringComparer.Ordinal);


    private ModelFixture(string name, ModelShape shape, int steps, double weightScale, string[] parameterNames, FixtureFile file, string path)
    {
        Name = name;
        Shape = shape;
        Steps = steps;
        WeightScale = weightScale;
        ParameterNames = parameterNames;
        // The data and the float32 results are float32 values written as their shortest decimal: read as float32.
        Parameters = Float32(file.Parameters, path, "parameters");
        Inputs = Float32(file.Inputs, path, "inputs");
        InitialState = Float32(file.InitialState, path, "initial_state");
        OutputGradients = Float32(file.OutputGradients, path, "output_gradients");
        StateGradient = Float32(file.StateGradient, path, "state_gradient");
        Float64 = Results(file.Float64, path, "float64", float32: false);
        Float32Results = Results(file.Float32, path, "float32", float32: true);
    }

    /// <summary>Where the model fixtures sit next to the test assembly.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "models");

    /// <summary>Every model fixture's name, sorted; fails loudly when none were copied.</summary>
    public static IReadOnlyList<string> Names { get; } = ModelFixtureFile.Names(Directory, "tests/fixtures/models/*.json");

    /// <summary>The names as xunit <c>MemberData</c>.</summary>
    public static TheoryData<string> Cases => new(Names);

    /// <summary>The file name without extension, e.g. <c>lstm_proj_l2_bi_head</c>.</summary>
    public string Name { get; }

    /// <summary>The model's shape (with the names a PyTorch module with submodules rnn and head has when there is a head).</summary>
    public ModelShape Shape { get; }

    /// <summary>T.</summary>
    public int Steps { get; }

    /// <summary>1 for PyTorch's default init; 4 saturates the gates.</summary>
    public double WeightScale { get; }

    /// <summary>The state_dict names, in order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Every parameter in state_dict order: the layout of <see cref="IRecurrentModel{T}.Parameters"/>.</summary>
    public double[] Parameters { get; }

    /// <summary>T·I values.</summary>
    public double[] Inputs { get; }

    /// <summary>The initial state: h0 rows then c0 rows.</summary>
    public double[] InitialState { get; }

    /// <summary>R1 = dL/d outputs, T·OutputSize values.</summary>
    public double[] OutputGradients { get; }

    /// <summary>R2 = dL/d final state.</summary>
    public double[] StateGradient { get; }

    /// <summary>PyTorch in float64: the truth.</summary>
    public CellResults Float64 { get; }

    /// <summary>PyTorch in float32 on the same data.</summary>
    public CellResults Float32Results { get; }

    /// <summary>PyTorch's own float32 error on one tensor, the yardstick for a float implementation.</summary>
    public double PyTorchFloat32Error(ResultTensor tensor) => Error.Relative(Float32Results[tensor], Float64[tensor]);

    /// <summary>One fixture by name.</summary>
    public static ModelFixture Load(string name) => Cache.GetOrAdd(name, Read);

    public override string ToString() => Name;

    private static ModelFixture Read(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        FixtureFile file = ModelFixtureFile.Read<FixtureFile>(path);
        ModelShape shape = file.Shape(path);
        var fixture = new ModelFixture(name, shape, file.Steps, file.WeightScale, file.ParameterNames ?? [], file, path);
        fixture.CheckLengths(path);
        return fixture;
    }

    private static double[] Float32(double[]? values, string path, string key) =>
        (values ?? throw new InvalidDataException($"{path}: '{key}' is missing.")).Select(v => (double)(float)v).ToArray();

    private static CellResults Results(ResultsFile? results, string path, string key, bool float32)
    {
        if (results is null)
        {
            throw new InvalidDataException($"{path}: '{key}' is missing.");
        }

        double[] Read(double[]? values, string tensor) => float32
            ? Float32(values, path, $"{key}.{tensor}")
            : values ?? throw new InvalidDataException($"{path}: '{key}.{tensor}' is missing.");
        return new CellResults(
            Read(results.Outputs, "outputs"), Read(results.FinalState, "final_state"), Read(results.ParameterGradients, "parameter_gradients"),
            Read(results.InputGradients, "input_gradients"), Read(results.InitialStateGradient, "initial_state_gradient"));
    }

    // A fixture whose lengths or names disagree with its shape would make every comparison meaningless.
    private void CheckLengths(string path)
    {
        int t = Steps;
        Check(Parameters.Length, Shape.ParameterCount, "parameters");
        Check(Inputs.Length, t * Shape.InputSize, "inputs");
        Check(InitialState.Length, Shape.StateSize, "initial_state");
        Check(OutputGradients.Length, t * Shape.OutputSize, "output_gradients");
        Check(StateGradient.Length, Shape.StateSize, "state_gradient");
        foreach ((string key, CellResults r) in new[] { ("float64", Float64), ("float32", Float32Results) })
        {
            Check(r.Outputs.Length, t * Shape.OutputSize, key + ".outputs");
            Check(r.FinalState.Length, Shape.StateSize, key + ".final_state");
            Check(r.ParameterGradients.Length, Shape.ParameterCount, key + ".parameter_gradients");
            Check(r.InputGradients.Length, t * Shape.InputSize, key + ".input_gradients");
            Check(r.InitialStateGradient.Length, Shape.StateSize, key + ".initial_state_gradient");
        }

        string[] expected = Shape.Tensors.Select(x => x.Name).ToArray();
        if (!ParameterNames.SequenceEqual(expected))
        {
            throw new InvalidDataException($"{path}: parameter_names [{string.Join(", ", ParameterNames)}] are not the shape's [{string.Join(", ", expected)}].");
        }

        void Check(int actual, int wanted, string key)
        {
            if (actual != wanted)
            {
                throw new InvalidDataException($"{path}: '{key}' has {actual} values, expected {wanted}.");
            }
        }
    }

    // The JSON as written; snake_case names map through the naming policy.
    private sealed class FixtureFile : ModelFixtureFile
    {
        public double[]? InitialState { get; set; }
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
