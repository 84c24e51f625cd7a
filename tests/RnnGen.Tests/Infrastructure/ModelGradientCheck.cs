using RnnGen.Reference;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// Central differences of L = Σ outputs⊙R₁ + Σ final_state⊙R₂ for a whole <see cref="ReferenceModel{T}"/> of double,
/// against its Backward: every parameter, input and initial-state entry. Shared by the model finite-difference tests
/// and the dropout tests.
/// </summary>
/// <remarks>
/// Without dropout, L is evaluated with the inference Forward (a workspace), so the check also ties the taped Forward
/// (which Backward reads) to the inference one. With dropout, every evaluation records a fresh tape whose masks come
/// from <c>new Random(dropoutSeed)</c>: the same seed each time, so L is one smooth function of its arguments with the
/// mask held fixed, and the analytic gradient is that of the same mask.
/// </remarks>
internal sealed class ModelGradientProblem
{
    /// <summary>The finite-difference step (see FiniteDifferenceTests for why 1e-6 suits double).</summary>
    public const double Step = 1e-6;

    private readonly int? _dropoutSeed;
    private readonly double[] _outputs, _state;
    private readonly Workspace<double> _workspace;

    public ModelGradientProblem(ModelShape shape, int steps, double weightScale, int seed, int? dropoutSeed = null)
    {
        Shape = shape;
        Steps = steps;
        _dropoutSeed = dropoutSeed;
        Model = new ReferenceModel<double>(shape, new Random(seed));
        foreach (ref double p in Model.Parameters)
        {
            p *= weightScale;
        }

        var random = new Random(seed + 1);
        Inputs = ReferenceTestCells.Uniform<double>(random, steps * shape.InputSize, 1.5);
        InitialState = ReferenceTestCells.Uniform<double>(random, shape.StateSize, 1.5);
        OutputWeights = ReferenceTestCells.Uniform<double>(random, steps * shape.OutputSize, 1.0);
        StateWeights = ReferenceTestCells.Uniform<double>(random, shape.StateSize, 1.0);
        _outputs = new double[steps * shape.OutputSize];
        _state = new double[shape.StateSize];
        _workspace = Model.CreateWorkspace(steps);
    }

    public ModelShape Shape { get; }

    public int Steps { get; }

    public ReferenceModel<double> Model { get; }

    public double[] Inputs { get; }

    public double[] InitialState { get; }

    /// <summary>R₁ = dL/d outputs.</summary>
    public double[] OutputWeights { get; }

    /// <summary>R₂ = dL/d final state.</summary>
    public double[] StateWeights { get; }

    /// <summary>Every entry's count: parameters, inputs, initial state.</summary>
    public int EntryCount => Model.ParameterCount + Inputs.Length + InitialState.Length;

    /// <summary>A tape recorded with this problem's dropout seed (or <paramref name="dropoutSeed"/> when given).</summary>
    public Tape<double> Record(int? dropoutSeed = null)
    {
        int? seed = dropoutSeed ?? _dropoutSeed;
        Tape<double> tape = Model.CreateTape(Steps, seed is null ? null : new Random(seed.Value));
        InitialState.CopyTo(_state, 0);
        Model.Forward(Inputs, _outputs, _state, tape);
        return tape;
    }

    /// <summary>Backward's gradients of L; <paramref name="finalStateGradient"/> replaces R₂ (to show the check notices a wrong one).</summary>
    public Gradients<double> Analytic(int? dropoutSeed = null, double[]? finalStateGradient = null)
    {
        Tape<double> tape = Record(dropoutSeed);
        double[] stateGradient = (double[])(finalStateGradient ?? StateWeights).Clone();
        var inputGradients = new double[Inputs.Length];
        var parameterGradients = new double[Model.ParameterCount];
        Model.Backward(tape, OutputWeights, stateGradient, inputGradients, parameterGradients);
        return new Gradients<double>(inputGradients, stateGradient, parameterGradients);
    }

    /// <summary>Compares <paramref name="analytic"/> with central differences on every parameter, input and initial-state entry.</summary>
    public GradientComparison CheckEveryEntry(Gradients<double> analytic, double tolerance)
    {
        var result = new GradientComparison(tolerance);
        for (int k = 0; k < Model.ParameterCount; k++)
        {
            result.Add($"parameter[{k}] ({TensorOf(k)})", analytic.Parameters[k], Numeric(Model.Parameters, k));
        }

        for (int k = 0; k < Inputs.Length; k++)
        {
            result.Add($"input[{k}]", analytic.Inputs[k], Numeric(Inputs, k));
        }

        for (int k = 0; k < InitialState.Length; k++)
        {
            result.Add($"state[{k}]", analytic.State[k], Numeric(InitialState, k));
        }

        return result;
    }

    /// <summary>L at the current parameters, inputs and initial state.</summary>
    public double Loss()
    {
        InitialState.CopyTo(_state, 0);
        if (_dropoutSeed is int seed)
        {
            Model.Forward(Inputs, _outputs, _state, Model.CreateTape(Steps, new Random(seed)));
        }
        else
        {
            Model.Forward(Inputs, _outputs, _state, _workspace);
        }

        double loss = 0;
        for (int i = 0; i < _outputs.Length; i++)
        {
            loss += _outputs[i] * OutputWeights[i];
        }

        for (int i = 0; i < _state.Length; i++)
        {
            loss += _state[i] * StateWeights[i];
        }

        return loss;
    }

    /// <summary>Central difference of L in <paramref name="values"/>[k], divided by the step actually taken.</summary>
    private double Numeric(Span<double> values, int k)
    {
        double original = values[k];
        double up = original + Step, down = original - Step;
        values[k] = up;
        double lossUp = Loss();
        values[k] = down;
        double lossDown = Loss();
        values[k] = original;
        return (lossUp - lossDown) / (up - down);
    }

    private string TensorOf(int k)
    {
        foreach (ParameterTensor tensor in Shape.Tensors)
        {
            if (k >= tensor.Offset && k < tensor.Offset + tensor.Length)
            {
                return $"{tensor.Name}[{k - tensor.Offset}]";
            }
        }

        return "?";
    }
}

/// <summary>Per entry: |a − n| ≤ tolerance · max(1, |a|, |n|); keeps the worst relative error and the failures.</summary>
internal sealed class GradientComparison(double tolerance)
{
    public double Tolerance { get; } = tolerance;

    public int Checked { get; private set; }

    public double Worst { get; private set; }

    public string WorstAt { get; private set; } = "-";

    public List<string> Failures { get; } = [];

    public void Add(string what, double analytic, double numeric)
    {
        double error = Math.Abs(analytic - numeric) / Math.Max(1, Math.Max(Math.Abs(analytic), Math.Abs(numeric)));
        Checked++;
        if (!(error <= Worst))
        {
            Worst = error;
            WorstAt = what;
        }

        if (!(error <= Tolerance))
        {
            Failures.Add($"{what}: analytic {analytic:R}, numeric {numeric:R}, relative error {error:E2}");
        }
    }

    public string Summary(string name) => $"{name}: {Checked} entries, worst relative error {Worst:E2} at {WorstAt}";

    /// <summary>Fails listing the first failures unless every entry passed.</summary>
    public void AssertPassed(string name) => Xunit.Assert.True(
        Failures.Count == 0,
        $"{name}: {Failures.Count} of {Checked} entries fail |a − n| ≤ {Tolerance}·max(1, |a|, |n|):\n" + string.Join("\n", Failures.Take(10)));
}
