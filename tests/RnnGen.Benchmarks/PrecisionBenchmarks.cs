using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// The frozen snapshot's streaming step by weight precision (<c>Freeze(WeightPrecision)</c>), at the anchor grid, LSTM
/// and GRU, weights ×4 as the other benchmarks; one call is one step. precision.sh runs it and prints the ratios.
/// </summary>
[MemoryDiagnoser]
public class PrecisionBenchmarks
{
    private const int T = 100;
    private IFrozenCell<float> _frozen = null!;
    private float[] _inputs = null!, _state = null!;
    private int _t;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [ParamsSource(nameof(ShapeValues))]
    public string Shape { get; set; } = "64x128";

    [Params(WeightPrecision.Float32, WeightPrecision.BFloat16, WeightPrecision.Half)]
    public WeightPrecision Precision { get; set; } = WeightPrecision.BFloat16;

    public static IEnumerable<string> ShapeValues => Cells.Shapes;

    [GlobalSetup]
    public void Setup()
    {
        IRecurrentCell<float> cell = Cells.Create(Kind, Shape, 4f);
        _frozen = Cells.Freeze(cell, Precision);
        _inputs = Cells.Inputs(T * cell.InputSize);
        _state = new float[cell.StateSize];
    }

    /// <summary>One streaming step on the snapshot, state carried, input changing every step.</summary>
    [Benchmark]
    public void FrozenStep()
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        _frozen.Step(_inputs.AsSpan(t * _frozen.InputSize, _frozen.InputSize), _state);
    }
}
