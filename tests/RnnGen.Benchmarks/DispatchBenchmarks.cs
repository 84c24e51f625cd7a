using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>
/// Steady state of a polymorphic caller: an LSTM and a GRU stepped through one interface call site (as a plugin host
/// steps whatever models it loaded) against the same two steps called on the concrete types. Per step
/// (OperationsPerInvoke = 2); weights ×4; the ratio Interface ÷ Direct is the figure (target ≤ 1.2).
/// </summary>
[MemoryDiagnoser]
public abstract class DispatchBenchmarks
{
    private IFrozenCell<float>[] _frozen = null!;
    private IRecurrentCell<float>[] _cells = null!;
    private IStreamingModel<float>[] _models = null!;

    /// <summary>One input for every step; the states of the LSTM (index 0) and the GRU (1); one output row each.</summary>
    protected float[] Input { get; private set; } = null!;

    protected float[][] States { get; private set; } = null!;

    protected float[][] Outputs { get; private set; } = null!;

    /// <summary>The shape both cells have, "1x8" or "8x32".</summary>
    protected abstract string Shape { get; }

    /// <summary>Keeps the concrete cells for the direct benchmarks.</summary>
    protected abstract void Keep(IRecurrentCell<float> lstm, IRecurrentCell<float> gru, IFrozenCell<float> frozenLstm, IFrozenCell<float> frozenGru);

    [GlobalSetup]
    public void Setup()
    {
        IRecurrentCell<float> lstm = Cells.Create("lstm", Shape, 4f), gru = Cells.Create("gru", Shape, 4f);
        IFrozenCell<float> frozenLstm = Cells.Freeze(lstm), frozenGru = Cells.Freeze(gru);
        Keep(lstm, gru, frozenLstm, frozenGru);
        _frozen = [frozenLstm, frozenGru];
        _cells = [lstm, gru];
        _models = [lstm, gru];
        Input = Cells.Inputs(lstm.InputSize);
        States = [new float[lstm.StateSize], new float[gru.StateSize]];
        Outputs = [new float[lstm.OutputSize], new float[gru.OutputSize]];
    }

    /// <summary>Both frozen snapshots through one <see cref="IFrozenCell{T}.Step"/> call site.</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public void FrozenInterface()
    {
        IFrozenCell<float>[] cells = _frozen;
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i].Step(Input, States[i]);
        }
    }

    /// <summary>Both cells through one <see cref="IRecurrentCell{T}.Step"/> call site.</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public void CellInterface()
    {
        IRecurrentCell<float>[] cells = _cells;
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i].Step(Input, States[i]);
        }
    }

    /// <summary>Both cells through one <see cref="IStreamingModel{T}.Step"/> call site (input, state, output).</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public void ModelInterface()
    {
        IStreamingModel<float>[] models = _models;
        for (int i = 0; i < models.Length; i++)
        {
            models[i].Step(Input, States[i], Outputs[i]);
        }
    }
}

/// <inheritdoc cref="DispatchBenchmarks"/>
public class Dispatch1x8 : DispatchBenchmarks
{
    private Lstm1x8 _lstm = null!;
    private Gru1x8 _gru = null!;
    private Lstm1x8.Frozen _frozenLstm = null!;
    private Gru1x8.Frozen _frozenGru = null!;

    protected override string Shape => "1x8";

    protected override void Keep(IRecurrentCell<float> lstm, IRecurrentCell<float> gru, IFrozenCell<float> frozenLstm, IFrozenCell<float> frozenGru) =>
        (_lstm, _gru, _frozenLstm, _frozenGru) = ((Lstm1x8)lstm, (Gru1x8)gru, (Lstm1x8.Frozen)frozenLstm, (Gru1x8.Frozen)frozenGru);

    [Benchmark(OperationsPerInvoke = 2)]
    public void FrozenDirect()
    {
        _frozenLstm.Step(Input, States[0]);
        _frozenGru.Step(Input, States[1]);
    }

    [Benchmark(OperationsPerInvoke = 2)]
    public void CellDirect()
    {
        _lstm.Step(Input, States[0]);
        _gru.Step(Input, States[1]);
    }

    [Benchmark(OperationsPerInvoke = 2)]
    public void ModelDirect()
    {
        _lstm.Step(Input, States[0], Outputs[0]);
        _gru.Step(Input, States[1], Outputs[1]);
    }
}

/// <inheritdoc cref="DispatchBenchmarks"/>
public class Dispatch8x32 : DispatchBenchmarks
{
    private Lstm8x32 _lstm = null!;
    private Gru8x32 _gru = null!;
    private Lstm8x32.Frozen _frozenLstm = null!;
    private Gru8x32.Frozen _frozenGru = null!;

    protected override string Shape => "8x32";

    protected override void Keep(IRecurrentCell<float> lstm, IRecurrentCell<float> gru, IFrozenCell<float> frozenLstm, IFrozenCell<float> frozenGru) =>
        (_lstm, _gru, _frozenLstm, _frozenGru) = ((Lstm8x32)lstm, (Gru8x32)gru, (Lstm8x32.Frozen)frozenLstm, (Gru8x32.Frozen)frozenGru);

    [Benchmark(OperationsPerInvoke = 2)]
    public void FrozenDirect()
    {
        _frozenLstm.Step(Input, States[0]);
        _frozenGru.Step(Input, States[1]);
    }

    [Benchmark(OperationsPerInvoke = 2)]
    public void CellDirect()
    {
        _lstm.Step(Input, States[0]);
        _gru.Step(Input, States[1]);
    }

    [Benchmark(OperationsPerInvoke = 2)]
    public void ModelDirect()
    {
        _lstm.Step(Input, States[0], Outputs[0]);
        _gru.Step(Input, States[1], Outputs[1]);
    }
}
