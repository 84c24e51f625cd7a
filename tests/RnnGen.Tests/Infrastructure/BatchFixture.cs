using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// One PyTorch minibatch case (tests/fixtures/make_fixtures.py, <c>write_batch_fixtures</c>): B sequences at once through
/// one of the whole-model fixtures' models, full length or ragged (padded at the end and run through
/// pack_padded_sequence / pad_packed_sequence), the upstream gradients of L = Σ outputs⊙R1 + Σ final_states⊙R2, and what
/// PyTorch computed in float64 (the truth) and float32. Everything is in RnnGen's batch layout: inputs, outputs and their
/// gradients [T, B, *] (time-major, row t·B + b), states and their gradients [B, S] (stream after stream, each in the
/// single-stream state layout: h_n rows, then c_n rows).
/// </summary>
public sealed class BatchFixture
{
    private static readonly ConcurrentDictionary<string, BatchFixture> Cache = new(StringComparer.Ordinal);


    private BatchFixture(string name, ModelShape shape, FixtureFile file, string path)
    {
        Name = name;
        Shape = shape;
        Steps = file.Steps;
        Batch = file.Batch;
        Lengths = file.Lengths;
        WeightScale = file.WeightScale;
        ParameterNames = file.ParameterNames ?? [];
        // The data and the float32 results are float32 values written as their shortest decimal: read as float32.
        Parameters = Float32(file.Parameters, path, "parameters");
        Inputs = Float32(file.Inputs, path, "inputs");
        InitialStates = Float32(file.InitialStates, path, "initial_states");
        OutputGradients = Float32(file.OutputGradients, path, "output_gradients");
        StateGradients = Float32(file.StateGradients, path, "state_gradients");
        Float64 = Results(file.Float64, path, "float64", float32: false);
        Float32Results = Results(file.Float32, path, "float32", float32: true);
    }

    /// <summary>Where the batch fixtures sit next to the test assembly.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures", "batches");

    /// <summary>Every batch fixture's name, sorted; fails loudly when none were copied.</summary>
    public static IReadOnlyList<string> Names { get; } = ModelFixtureFile.Names(Directory, "tests/fixtures/batches/*.json");

    /// <summary>The names as xunit <c>MemberData</c>.</summary>
    public static TheoryData<string> Cases => new(Names);

    /// <summary>The file name without extension, e.g. <c>gru_l2_bi_b3_ragged</c>.</summary>
    public string Name { get; }

    /// <summary>The model's shape (names rnn/head when there is a head, "" without).</summary>
    public ModelShape Shape { get; }

    /// <summary>T, the longest stream's length: every [T, B, *] tensor has T·B rows.</summary>
    public int Steps { get; }

    /// <summary>B.</summary>
    public int Batch { get; }

    /// <summary>Each stream's own length (0..T), or null when every stream is T steps long.</summary>
    public int[]? Lengths { get; }

    /// <summary>1 for PyTorch's default init; 4 saturates the gates.</summary>
    public double WeightScale { get; }

    /// <summary>The state_dict names, in order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Every parameter in state_dict order.</summary>
    public double[] Parameters { get; }

    /// <summary>[T, B, I].</summary>
    public double[] Inputs { get; }

    /// <summary>[B, S].</summary>
    public double[] InitialStates { get; }

    /// <summary>R1 = dL/d outputs, [T, B, O].</summary>
    public double[] OutputGradients { get; }

    /// <summary>R2 = dL/d final states, [B, S].</summary>
    public double[] StateGradients { get; }

    /// <summary>
    /// PyTorch in float64, the truth: outputs [T, B, O], final_states [B, S] (as <see cref="CellResults.FinalState"/>),
    /// parameter_gradients, input_gradients [T, B, I], initial_state_gradients [B, S] (as <see cref="CellResults.InitialStateGradient"/>).
    /// </summary>
    public CellResults Float64 { get; }

    /// <summary>PyTorch in float32 on the same data.</summary>
    public CellResults Float32Results { get; }

    /// <summary>PyTorch's own float32 error on one tensor, the yardstick for a float implementation.</summary>
    public double PyTorchFloat32Error(ResultTensor tensor) => Error.Relative(Float32Results[tensor], Float64[tensor]);

    /// <summary>One fixture by name.</summary>
    public static BatchFixture Load(string name) => Cache.GetOrAdd(name, Read);

    public override string ToString() => Name;

    private static BatchFixture Read(string name)
    {
        string path = Path.Combine(Directory, name + ".json");
        FixtureFile file = ModelFixtureFile.Read<FixtureFile>(path);
        ModelShape shape = file.Shape(path);
        var fixture = new BatchFixture(name, shape, file, path);
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
            Read(results.Outputs, "outputs"), Read(results.FinalStates, "final_states"), Read(results.ParameterGradients, "parameter_gradients"),
            Read(results.InputGradients, "input_gradients"), Read(results.InitialStateGradients, "initial_state_gradients"));
    }

    // A fixture whose sizes, lengths or names disagree with its shape would make every comparison meaningless.
    private void CheckLengths(string path)
    {
        int rows = Steps * Batch;
        if (Steps <= 0 || Batch <= 0)
        {
            throw new InvalidDataException($"{path}: steps {Steps} and batch {Batch} must be positive.");
        }

        if (Lengths is not null && (Lengths.Length != Batch || Lengths.Any(l => l < 0 || l > Steps)))
        {
            throw new InvalidDataException($"{path}: lengths [{string.Join(", ", Lengths)}] are not {Batch} values in 0..{Steps}.");
        }

        Check(Parameters.Length, Shape.ParameterCount, "parameters");
        Check(Inputs.Length, rows * Shape.InputSize, "inputs");
        Check(InitialStates.Length, Batch * Shape.StateSize, "initial_states");
        Check(OutputGradients.Length, rows * Shape.OutputSize, "output_gradients");
        Check(StateGradients.Length, Batch * Shape.StateSize, "state_gradients");
        foreach ((string key, CellResults r) in new[] { ("float64", Float64), ("float32", Float32Results) })
        {
            Check(r.Outputs.Length, rows * Shape.OutputSize, key + ".outputs");
            Check(r.FinalState.Length, Batch * Shape.StateSize, key + ".final_states");
            Check(r.ParameterGradients.Length, Shape.ParameterCount, key + ".parameter_gradients");
            Check(r.InputGradients.Length, rows * Shape.InputSize, key + ".input_gradients");
            Check(r.InitialStateGradient.Length, Batch * Shape.StateSize, key + ".initial_state_gradients");
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
        public int Batch { get; set; }
        public int[]? Lengths { get; set; }
        public double[]? InitialStates { get; set; }
        public double[]? StateGradients { get; set; }

        [JsonPropertyName("float64")]
        public ResultsFile? Float64 { get; set; }

        [JsonPropertyName("float32")]
        public ResultsFile? Float32 { get; set; }
    }

    private sealed class ResultsFile
    {
        public double[]? Outputs { get; set; }
        public double[]? FinalStates { get; set; }
        public double[]? ParameterGradients { get; set; }
        public double[]? InputGradients { get; set; }
        public double[]? InitialStateGradients { get; set; }
    }
}
