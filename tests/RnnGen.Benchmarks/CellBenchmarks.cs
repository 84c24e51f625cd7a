using BenchmarkDotNet.Attributes;
using RnnGen.Reference;

namespace RnnGen.Benchmarks;

/// <summary>
/// The generated cells at the anchor grid. Each figure is per time step: <see cref="Step"/> is one call;
/// the sequence benchmarks divide by T = 100 (OperationsPerInvoke). Frozen* run the cell's <c>Freeze()</c>
/// snapshot (packed weights, inference only).
/// </summary>
[MemoryDiagnoser]
public class CellBenchmarks
{
    private const int T = 100;
    private IRecurrentCell<float> _cell = null!;
    private IFrozenCell<float> _frozen = null!;
    private Tape<float> _tape = null!;
    private float[] _inputs = null!, _outputs = null!, _state = null!, _outputGradients = null!, _stateGradient = null!, _inputGradients = null!, _parameterGradients = null!;
    private int _t;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [ParamsSource(nameof(ShapeValues))]
    public string Shape { get; set; } = "8x32";

    /// <summary>1: PyTorch's default init; 4: the same ×4, so gates saturate and activation shortcuts cannot flatter us.</summary>
    [Params(1f, 4f)]
    public float WeightScale { get; set; } = 4f;

    public static IEnumerable<string> ShapeValues => Cells.Shapes;

    [GlobalSetup]
    public void Setup()
    {
        _cell = Cells.Create(Kind, Shape, WeightScale);
        _frozen = Cells.Freeze(_cell);
        _inputs = Cells.Inputs(T * _cell.InputSize);
        _outputs = new float[T * _cell.HiddenSize];
        _state = new float[_cell.StateSize];
        _tape = _cell.CreateTape(T);
        _outputGradients = Cells.Inputs(T * _cell.HiddenSize);
        _stateGradient = new float[_cell.StateSize];
        _inputGradients = new float[T * _cell.InputSize];
        _parameterGradients = new float[_cell.ParameterCount];
    }

    /// <summary>One streaming step, state carried, input changing every step.</summary>
    [Benchmark]
    public void Step()
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        _cell.Step(_inputs.AsSpan(t * _cell.InputSize, _cell.InputSize), _state);
    }

    /// <summary>Forward over T = 100 steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void Forward() => _cell.Forward(_inputs, _outputs, _state);

    /// <summary><see cref="Step"/> on the frozen snapshot.</summary>
    [Benchmark]
    public void FrozenStep()
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        _frozen.Step(_inputs.AsSpan(t * _cell.InputSize, _cell.InputSize), _state);
    }

    /// <summary><see cref="Forward"/> on the frozen snapshot, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void FrozenForward() => _frozen.Forward(_inputs, _outputs, _state);

    /// <summary>Forward with tape + Backward (input gradients included) over T = 100 steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void Training()
    {
        Array.Clear(_state);
        _cell.Forward(_inputs, _outputs, _state, _tape);
        Array.Clear(_stateGradient);
        _cell.Backward(_tape, _outputGradients, _stateGradient, _inputGradients, _parameterGradients);
    }
}

/// <summary>The in-repo baseline: the reference implementation's Step (float), which the generated code must beat by ≥ 10×.</summary>
[MemoryDiagnoser]
public class ReferenceBenchmarks
{
    private IRecurrentCell<float> _cell = null!;
    private float[] _input = null!, _state = null!;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("8x32", "64x128")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        int[] size = Shape.Split('x').Select(int.Parse).ToArray();
        _cell = Kind == "lstm" ? new ReferenceLstm<float>(size[0], size[1], new Random(42)) : new ReferenceGru<float>(size[0], size[1], new Random(42));
        _input = Cells.Inputs(_cell.InputSize);
        _state = new float[_cell.StateSize];
    }

    [Benchmark]
    public void ReferenceStep() => _cell.Step(_input, _state);
}

