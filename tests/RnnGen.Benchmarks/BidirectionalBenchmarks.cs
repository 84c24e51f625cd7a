using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

[Lstm(input: 64, hidden: 128, Bidirectional = true)] public partial class Lstm64x128Bidirectional;
[Gru(input: 64, hidden: 128, Bidirectional = true)] public partial class Gru64x128Bidirectional;
[Lstm(input: 128, hidden: 256, Bidirectional = true)] public partial class Lstm128x256Bidirectional;
[Gru(input: 128, hidden: 256, Bidirectional = true)] public partial class Gru128x256Bidirectional;

/// <summary>
/// A bidirectional layer's workspace Forward of one stream over T = 100, per step, live and frozen, at the sizes where
/// each direction's input projection is hoisted (docs/generated-code.md, the contract). Weights PyTorch's init ×4.
/// </summary>
[MemoryDiagnoser]
public class BidirectionalBenchmarks
{
    private const int T = 100;
    private IRecurrentModel<float> _model = null!;
    private IFrozenModel<float> _frozen = null!;
    private Workspace<float> _workspace = null!, _frozenWorkspace = null!;
    private float[] _inputs = null!, _outputs = null!, _state = null!;

    [Params("lstm", "gru")]
    public string Kind { get; set; } = "lstm";

    [Params("64x128", "128x256")]
    public string Shape { get; set; } = "64x128";

    [GlobalSetup]
    public void Setup()
    {
        (_model, _frozen) = (Kind, Shape) switch
        {
            ("lstm", "64x128") => Pair(new Lstm64x128Bidirectional(new Random(46)), m => m.Freeze()),
            ("gru", "64x128") => Pair(new Gru64x128Bidirectional(new Random(46)), m => m.Freeze()),
            ("lstm", "128x256") => Pair(new Lstm128x256Bidirectional(new Random(46)), m => m.Freeze()),
            ("gru", "128x256") => Pair(new Gru128x256Bidirectional(new Random(46)), m => m.Freeze()),
            _ => throw new InvalidOperationException($"No bidirectional model {Kind} {Shape}."),
        };
        _inputs = Cells.Inputs(T * _model.InputSize);
        _outputs = new float[T * _model.OutputSize];
        _state = new float[_model.StateSize];
        _workspace = _model.CreateWorkspace(T);
        _frozenWorkspace = _frozen.CreateWorkspace(T);

        static (IRecurrentModel<float>, IFrozenModel<float>) Pair<TModel>(TModel model, Func<TModel, IFrozenModel<float>> freeze)
            where TModel : IRecurrentModel<float>
        {
            Cells.Scale(model.Parameters, 4f);
            return (model, freeze(model));
        }
    }

    /// <summary>The live Forward over T steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void Forward() => _model.Forward(_inputs, _outputs, _state, _workspace);

    /// <summary>The frozen snapshot's Forward over T steps, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public void FrozenForward() => _frozen.Forward(_inputs, _outputs, _state, _frozenWorkspace);
}
