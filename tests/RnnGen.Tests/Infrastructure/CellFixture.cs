namespace RnnGen.Tests.Infrastructure;

/// <summary>The five tensors a fixture records for each precision, named as in the JSON.</summary>
public enum ResultTensor
{
    /// <summary>h after every step, T·H values (<c>outputs</c>).</summary>
    Outputs,

    /// <summary>The state after the last step, S values: h then c for an LSTM (<c>final_state</c>).</summary>
    FinalState,

    /// <summary>dL/d parameters in state_dict order, ParameterCount values (<c>parameter_gradients</c>).</summary>
    ParameterGradients,

    /// <summary>dL/d inputs, T·I values (<c>input_gradients</c>).</summary>
    InputGradients,

    /// <summary>dL/d initial state, S values: h0 then c0 for an LSTM (<c>initial_state_gradient</c>).</summary>
    InitialStateGradient,
}

/// <summary>What one precision's run produced: the forward results and every gradient of L.</summary>
public sealed record CellResults(
    double[] Outputs,
    double[] FinalState,
    double[] ParameterGradients,
    double[] InputGradients,
    double[] InitialStateGradient)
{
    /// <summary>Every tensor, in <see cref="ResultTensor"/> order.</summary>
    public static IReadOnlyList<ResultTensor> Tensors { get; } = Enum.GetValues<ResultTensor>();

    /// <summary>One tensor by name.</summary>
    public double[] this[ResultTensor tensor] => tensor switch
    {
        ResultTensor.Outputs => Outputs,
        ResultTensor.FinalState => FinalState,
        ResultTensor.ParameterGradients => ParameterGradients,
        ResultTensor.InputGradients => InputGradients,
        ResultTensor.InitialStateGradient => InitialStateGradient,
        _ => throw new ArgumentOutOfRangeException(nameof(tensor), tensor, null),
    };
}

/// <summary>
/// One PyTorch case (see tests/fixtures/make_fixtures.py): a cell's parameters and a sequence, the
/// upstream gradients of L = Σ outputs⊙R1 + Σ final_state⊙R2, and what nn.LSTM / nn.GRU computed from
/// them in float64 (the truth) and in float32. Every input value is a float32 value stored exactly,
/// so float and double cells can load the same data without rounding.
/// </summary>
public sealed class CellFixture
{
    internal CellFixture(
        string name, CellKind kind, int inputSize, int hiddenSize, int steps, double weightScale, int seed,
        double[] parameters, double[] inputs, double[] initialState, double[] outputGradients, double[] stateGradient,
        CellResults float64, CellResults float32)
    {
        Name = name;
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Steps = steps;
        WeightScale = weightScale;
        Seed = seed;
        Parameters = parameters;
        Inputs = inputs;
        InitialState = initialState;
        OutputGradients = outputGradients;
        StateGradient = stateGradient;
        Float64 = float64;
        Float32 = float32;
    }

    /// <summary>The file name without extension, e.g. <c>lstm_7x13</c> or <c>gru_7x13_s4</c>.</summary>
    public string Name { get; }

    public CellKind Kind { get; }

    /// <summary>I.</summary>
    public int InputSize { get; }

    /// <summary>H.</summary>
    public int HiddenSize { get; }

    /// <summary>T, the sequence length.</summary>
    public int Steps { get; }

    /// <summary>1 for PyTorch's default init (uniform ±1/√H); larger values saturate the gates.</summary>
    public double WeightScale { get; }

    /// <summary>The seed the script drew this case's data with.</summary>
    public int Seed { get; }

    /// <summary>S: 2·H for an LSTM, H for a GRU.</summary>
    public int StateSize => CellShape.StateSize(Kind, HiddenSize);

    public int ParameterCount => CellShape.ParameterCount(Kind, InputSize, HiddenSize);

    /// <summary>weight_ih_l0 ++ weight_hh_l0 ++ bias_ih_l0 ++ bias_hh_l0, the layout of <see cref="IRecurrentCell{T}.Parameters"/>.</summary>
    public double[] Parameters { get; }

    /// <summary>T·I values, one row per step.</summary>
    public double[] Inputs { get; }

    /// <summary>S values: h0, then c0 for an LSTM.</summary>
    public double[] InitialState { get; }

    /// <summary>R1 = dL/d outputs, T·H values.</summary>
    public double[] OutputGradients { get; }

    /// <summary>R2 = dL/d final state, S values.</summary>
    public double[] StateGradient { get; }

    /// <summary>PyTorch in float64: the truth every implementation is measured against.</summary>
    public CellResults Float64 { get; }

    /// <summary>PyTorch in float32 on the same (float32-exact) data.</summary>
    public CellResults Float32 { get; }

    /// <summary>
    /// PyTorch's own float32 error on one tensor, <see cref="Error.Relative"/> of its float32 run against its
    /// float64 run: the yardstick for what a float implementation can reasonably achieve on this case.
    /// </summary>
    public double PyTorchFloat32Error(ResultTensor tensor) => Error.Relative(Float32[tensor], Float64[tensor]);

    /// <summary>The largest of <see cref="PyTorchFloat32Error"/> over all five tensors.</summary>
    public double PyTorchFloat32Error() => CellResults.Tensors.Max(PyTorchFloat32Error);

    public override string ToString() => Name;
}
