using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using RnnGen.Generated;

namespace RnnGen.Benchmarks;

/// <summary>
/// Where a small LSTM step's time goes, at (1,8) and (8,32): the whole frozen and cell Step, the runner around a
/// kernel that does nothing (argument checks, spans, the state copies, the calls: <see cref="NullLayer{TSize}"/>),
/// the two argument checks alone, the activations a step computes, and the horizontal sums of the cell's row-major
/// kernel. Per step, weights ×4. Kernel arithmetic ≈ Step − runner.
/// </summary>
[MemoryDiagnoser]
[GenericTypeArguments(typeof(Size1x8))]
[GenericTypeArguments(typeof(Size8x32))]
public class StepCostBenchmarks<TSize>
    where TSize : ISize
{
    private static readonly int H = TSize.Hidden;
    private IRecurrentCell<float> _cell = null!;
    private IFrozenCell<float> _frozen = null!;
    private float[] _input = null!, _state = null!, _nullParameters = null!, _gates = null!;
    private Vector256<float>[] _rows = null!;

    [GlobalSetup]
    public void Setup()
    {
        string shape = $"{TSize.Input}x{TSize.Hidden}";
        _cell = Cells.Create("lstm", shape, 4f);
        _frozen = Cells.Freeze(_cell);
        _input = Cells.Inputs(TSize.Input);
        _state = new float[2 * H];
        _nullParameters = new float[NullLayer<TSize>.Count];
        _gates = Cells.Inputs(4 * H + H);
        _rows = Enumerable.Range(0, 8).Select(i => Vector256.Create((float)i)).ToArray();
    }

    /// <summary>The frozen snapshot's Step (monomorphic interface call: devirtualized by tiered PGO).</summary>
    [Benchmark]
    public void FrozenStep() => _frozen.Step(_input, _state);

    /// <summary>The cell's own Step.</summary>
    [Benchmark]
    public void CellStep() => _cell.Step(_input, _state);

    /// <summary>The runner's frozen Step around a kernel that returns at once: checks, span, stackalloc, copies, calls.</summary>
    [Benchmark]
    public void RunnerFrozen() => ModelRunner<NullModel<TSize>, NullLayer<TSize>, NullLayer<TSize>, NoHead>.FrozenStep(_nullParameters, WeightPrecision.Float32, _input, _state);

    /// <summary>The runner's live Step around a kernel that returns at once (adds the previous-state copy).</summary>
    [Benchmark]
    public void RunnerLive() => ModelRunner<NullModel<TSize>, NullLayer<TSize>, NullLayer<TSize>, NoHead>.Step(_nullParameters, _input, _state);

    /// <summary>The two argument checks a Step makes.</summary>
    [Benchmark]
    public void Guards()
    {
        Guard.Length(_input.Length, TSize.Input, "input");
        Guard.Length(_state.Length, 2 * H, "state");
    }

    /// <summary>An LSTM step's activations: σ on 3H gate values, tanh on H candidates and on H cell values (Vector256).</summary>
    [Benchmark]
    public void Activations()
    {
        ref float g = ref _gates[0];
        for (int i = 0; i < 3 * H; i += 8)
        {
            Vector256.StoreUnsafe(RnnGen.Simd.Activations.Sigmoid(Vector256.LoadUnsafe(ref g, (nuint)i)), ref g, (nuint)i);
        }

        for (int i = 3 * H; i < 5 * H; i += 8)
        {
            Vector256.StoreUnsafe(RnnGen.Simd.Activations.Tanh(Vector256.LoadUnsafe(ref g, (nuint)i)), ref g, (nuint)i);
        }
    }

    /// <summary>The horizontal sums of the cell's row-major kernel: 4H rows, eight row sums per SumEach.</summary>
    [Benchmark]
    public Vector256<float> Reductions() => Sums.Rows(_rows, 4 * H / 8);

    /// <summary>KernelBase's SumEach, as the generated kernels call it.</summary>
    private sealed class Sums : KernelBase
    {
        public static Vector256<float> Rows(Vector256<float>[] a, int count)
        {
            Vector256<float> total = default;
            for (int i = 0; i < count; i++)
            {
                total += SumEach(a[0] + total, a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            }

            return total;
        }
    }
}

/// <summary>A cell size for <see cref="StepCostBenchmarks{TSize}"/>.</summary>
public interface ISize
{
    static abstract int Input { get; }

    static abstract int Hidden { get; }
}

public readonly struct Size1x8 : ISize
{
    public static int Input => 1;

    public static int Hidden => 8;
}

public readonly struct Size8x32 : ISize
{
    public static int Input => 8;

    public static int Hidden => 32;
}

/// <summary>A one-layer LSTM-shaped model for the runner, with <see cref="NullLayer{TSize}"/> as its kernels.</summary>
public readonly struct NullModel<TSize> : IModelKernels
    where TSize : ISize
{
    public static ModelShape Shape { get; } = new(CellKind.Lstm, TSize.Input, TSize.Hidden);

    public static int Layers => 1;

    public static int Directions => 1;
}

/// <summary>LSTM-sized layer kernels that return at once (not inlined, as a real kernel is not): the runner's cost alone.</summary>
public readonly struct NullLayer<TSize> : ILayerKernels
    where TSize : ISize
{
    public static int Count => 4 * TSize.Hidden * (TSize.Input + TSize.Hidden + 2);

    public static int InputSize => TSize.Input;

    public static int RecurrentSize => TSize.Hidden;

    public static int StateSize => 2 * TSize.Hidden;

    public static int ParameterCount => Count;

    public static int ActivationsPerStep => 5 * TSize.Hidden;

    public static int GradientsPerStep => 4 * TSize.Hidden;

    public static int BackwardScratch => 2 * TSize.Hidden;

    public static int GateRows => 4 * TSize.Hidden;

    public static int FrozenLength => Count;

    public static int FrozenScratchPerStream => 0;

    public static int FrozenBatchMinimumStreams => int.MaxValue;

    public static bool PacksForBatch => false;

    /// <summary>As a generated LSTM layer of this size (under 96 units: Vector512 only when opted in).</summary>
    public static RnnGen.Simd.SimdPath ActivePath => RnnGen.Simd.SimdSupport.Vector512Kernels && TSize.Hidden >= 16 ? RnnGen.Simd.SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? RnnGen.Simd.SimdPath.Vector256 : RnnGen.Simd.SimdPath.Scalar;

    /// <summary>As a generated LSTM layer of this size: in place where its unit loop runs once.</summary>
    public static bool StepsInPlace =>
        TSize.Hidden == 8 ? Vector256.IsHardwareAccelerated : TSize.Hidden == 16 && RnnGen.Simd.SimdSupport.Vector512Kernels;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Step(ref float w, ref float x, ref float previous, ref float next, ref float activations)
    {
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch)
    {
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void StepProjected(ref float w, ref float projected, ref float previous, ref float next, ref float activations)
    {
    }

    public static void ProjectInputs(ref float w, ref float xs, int xStride, ref float projected, int steps) => throw new NotSupportedException();

    public static bool FrozenPacked => false;

    public static void FrozenProjectInputs(ref float frozen, ref float xs, int xStride, ref float projected, int steps) => throw new NotSupportedException();

    public static void FrozenStepProjected(ref float frozen, ref float projected, ref float state, ref float scratch) => throw new NotSupportedException();

    public static bool FrozenProjectsAhead => false;

    public static void FrozenStepProjectedAhead(ref float frozen, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead) =>
        throw new NotSupportedException();

    public static void StepBatch(ref float w, ref float x, int xStride, ref float previous, ref float next, ref float activations, int activationsStride, int count) => throw new NotSupportedException();

    public static void BackwardStep(ref float w, ref float previous, ref float activations, ref float dNext, ref float dOut, ref float da, ref float dPrev, ref float dx, bool computeDx) => throw new NotSupportedException();

    public static void BackwardStepBatch(ref float w, ref float previous, ref float activations, ref float dNext, ref float dOut, int dOutStride, ref float da, ref float dPrev, ref float dx, int dxStride, bool computeDx, int count) =>
        throw new NotSupportedException();

    public static void InputGradients(ref float w, ref float daRows, ref float dxRows, int dxStride, int count) => throw new NotSupportedException();

    public static void ParameterGradients(ref float dp, ref float da, ref float inputs, ref float states, ref float activations, int steps) => throw new NotSupportedException();

    public static void Freeze(ReadOnlySpan<float> parameters, Span<float> frozen) => parameters.CopyTo(frozen);

    public static void FrozenStepBatch(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count) => throw new NotSupportedException();

    public static int FrozenLengthBFloat16 => Count;

    public static void FreezeBFloat16(ReadOnlySpan<float> rounded, Span<float> frozen) => rounded.CopyTo(frozen);

    public static void FrozenStepBFloat16(ref float frozen, ref float x, ref float state, ref float scratch) => throw new NotSupportedException();

    public static void FrozenStepBatchBFloat16(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count) => throw new NotSupportedException();

    public static void StepBatchPacked(ref float packed, ref float xs, int xStride, ref float previous, ref float next, ref float activations, int activationsStride, ref float sums, int count) =>
        throw new NotSupportedException();
}