/// <summary>
/// Tail latency for audio users: Step after 100,000 zero inputs, when a decaying state could have become
/// subnormal (slow on x86).
/// </summary>
[MemoryDiagnoser]
public class DecayedStateBenchmarks
{
    private IRecurrentCell<float> _cell = null!;
    private float[] _zero = null!, _state = null!;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params(1f, 4f)]
    public float WeightScale { get; set; } = 1f;

    [GlobalSetup]
    public void Setup()
    {
        _cell = Cells.Create(Kind, "8x32", WeightScale);
        _zero = new float[_cell.InputSize];
        _state = Cells.Inputs(_cell.StateSize);
        for (int i = 0; i < 100_000; i++)
        {
            _cell.Step(_zero, _state);
        }
    }

    [Benchmark]
    public void StepAfterSilence() => _cell.Step(_zero, _state);
}

/// <summary>
/// What compare.sh sets against the C++ baseline (native/, and optionally another yardstick with RNNGEN_LIMIT): Step at
/// the grid of <see cref="Cells.Shapes"/> and training at LSTM (64,128), T = 100, with weights ×4 as the baseline's
/// RNN_WSCALE=4 run uses. (The names date from when that yardstick was an external "limit" kernel; minibatch.sh's
/// RNNGEN_BEFORE runs LimitTraining of older checkouts, so they stay.)
/// </summary>
[MemoryDiagnoser]
public class LimitStep
{
    private readonly CellBenchmarks _inner = new() { WeightScale = 4f };

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [ParamsSource(nameof(ShapeValues))]
    public string Shape { get; set; } = "8x32";

    public static IEnumerable<string> ShapeValues => Cells.Shapes;

    [GlobalSetup]
    public void Setup()
    {
        _inner.Kind = Kind;
        _inner.Shape = Shape;
        _inner.Setup();
    }

    [Benchmark]
    public void Step() => _inner.Step();

    [Benchmark]
    public void FrozenStep() => _inner.FrozenStep();
}

/// <inheritdoc cref="LimitStep"/>
[MemoryDiagnoser]
public class LimitTraining
{
    private readonly CellBenchmarks _inner = new() { Kind = "lstm", Shape = "64x128", WeightScale = 4f };

    [GlobalSetup]
    public void Setup() => _inner.Setup();

    /// <summary>Forward with tape + Backward with input gradients, per step (the baseline's "forward + backward").</summary>
    [Benchmark(OperationsPerInvoke = 100)]
    public void Training() => _inner.Training();
}

/// <summary>
/// <see cref="LimitTraining"/> for a GRU (64,128), T = 100: compare.sh's gru-train row. Neither C++ yardstick has a GRU
/// BPTT, so it is reported beside the LSTM's, without a ratio.
/// </summary>
[MemoryDiagnoser]
public class GruTraining
{
    private readonly CellBenchmarks _inner = new() { Kind = "gru", Shape = "64x128", WeightScale = 4f };

    [GlobalSetup]
    public void Setup() => _inner.Setup();

    /// <inheritdoc cref="LimitTraining.Training"/>
    [Benchmark(OperationsPerInvoke = 100)]
    public void Training() => _inner.Training();
}

/// <summary>
/// <see cref="LimitTraining"/> for both kinds from (32,64) to (128,256), T = 100, weights ×4: where the large layers'
/// default Vector512 dispatch (training kernels from 64 hidden units, forward kernels from 64 GRU or 96 LSTM units)
/// starts to pay. Run it once by default and once with RNNGEN_VECTOR512=0 (the cell's kernels on Vector256) to compare.
/// </summary>
[MemoryDiagnoser]
public class TrainingShapes
{
    private readonly CellBenchmarks _inner = new() { WeightScale = 4f };

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("32x64", "64x128", "128x256")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        _inner.Kind = Kind;
        _inner.Shape = Shape;
        _inner.Setup();
    }

    /// <inheritdoc cref="LimitTraining.Training"/>
    [Benchmark(OperationsPerInvoke = 100)]
    public void Training() => _inner.Training();
}
