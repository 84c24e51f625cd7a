using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Many streams at once (batch.sh sets these against the C++ baseline's step-batch, native/run): the frozen snapshot's
/// StepBatch at B = 32, per stream-step, against its Step at B = 1, for the three sizes where the weights outgrow L1,
/// a bfloat16 snapshot's StepBatch at B = 32, and the cell's own (live) Step and StepBatch on its parameters;
/// and minibatch training (ForwardBatch with a tape + BackwardBatch, T = 100, B = 32) against today's per-sequence
/// Forward + Backward, per sequence-step. Weights ×4, as in the other grids.
/// </summary>
[MemoryDiagnoser]
public class BatchBenchmarks
{
    private const int B = 32, T = 100;
    private IRecurrentCell<float> _cell = null!;
    private IFrozenCell<float> _frozen = null!, _bfloat16 = null!;
    private float[] _inputs = null!, _states = null!, _state = null!;
    private int _t;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("32x64", "64x128", "128x256")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        _cell = Cells.Create(Kind, Shape, 4f);
        _frozen = Cells.Freeze(_cell);
        _bfloat16 = Cells.Freeze(_cell, WeightPrecision.BFloat16);
        _inputs = Cells.Inputs(T * B * _cell.InputSize);
        _states = Cells.Inputs(B * _cell.StateSize);
        _state = Cells.Inputs(_cell.StateSize);
    }

    /// <summary>The frozen step of one stream.</summary>
    [Benchmark]
    public void FrozenStep() => _frozen.Step(NextInputs(1), _state);

    /// <summary>The frozen step of B = 32 streams at once, per stream-step.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public void FrozenStepBatch() => _frozen.StepBatch(NextInputs(B), _states);

    /// <summary>The cell's own step of one stream, on its parameters.</summary>
    [Benchmark]
    public void LiveStep() => _cell.Step(NextInputs(1), _state);

    /// <summary>The cell's own step of B = 32 streams at once, on its parameters, per stream-step.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public void LiveStepBatch() => _cell.StepBatch(NextInputs(B), _states);

    /// <summary>The same on a bfloat16 snapshot, per stream-step.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public void FrozenStepBatchBFloat16() => _bfloat16.StepBatch(NextInputs(B), _states);

    /// <summary>The next step's inputs of <paramref name="streams"/> streams, cycling through T steps of them.</summary>
    private ReadOnlySpan<float> NextInputs(int streams)
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        return _inputs.AsSpan(t * streams * _cell.InputSize, streams * _cell.InputSize);
    }
}

/// <summary>
/// B = 32 sequences of T = 100 in one ForwardBatch, no tape, per stream-step: the cell's own (live: on its parameters, as
/// they are at the call) against its frozen snapshot's. Where the live pass packs the parameters for the frozen kernels
/// (docs/batches.md), the difference is the pack; where it does not, the live kernels against the packed ones.
/// </summary>
[MemoryDiagnoser]
public class ForwardBatchBenchmarks
{
    private const int B = 32, T = 100;
    private IRecurrentCell<float> _cell = null!;
    private IFrozenCell<float> _frozen = null!;
    private float[] _inputs = null!, _outputs = null!, _states = null!;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("32x64", "64x128", "128x256")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        _cell = Cells.Create(Kind, Shape, 4f);
        _frozen = Cells.Freeze(_cell);
        _inputs = Cells.Inputs(T * B * _cell.InputSize);
        _outputs = new float[T * B * _cell.HiddenSize];
        _states = Cells.Inputs(B * _cell.StateSize);
    }

    [Benchmark(OperationsPerInvoke = T * B)]
    public void LiveForwardBatch() => _cell.ForwardBatch(_inputs, _outputs, _states);

    [Benchmark(OperationsPerInvoke = T * B)]
    public void FrozenForwardBatch() => _frozen.ForwardBatch(_inputs, _outputs, _states);
}

/// <summary>Minibatch training against per-sequence training, LSTM and GRU (64,128), T = 100: per sequence-step.</summary>
[MemoryDiagnoser]
public class MinibatchBenchmarks
{
    private const int B = 32, T = 100;
    private IRecurrentCell<float> _cell = null!;
    private Tape<float> _tape = null!, _batchTape = null!;
    private float[] _inputs = null!, _outputs = null!, _state = null!, _outputGradients = null!, _stateGradient = null!, _inputGradients = null!, _parameterGradients = null!;
    private float[] _batchInputs = null!, _batchOutputs = null!, _states = null!, _batchOutputGradients = null!, _stateGradients = null!, _batchInputGradients = null!;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [GlobalSetup]
    public void Setup()
    {
        _cell = Cells.Create(Kind, "64x128", 4f);
        int i = _cell.InputSize, h = _cell.HiddenSize, s = _cell.StateSize;
        _tape = _cell.CreateTape(T);
        _batchTape = _cell.CreateTape(T, B);
        _inputs = Cells.Inputs(T * i);
        _outputs = new float[T * h];
        _state = new float[s];
        _outputGradients = Cells.Inputs(T * h);
        _stateGradient = new float[s];
        _inputGradients = new float[T * i];
        _parameterGradients = new float[_cell.ParameterCount];
        _batchInputs = Cells.Inputs(T * B * i);
        _batchOutputs = new float[T * B * h];
        _states = new float[B * s];
        _batchOutputGradients = Cells.Inputs(T * B * h);
        _stateGradients = new float[B * s];
        _batchInputGradients = new float[T * B * i];
    }

    /// <summary>B sequences one after another: Forward with tape + Backward each (input gradients included).</summary>
    [Benchmark(OperationsPerInvoke = T * B)]
    public void PerSequence()
    {
        for (int b = 0; b < B; b++)
        {
            Array.Clear(_state);
            _cell.Forward(_inputs, _outputs, _state, _tape);
            Array.Clear(_stateGradient);
            _cell.Backward(_tape, _outputGradients, _stateGradient, _inputGradients, _parameterGradients);
        }
    }

    /// <summary>The same B sequences as one minibatch: ForwardBatch with tape + BackwardBatch.</summary>
    [Benchmark(OperationsPerInvoke = T * B)]
    public void Minibatch()
    {
        Array.Clear(_states);
        _cell.ForwardBatch(_batchInputs, _batchOutputs, _states, _batchTape);
        Array.Clear(_stateGradients);
        _cell.BackwardBatch(_batchTape, _batchOutputGradients, _stateGradients, _batchInputGradients, _parameterGradients);
    }
}
