using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

[Lstm(input: 64, hidden: 64)] public partial class Lstm64x64;
[Gru(input: 64, hidden: 64)] public partial class Gru64x64;
[Lstm(input: 32, hidden: 64, Layers = 2)] public partial class Lstm32x64TwoLayers;
[Gru(input: 32, hidden: 64, Layers = 2)] public partial class Gru32x64TwoLayers;
[Lstm(input: 32, hidden: 64, Bidirectional = true)] public partial class Lstm32x64Bidirectional;
[Gru(input: 32, hidden: 64, Bidirectional = true)] public partial class Gru32x64Bidirectional;

/// <summary>
/// The cost of composing layers (models.sh sets the figures side by side): a two-layer model's frozen step against the
/// two single-layer frozen steps it is made of, (32,64) and (64,64), and a bidirectional model's Forward over T = 100
/// against twice the unidirectional one. Weights are PyTorch's init ×4, as in the other grids.
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private const int T = 100;
    private IFrozenCell<float> _layer0 = null!, _layer1 = null!;
    private IFrozenStreamingModel<float> _twoLayers = null!;
    private IRecurrentCell<float> _unidirectional = null!;
    private IRecurrentModel<float> _bidirectional = null!;
    private Workspace<float> _workspace = null!;
    private float[] _inputs = null!, _hidden = null!, _state0 = null!, _state1 = null!, _state = null!, _output = null!;
    private float[] _outputs = null!, _bidirectionalOutputs = null!, _bidirectionalState = null!;
    private int _t;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [GlobalSetup]
    public void Setup()
    {
        bool lstm = Kind == "lstm";
        IRecurrentCell<float> layer0 = lstm ? new Lstm32x64(new Random(42)) : new Gru32x64(new Random(42));
        IRecurrentCell<float> layer1 = lstm ? new Lstm64x64(new Random(43)) : new Gru64x64(new Random(43));
        IStreamingModel<float> twoLayers = lstm ? new Lstm32x64TwoLayers(new Random(44)) : new Gru32x64TwoLayers(new Random(44));
        _bidirectional = lstm ? new Lstm32x64Bidirectional(new Random(45)) : new Gru32x64Bidirectional(new Random(45));
        Cells.Scale(layer0.Parameters, 4f);
        Cells.Scale(layer1.Parameters, 4f);
        Cells.Scale(twoLayers.Parameters, 4f);
        Cells.Scale(_bidirectional.Parameters, 4f);

        _layer0 = Cells.Freeze(layer0);
        _layer1 = layer1 switch { Lstm64x64 c => c.Freeze(), Gru64x64 c => c.Freeze(), _ => throw new InvalidOperationException() };
        _twoLayers = twoLayers switch { Lstm32x64TwoLayers m => m.Freeze(), Gru32x64TwoLayers m => m.Freeze(), _ => throw new InvalidOperationException() };
        _unidirectional = layer0;
        _inputs = Cells.Inputs(T * 32);
        _hidden = Cells.Inputs(64);
        _state0 = new float[layer0.StateSize];
        _state1 = new float[layer1.StateSize];
        _state = new float[twoLayers.StateSize];
        _output = new float[twoLayers.OutputSize];
        _outputs = new float[T * 64];
        _bidirectionalOutputs = new float[T * _bidirectional.OutputSize];
        _bidirectionalState = new float[_bidirectional.StateSize];
        _workspace = _bidirectional.CreateWorkspace(T);
    }

    /// <summary>The frozen (32,64) layer alone: one step.</summary>
    [Benchmark]
    public void FrozenStepLayer0()
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        _layer0.Step(_inputs.AsSpan(t * 32, 32), _state0);
    }

    /// <summary>The frozen (64,64) layer alone: one step on a fixed input.</summary>
    [Benchmark]
    public void FrozenStepLayer1() => _layer1.Step(_hidden, _state1);

    /// <summary>The frozen two-layer model: one step through both layers.</summary>
    [Benchmark]
    public void FrozenStepTwoLayers()
    {
        int t = _t = _t == T - 1 ? 0 : _t + 1;
        _twoLayers.Step(_inputs.AsSpan(t * 32, 32), _state, _output);
    }

    /// <summary>The unidirectional (32,64) cell's Forward over T = 100 (per call).</summary>
    [Benchmark]
    public void ForwardUnidirectional() => _unidirectional.Forward(_inputs, _outputs, _state0);

    /// <summary>The bidirectional (32,64) model's Forward over T = 100 (per call), both directions.</summary>
    [Benchmark]
    public void ForwardBidirectional() => _bidirectional.Forward(_inputs, _bidirectionalOutputs, _bidirectionalState, _workspace);
}
