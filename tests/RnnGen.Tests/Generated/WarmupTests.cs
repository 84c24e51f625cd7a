using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace RnnGen.Tests.Generated;

// Cells no other test steps, so that what these tests see compiled is what Warmup.Prepare compiled.
[Lstm(input: 5, hidden: 24)] public partial class WarmupLstm;
[Gru(input: 3, hidden: 16)] public partial class WarmupGru;
[Gru(input: 2, hidden: 8)] public partial class UnpreparedGru;
[Lstm(input: 6, hidden: 24)] public partial class WarmupSequenceLstm;
[Gru(input: 40, hidden: 64)] public partial class WarmupSequenceGru;
[Gru(input: 40, hidden: 64)] public partial class WarmupFrozenSequenceGru;

/// <summary>
/// <see cref="Warmup.Prepare{T}(IStreamingModel{T})"/>: after it, a streaming step compiles nothing on the caller's
/// thread (the JIT's own count, which a step on an unprepared cell does raise), and it leaves the weights as they were.
/// </summary>
public sealed class WarmupTests
{
    [Fact]
    public void AfterPrepareAStepCompilesNothing()
    {
        var lstm = new WarmupLstm(new Random(1));
        var gru = new WarmupGru(new Random(2));
        WarmupLstm.Frozen frozenLstm = lstm.Freeze();
        WarmupGru.Frozen frozenGru = gru.Freeze();
        Warmup.Prepare(lstm);
        Warmup.Prepare(gru);
        Warmup.Prepare(frozenLstm);
        Warmup.Prepare(frozenGru);

        Assert.Equal(0, CompiledByStepping(lstm, gru, frozenLstm, frozenGru));
    }

