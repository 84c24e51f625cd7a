using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// A sequence of T = 100 steps, per step: RnnGen's Forward (which computes the input projections W_ih·x_t + b_ih a block
/// of steps at a time) against one Step per step, live and frozen, next to ONNX Runtime running the same cell over the
/// whole sequence in one Run (one blocked input product, then the recurrence). Weights PyTorch's init ×4. sequences.sh
/// runs it and prints the ratios.
/// </summary>
[MemoryDiagnoser]
public class SequenceBenchmarks
{
    private const int T = 100;
    private IRecurrentCell<float> _cell = null!;
    private IFrozenCell<float> _frozen = null!;
    private OnnxStep _onnx = null!;
    private float[] _inputs = null!, _outputs = null!, _state = null!;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("32x64", "64x128", "128x256")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        int[] size = Shape.Split('x').Select(int.Parse).ToArray();
        _cell = Cells.Create(Kind, Shape, 4f);
        _frozen = Cells.Freeze(_cell);
        _onnx = new OnnxStep(Kind, size[0], size[1], T);
        _inputs = Cells.Inputs(T * _cell.InputSize);
        _outputs = new float[T * _cell.HiddenSize];
        _state = new float[_cell.StateSize];
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();

    /// <summary>T Steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void Step()
    {
        int input = _cell.InputSize;
        for (int t = 0; t < T; t++)
        {
            _cell.Step(_inputs.AsSpan(t * input, input), _state);
        }
    }

    /// <summary>Forward over T steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void Forward() => _cell.Forward(_inputs, _outputs, _state);

    /// <summary>T Steps of the frozen snapshot, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void FrozenStep()
    {
        int input = _cell.InputSize;
        for (int t = 0; t < T; t++)
        {
            _frozen.Step(_inputs.AsSpan(t * input, input), _state);
        }
    }

    /// <summary>The frozen snapshot's Forward over T steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void FrozenForward() => _frozen.Forward(_inputs, _outputs, _state);

    /// <summary>ONNX Runtime: one Run over the T steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void Onnx() => _onnx.Step(_inputs);
}
