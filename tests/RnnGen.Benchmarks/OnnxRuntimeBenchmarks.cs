using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// ONNX Runtime (the library a .NET user would pick to run an exported nn.LSTM/nn.GRU), one streaming step per Run,
/// at the two compare.sh shapes it has models for; compare.sh sets it next to LimitStep's RnnGen figures.
/// <see cref="OnnxParity"/> checks that these models compute what the generated cells compute.
/// </summary>
[MemoryDiagnoser]
public class OnnxRuntimeBenchmarks
{
    private const int T = 100;
    private OnnxStep _step = null!;
    private float[] _inputs = null!;
    private int _t;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("32x64", "64x128")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        int[] size = Shape.Split('x').Select(int.Parse).ToArray();
        _step = new OnnxStep(Kind, size[0], size[1]);
        _inputs = Cells.Inputs(T * size[0]);
    }

    [GlobalCleanup]
    public void Cleanup() => _step.Dispose();

    /// <summary>One streaming step, state carried, input changing every step.</summary>
    [Benchmark]
    public void Step()
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        _step.Step(_inputs.AsSpan(t * _step.InputSize, _step.InputSize));
    }
}