    [Fact]
    public void WithoutPrepareTheFirstStepCompiles()
    {
        var gru = new UnpreparedGru(new Random(3));
        float[] input = new float[UnpreparedGru.InputSize], state = new float[UnpreparedGru.StateSize];
        ReadOnlySpan<float> x = input;
        Span<float> s = state;
        long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        gru.Step(x, s);

        Assert.True(System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) > before, "a first step compiled nothing: the JIT count cannot show what Prepare does");
    }

    [Fact]
    public void AfterPrepareASequenceCompilesNothing()
    {
        // 64 steps pack both (the LSTM's copy is small, from 64; the GRU's from 32); 2 steps stay live; 40 steps on a
        // frozen copy hoist the input projection and, where Vector512 is accelerated, project each next block ahead.
        var lstm = new WarmupSequenceLstm(new Random(5));
        var gru = new WarmupSequenceGru(new Random(6));
        WarmupFrozenSequenceGru.Frozen frozenGru = new WarmupFrozenSequenceGru(new Random(7)).Freeze();   // its kernels prepared only through the snapshot
        Warmup.Prepare(lstm);
        Warmup.Prepare(gru);
        Warmup.Prepare(frozenGru);

        Assert.Equal(0, CompiledBySequences(lstm, gru, frozenGru));
    }

    /// <summary>
    /// The projection and packing helpers a sequence calls (not inlined into the kernels) are compiled fully optimised on
    /// their first call: at tier 0 they ran a short frozen GRU (32,64) Forward at 2,400–3,700 ns per step instead of 250
    /// until the runtime recompiled them (in-process, Zen 5), which a stream's first sequences would pay.
    /// </summary>
    [Fact]
    public void SequenceHelpersNeverStartAtTierZero()
    {
        string[] types = ["RnnGen.Simd.InputProjection", "RnnGen.Simd.PackedInputProjection", "RnnGen.Simd.GradientGather", "RnnGen.Simd.BlockTranspose", "RnnGen.Simd.PackedScratch"];
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var tierZero = new List<string>();
        foreach (string name in types)
        {
            Type type = typeof(Warmup).Assembly.GetType(name, throwOnError: true)!;
            foreach (MethodInfo method in type.GetMethods(All).Where(m => !m.Name.Contains('<', StringComparison.Ordinal) && m.GetMethodBody() is not null))
            {
                MethodImplAttributes flags = method.MethodImplementationFlags;
                bool inlined = (flags & MethodImplAttributes.AggressiveInlining) != 0, optimized = (flags & MethodImplAttributes.AggressiveOptimization) != 0;
                bool trivial = method.GetMethodBody()!.GetILAsByteArray()!.Length <= 16;   // the JIT inlines these anyway
                if (!inlined && !optimized && !trivial)
                {
                    tierZero.Add($"{name}.{method.Name}");
                }
            }
        }

        Assert.Empty(tierZero);
    }

    [Fact]
    public void PrepareLeavesTheWeightsAlone()
    {
        var gru = new WarmupGru(new Random(4));
        float[] before = gru.Parameters.ToArray();
        WarmupGru.Frozen frozen = gru.Freeze();
        float[] input = [0.5f, -0.25f, 1f], expected = new float[WarmupGru.StateSize], actual = new float[WarmupGru.StateSize];
        frozen.Step(input, expected);

        Warmup.Prepare(gru);
        Warmup.Prepare(frozen);
        frozen.Step(input, actual);

        Assert.Equal(before, gru.Parameters.ToArray());
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void NullIsRefused()
    {
        Assert.Throws<ArgumentNullException>(() => Warmup.Prepare((IStreamingModel<float>)null!));
        Assert.Throws<ArgumentNullException>(() => Warmup.Prepare((IFrozenStreamingModel<float>)null!));
    }

    /// <summary>
    /// Methods the JIT compiled on this thread while sequences of 2, 40 and 64 steps and batches of 4 × 16, 3 × 2 and
    /// 8 × 64 ran (as CompiledByStepping); the last packs where only Vector256 runs (an LSTM's batch of 8 streams).
    /// </summary>
    private static long CompiledBySequences(WarmupSequenceLstm lstm, WarmupSequenceGru gru, WarmupFrozenSequenceGru.Frozen frozenGru)
    {
        ReadOnlySpan<float> lstmInputs = new float[64 * WarmupSequenceLstm.InputSize], gruInputs = new float[64 * WarmupSequenceGru.InputSize];
        Span<float> lstmOutputs = new float[64 * WarmupSequenceLstm.OutputSize], gruOutputs = new float[64 * WarmupSequenceGru.OutputSize];
        Span<float> lstmState = new float[WarmupSequenceLstm.StateSize], gruState = new float[WarmupSequenceGru.StateSize];
        Span<float> gruStates = new float[4 * WarmupSequenceGru.StateSize];
        ReadOnlySpan<float> lstmBatchInputs = new float[8 * 64 * WarmupSequenceLstm.InputSize];
        Span<float> lstmBatchOutputs = new float[8 * 64 * WarmupSequenceLstm.OutputSize], lstmStates = new float[8 * WarmupSequenceLstm.StateSize];
        long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        lstm.Forward(lstmInputs, lstmOutputs, lstmState);
        lstm.Forward(lstmInputs[..(2 * WarmupSequenceLstm.InputSize)], lstmOutputs[..(2 * WarmupSequenceLstm.OutputSize)], lstmState);
        gru.Forward(gruInputs, gruOutputs, gruState);
        frozenGru.Forward(gruInputs[..(40 * WarmupSequenceGru.InputSize)], gruOutputs[..(40 * WarmupSequenceGru.OutputSize)], gruState);
        gru.ForwardBatch(gruInputs, gruOutputs, gruStates);   // 16 steps of 4 streams: packs where Vector512 runs the packed batched step
        gru.ForwardBatch(gruInputs[..(6 * WarmupSequenceGru.InputSize)], gruOutputs[..(6 * WarmupSequenceGru.OutputSize)], gruStates[..(3 * WarmupSequenceGru.StateSize)]);
        lstm.ForwardBatch(lstmBatchInputs, lstmBatchOutputs, lstmStates);
        return System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - before;
    }

    /// <summary>
    /// Methods the JIT compiled on this thread while the streaming entry points ran once each, counted after every span
    /// was made (this method itself is compiled before its first line runs, and at tier 0 inlines nothing).
    /// </summary>
    private static long CompiledByStepping(WarmupLstm lstm, WarmupGru gru, WarmupLstm.Frozen frozenLstm, WarmupGru.Frozen frozenGru)
    {
        ReadOnlySpan<float> lstmInput = new float[WarmupLstm.InputSize], lstmInputs = new float[4 * WarmupLstm.InputSize];
        Span<float> lstmState = new float[WarmupLstm.StateSize], lstmOutput = new float[WarmupLstm.OutputSize], lstmStates = new float[4 * WarmupLstm.StateSize];
        ReadOnlySpan<float> gruInput = new float[WarmupGru.InputSize];
        Span<float> gruState = new float[WarmupGru.StateSize], gruOutput = new float[WarmupGru.OutputSize];
        long before = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
        lstm.Step(lstmInput, lstmState);
        lstm.Step(lstmInput, lstmState, lstmOutput);
        lstm.StepBatch(lstmInputs, lstmStates);
        frozenLstm.Step(lstmInput, lstmState);
        frozenLstm.StepBatch(lstmInputs, lstmStates);
        gru.Step(gruInput, gruState);
        frozenGru.Step(gruInput, gruState, gruOutput);
        return System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - before;
    }
}
