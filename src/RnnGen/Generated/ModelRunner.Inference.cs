using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace RnnGen.Generated;

// Inference: streaming steps (forward in time only), and sequence passes layer by layer through a workspace (any
// direction count), for one stream or a batch of B independent streams at once. Both run either on the model's own
// parameters (Live) or on a frozen copy (Frozen; FrozenBFloat16 for a bfloat16 copy, whose precision the Frozen*
// entry points take). Batched layouts: inputs [T, B, I] and outputs [T, B, O] time-major
// (row t·B + b, PyTorch's batch_first=False), states [B, StateSize] (each stream's state in the single-stream layout).
// The streaming entry points and Stream are AggressiveOptimization: compiled fully optimised on their first call, with
// the layer and kernel dispatch inlined, and never recompiled, so a stream never runs tier-0 code on this path nor waits
// for a tier-up (Warmup.Prepare makes those first calls; docs/performance.md, "Cold start and real-time settings").
public abstract partial class ModelRunner<TModel, TFirst, TUpper, THead>
{
    /// <summary>Floats of stack a batched pass may use for its chunk of streams' states and scratch (128 KB).</summary>
    private const int StackBudget = 32768;

    /// <summary>The most streams one kernel call steps together: enough to read each weight once for many streams.</summary>
    private const int MaxChunk = 32;

    /// <summary>One step of a single-layer cell, whose output is its h: <c>state[..H]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> state)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        if (!SingleLayerState || HasHead)
        {
            Stream<Live>(ref Ref(parameters), input, default, state, 1, 1);
            return;
        }

        // A cell's step goes straight to its layer: Stream's chunking, hoisting and output decisions cost a few ns per step.
        Span<float> scratch = stackalloc float[LayerState + Live.ScratchShared];
        Live.Layer(0, 0, ref Ref(parameters), ref Ref(input), InputSize, ref Ref(state), ref Ref(scratch), 1);
    }

    /// <summary>One streaming step through every layer and the head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(ReadOnlySpan<float> parameters, ReadOnlySpan<float> input, Span<float> state, Span<float> output)
    {
        CheckStep(input, state, output);
        Stream<Live>(ref Ref(parameters), input, output, state, 1, 1);
    }

    /// <summary>A sequence: one Step per step, layer 0's input projections computed a block of steps at a time (same values up to float rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state)
    {
        int steps = CheckSequence(inputs, outputs, state, 1, nameof(state));
        LiveStream(parameters, inputs, outputs, state, 1, steps);
    }

    /// <summary>A checked stream of <paramref name="batch"/> sequences on the parameters, or on a packed copy of them where PacksPerSequence says so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LiveStream(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, int batch, int steps)
    {
        if (PacksPerSequence(steps, batch))
        {
            Stream<Frozen>(ref Ref(Packed(parameters)), inputs, outputs, states, batch, steps);
            return;
        }

        Stream<Live>(ref Ref(parameters), inputs, outputs, states, batch, steps);
    }

    /// <summary>A sequence through a workspace: layer by layer when bidirectional, else as the streaming Forward.</summary>
    public static void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Workspace<float> workspace) =>
        LiveWorkspacePass(parameters, inputs, outputs, state, workspace, batched: false);

    /// <summary>A checked pass through a workspace on the parameters, or on a packed copy of them where PacksPerSequence says so.</summary>
    private static void LiveWorkspacePass(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace, bool batched)
    {
        int steps = CheckWorkspacePass(inputs, outputs, states, workspace, batched, out int batch);
        if (PacksPerSequence(steps, batch))
        {
            WorkspacePass<Frozen>(ref Ref(Packed(parameters)), inputs, outputs, states, workspace, batch, steps);
            return;
        }

        WorkspacePass<Live>(ref Ref(parameters), inputs, outputs, states, workspace, batch, steps);
    }

    /// <summary>
    /// The parameters as Freeze lays them out, in this thread's buffer: a sequence long enough to pay for packing
    /// (PacksPerSequence) then runs the frozen kernels (column streams, no horizontal sums) on the parameters of the call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Span<float> Packed(ReadOnlySpan<float> parameters)
    {
        Span<float> frozen = RnnGen.Simd.PackedScratch.For(FrozenLength);
        FreezeInto(parameters, frozen, bfloat16: false);
        return frozen;
    }

    /// <summary>One step of B single-layer cells: stream b's input at inputs[b·I…], its state at states[b·S…] (output h = its first H values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StepBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> states)
    {
        int batch = CheckStepBatch(inputs, states, default, withOutputs: false);
        Stream<Live>(ref Ref(parameters), inputs, default, states, batch, 1);
    }

    /// <summary>One streaming step of B streams, each through every layer and the head: outputs [B, O].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StepBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> states, Span<float> outputs)
    {
        int batch = CheckStepBatch(inputs, states, outputs, withOutputs: true);
        Stream<Live>(ref Ref(parameters), inputs, outputs, states, batch, 1);
    }

    /// <summary>B sequences, step by step: inputs [T, B, I], outputs [T, B, O], states [B, S]; on a packed copy as Forward (PacksPerSequence).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states)
    {
        int batch = Batch(states, nameof(states));
        int steps = CheckSequence(inputs, outputs, states, batch, nameof(states));
        LiveStream(parameters, inputs, outputs, states, batch, steps);
    }

    /// <summary>B sequences through a workspace: layer by layer when bidirectional; on a packed copy as Forward (PacksPerSequence).</summary>
    public static void ForwardBatch(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace) =>
        LiveWorkspacePass(parameters, inputs, outputs, states, workspace, batched: true);

    /// <summary>One step of a frozen single-layer cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FrozenStep(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> input, Span<float> state)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        if (precision == WeightPrecision.BFloat16)
        {
            Stream<FrozenBFloat16>(ref Ref(frozen), input, default, state, 1, 1);
            return;
        }

        if (!SingleLayerState || HasHead)
        {
            Stream<Frozen>(ref Ref(frozen), input, default, state, 1, 1);
            return;
        }

        // As Step: straight to the layer's frozen step.
        Span<float> scratch = stackalloc float[Frozen.ScratchPerStream + Frozen.ScratchShared];
        Frozen.Layer(0, 0, ref Ref(frozen), ref Ref(input), InputSize, ref Ref(state), ref Ref(scratch), 1);
    }

    /// <summary>One streaming step of a frozen model.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FrozenStep(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> input, Span<float> state, Span<float> output)
    {
        CheckStep(input, state, output);
        if (precision == WeightPrecision.BFloat16)
        {
            Stream<FrozenBFloat16>(ref Ref(frozen), input, output, state, 1, 1);
        }
        else
        {
            Stream<Frozen>(ref Ref(frozen), input, output, state, 1, 1);
        }
    }

    /// <summary>A sequence on a frozen model: one FrozenStep per step, layer 0's input projections computed a block of steps at a time where that pays (same values up to float rounding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FrozenForward(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state)
    {
        int steps = CheckSequence(inputs, outputs, state, 1, nameof(state));
        if (precision == WeightPrecision.BFloat16)
        {
            Stream<FrozenBFloat16>(ref Ref(frozen), inputs, outputs, state, 1, steps);
        }
        else
        {
            Stream<Frozen>(ref Ref(frozen), inputs, outputs, state, 1, steps);
        }
    }

    /// <summary>A sequence on a frozen model through a workspace.</summary>
    public static void FrozenForward(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> state, Workspace<float> workspace) =>
        FrozenSequence(frozen, precision, inputs, outputs, state, workspace, batched: false);

    /// <summary>One step of B frozen single-layer cells.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FrozenStepBatch(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> states)
    {
        int batch = CheckStepBatch(inputs, states, default, withOutputs: false);
        if (precision == WeightPrecision.BFloat16)
        {
            Stream<FrozenBFloat16>(ref Ref(frozen), inputs, default, states, batch, 1);
        }
        else
        {
            Stream<Frozen>(ref Ref(frozen), inputs, default, states, batch, 1);
        }
    }

    /// <summary>One streaming step of B streams on a frozen model.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FrozenStepBatch(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> states, Span<float> outputs)
    {
        int batch = CheckStepBatch(inputs, states, outputs, withOutputs: true);
        if (precision == WeightPrecision.BFloat16)
        {
            Stream<FrozenBFloat16>(ref Ref(frozen), inputs, outputs, states, batch, 1);
        }
        else
        {
            Stream<Frozen>(ref Ref(frozen), inputs, outputs, states, batch, 1);
        }
    }

    /// <summary>B sequences on a frozen model, step by step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FrozenForwardBatch(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states)
    {
        int batch = Batch(states, nameof(states));
        int steps = CheckSequence(inputs, outputs, states, batch, nameof(states));
        if (precision == WeightPrecision.BFloat16)
        {
            Stream<FrozenBFloat16>(ref Ref(frozen), inputs, outputs, states, batch, steps);
        }
        else
        {
            Stream<Frozen>(ref Ref(frozen), inputs, outputs, states, batch, steps);
        }
    }

    /// <summary>B sequences on a frozen model through a workspace.</summary>
    public static void FrozenForwardBatch(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace) =>
        FrozenSequence(frozen, precision, inputs, outputs, states, workspace, batched: true);

    /// <summary>A workspace pass on a frozen copy of <paramref name="precision"/>.</summary>
    private static void FrozenSequence(ReadOnlySpan<float> frozen, WeightPrecision precision, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace, bool batched)
    {
        if (precision == WeightPrecision.BFloat16)
        {
            Sequence<FrozenBFloat16>(ref Ref(frozen), inputs, outputs, states, workspace, batched);
        }
        else
        {
            Sequence<Frozen>(ref Ref(frozen), inputs, outputs, states, workspace, batched);
        }
    }

    private static void CheckStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output)
    {
        Guard.Length(input.Length, InputSize, nameof(input));
        Guard.Length(state.Length, StateSize, nameof(state));
        Guard.Length(output.Length, OutputSize, nameof(output));
    }

    /// <summary>B from the states (a whole number of states, at least one), with inputs [B, I] and outputs [B, O] checked.</summary>
    private static int CheckStepBatch(ReadOnlySpan<float> inputs, Span<float> states, Span<float> outputs, bool withOutputs)
    {
        int batch = Batch(states, nameof(states));
        Guard.Length(inputs.Length, batch * InputSize, nameof(inputs));
        if (withOutputs)
        {
            Guard.Length(outputs.Length, batch * OutputSize, nameof(outputs));
        }

        return batch;
    }

    /// <summary>B = states.Length / StateSize: a positive whole number of states.</summary>
    private static int Batch(Span<float> states, string paramName)
    {
        int batch = Guard.Rows(states.Length, StateSize, paramName);
        if (batch == 0)
        {
            ThrowNoStreams(paramName);
        }

        return batch;
    }

    /// <summary>
    /// Out of line, so that the batched entry points, which inline <see cref="Batch"/>, do not carry the message's
    /// formatting: inlined, it could exhaust their inlining budget (KernelInliningTests saw `StateSize` left as a call).
    /// </summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNoStreams(string paramName) =>
        throw new ArgumentException($"{paramName} has length 0; expected B·{StateSize} values, one state per stream (B ≥ 1).", paramName);

    /// <summary>T from inputs [T, B, I], with outputs [T, B, O] and the state(s) [B, S] checked (B = 1: the single-stream calls' "state").</summary>
    private static int CheckSequence(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, int batch, string statesName)
    {
        int steps = Guard.Rows(inputs.Length, batch * InputSize, nameof(inputs));
        Guard.Length(outputs.Length, steps * batch * OutputSize, nameof(outputs));
        Guard.Length(states.Length, batch * StateSize, statesName);
        return steps;
    }

    /// <summary>A workspace pass: checked, then layer by layer when bidirectional, else streamed.</summary>
    private static void Sequence<TStep>(ref float weights, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace, bool batched)
        where TStep : IStepper
    {
        int steps = CheckWorkspacePass(inputs, outputs, states, workspace, batched, out int batch);
        WorkspacePass<TStep>(ref weights, inputs, outputs, states, workspace, batch, steps);
    }

    /// <summary>A workspace pass's checks: B (1 unless <paramref name="batched"/>), the lengths, the workspace's shape and size; returns T.</summary>
    private static int CheckWorkspacePass(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace, bool batched, out int batch)
    {
        batch = batched ? Batch(states, nameof(states)) : 1;
        int steps = CheckSequence(inputs, outputs, states, batch, batched ? nameof(states) : "state");
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.EnsureFits(TModel.Shape, steps, batch, nameof(workspace));
        return steps;
    }

    /// <summary>A checked workspace pass: layer by layer when bidirectional, else streamed.</summary>
    private static void WorkspacePass<TStep>(ref float weights, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace, int batch, int steps)
        where TStep : IStepper
    {
        if (Directions == 1)
        {
            Stream<TStep>(ref weights, inputs, outputs, states, batch, steps);
        }
        else
        {
            Sweep<TStep>(ref weights, inputs, outputs, states, workspace, batch, steps);
        }
    }

    /// <summary>
    /// Floats of stack a sequence of one stream may use for its block of a hoisted layer's input projections (64 KB):
    /// blocks of 16 steps up to 1,024 gate rows (an LSTM of 256 units), one Vector512 of steps in the transposed
    /// projection (InputProjection.Transposed.cs).
    /// </summary>
    private const int ProjectionBudget = 16384;

    /// <summary>
    /// The same where layer 0 projects ahead (64 KB): two blocks of ILayerKernels.AheadSteps, so up to 1,024 gate rows
    /// (an LSTM of 256 units).
    /// </summary>
    private const int AheadBudget = 16384;

    /// <summary>
    /// Layer 0's W_ih and W_hh floats from which hoisting pays on the parameters (256 KB) where the layer steps on Vector256
    /// or narrower. In-process on a Zen 4 (T = 100,
    /// weights ×4, medians of 7 rounds): Forward ÷ Step 0.90–0.92 at (64,128) (0.92–0.95 with AVX-512 off) and 0.73–0.79
    /// at (128,256) hoisted, 1.12–1.14 at LSTM (32,64), whose 96 KB stay in L2 and whose extra pass over the
    /// projections costs more than reading W_ih each step (InputProjection).
    /// </summary>
    private const int HoistingMinimumWeights = 64 * 1024;

    /// <summary>
    /// The same where the layer steps on Vector512 (384 KB): with that step's weights in L2, the projection's separate pass
    /// costs about what not reading W_ih each step saves (as many ns per multiply-add as the step's own). In-process on a Zen 5
    /// (medians of 7 rounds) hoisted ÷ unhoisted Forward: 1.06–1.11 at GRU (64,128) and (96,128), 0.93–1.07 at LSTM
    /// (32,128); 0.94–0.96 at GRU (128,128) and 0.90–0.91 at LSTM (64,128), both 384 KB.
    /// </summary>
    private const int HoistingMinimumWeights512 = 96 * 1024;

    /// <summary>Layer W_ih + W_hh floats from which a sequence of one stream hoists, on the path the layer steps on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HoistingMinimum(RnnGen.Simd.SimdPath path) =>
        path == RnnGen.Simd.SimdPath.Vector512 ? HoistingMinimumWeights512 : HoistingMinimumWeights;

    /// <summary>
    /// The same on a packed frozen copy (64 KB), whose projection is an outer product with no horizontal sums
    /// (PackedInputProjection): a rough in-process A/B on the shared 2-core AMD EPYC (loaded) measured the hoisted frozen Forward at 0.76–0.86×
    /// the unhoisted one from (32,64) to (128,256), LSTM and GRU, and level (0.97–1.02) at (1,16) and (8,32).
    /// </summary>
    private const int PackedHoistingMinimumWeights = 16 * 1024;

    /// <summary>
    /// Steps from which a live sequence of one stream packs its parameters for the frozen kernels first (Forward): 32, or
    /// 64 below <see cref="SmallPackedFloats"/>. A pack costs a fixed ~2 µs plus ~0.1 ns per float (BlockTranspose), and the
    /// first steps on freshly written weights run slower; in-process on a Zen 5 (T = 4…100, weights ×4) packing broke
    /// even at T ≈ 35–40 for (8,32), 8–16 for (32,64) and (64,128), 16–30 for (128,256).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PackingMinimumSteps() => FrozenLength < SmallPackedFloats ? 64 : 32;

    /// <summary>Packed floats (64 KB) below which a model counts as small for <see cref="PackingMinimumSteps"/>.</summary>
    private const int SmallPackedFloats = 16384;

    /// <summary>Floats of a packed copy up to which a live sequence packs (4 MB): beyond it the per-thread buffer would be large, and the step L3-bound either way.</summary>
    private const int PackingMaximumFloats = 1 << 20;

    /// <summary>
    /// Whether a live pass of <paramref name="batch"/> sequences of <paramref name="steps"/> runs on a packed copy: the copy
    /// in range and, for one stream, every layer packed and the sequence long enough; for more, at least every layer's
    /// FrozenBatchMinimumStreams and enough steps. The Vector512 body (from 2 streams) beat the live StepBatch at every size
    /// measured (in-process on a Zen 5, T = 100, B = 2…32, ns per stream-step, live → packed frozen): GRU (8,32) 112–114 →
    /// 60–78, LSTM (8,32) 154–156 → 92–112, GRU (64,128) 908–1,270 → 673–933, LSTM (64,128) 1,513–2,185 → 945–1,196,
    /// GRU (128,256) 7,934–8,807 → 2,549–4,831, LSTM (128,256) 11,885–13,000 → 3,497–6,942; there T·B from 32 (64)
    /// stream-steps repays the pack. The Vector256 body does not reliably below 8 streams (AVX-512 off, same sizes: GRU
    /// 0.95–1.24×, LSTM 0.75–1.06× the live time, by batch size); from 8 an LSTM's took 0.75–0.96× there, and on a Zen 3
    /// (AVX2 only; T = 32 and 100, B = 8 and 32) a GRU's 0.66–0.98× at (32,64)–(128,256). That gains less per stream-step,
    /// so there each stream's sequence must be as long as one that packs alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PacksPerSequence(int steps, int batch)
    {
        if (FrozenLength > PackingMaximumFloats)
        {
            return false;
        }

        if (batch == 1)
        {
            return steps >= PackingMinimumSteps() && TFirst.FrozenPacked && (Layers == 1 || TUpper.FrozenPacked);
        }

        int fewest = Layers == 1 ? TFirst.FrozenBatchMinimumStreams : Math.Max(TFirst.FrozenBatchMinimumStreams, TUpper.FrozenBatchMinimumStreams);
        bool vector512Body = fewest <= 2;   // only the Vector512 body packs from 2 streams
        return batch >= fewest && (vector512Body ? (long)steps * batch : steps) >= PackingMinimumSteps();
    }

    /// <summary>
    /// Whether a sequence of one stream hoists a layer's input projection (layer 0, or any upper one) on TStep's weights:
    /// its gate rows fit the budget and its W_ih + W_hh floats reach TStep.HoistingMinimumWeights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Hoists<TStep>(int layer)
        where TStep : IStepper
    {
        int gateRows = layer == 0 ? TFirst.GateRows : TUpper.GateRows;
        return gateRows <= ProjectionBudget && LayerWeights(layer) >= TStep.HoistingMinimumWeights(layer);
    }

    /// <summary>
    /// Steps per block of input projections: as many as the budget holds, at most T; a multiple of 16 (8, 4) where 16 (8, 4)
    /// or more fit, so that the transposed projection's tiles of 16 or 8 steps are full.
    /// </summary>
    private static int ProjectionBlock(int steps, int gateRows)
    {
        int block = ProjectionBudget / gateRows;
        return Math.Min(steps, block >= 16 ? block & ~15 : block >= 8 ? block & ~7 : block >= 4 ? block & ~3 : block);
    }

    /// <summary>How many streams one kernel call steps: all of them up to <see cref="MaxChunk"/>, as the stack budget allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChunkFor(int batch, int floatsPerStream) =>
        Math.Max(1, Math.Min(Math.Min(batch, MaxChunk), StackBudget / Math.Max(1, floatsPerStream)));

    /// <summary>
    /// Steps forward in time, every layer per step (one direction only), for B streams in chunks: per chunk the layer
    /// states are gathered once into contiguous h-then-c rows and scattered once; each layer reads the h the layer below
    /// just wrote. Outputs may be empty (a cell's Step: the output is h, in the state).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Stream<TStep>(ref float weights, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, int batch, int steps)
        where TStep : IStepper
    {
        // Per stream: its layer states (unless the state already is one), the kernels' scratch, and the head's input.
        int layerStates = SingleLayerState ? 0 : Layers * LayerState;
        int perStream = layerStates + TStep.ScratchPerStream + (HasHead ? Recurrent : 0);
        int chunk = ChunkFor(batch, perStream);
        Span<float> scratch = stackalloc float[chunk * perStream + TStep.ScratchShared];

        // A sequence of one stream whose layer 0 is large enough (TStep.HoistingMinimumWeights(0)) hoists that layer's input
        // part out of the recurrence: W_ih·x_t + b_ih for a block of steps at a time (one blocked product), then each step
        // adds only W_hh·h. Upper layers read the h the layer below has just written, so they step as Step does.
        int gateRows = TFirst.GateRows;
        bool hoist = batch == 1 && steps > 1 && Hoists<TStep>(0);
        // Where layer 0's packed step can hide it (TStep.ProjectsAhead), each block of AheadSteps computes the next block's
        // input parts while it steps: two blocks of projections, the one being read and the one being written.
        bool ahead = hoist && TStep.ProjectsAhead && 2 * ILayerKernels.AheadSteps * gateRows <= AheadBudget && steps >= 2 * ILayerKernels.AheadSteps;
        int block = ahead ? ILayerKernels.AheadSteps : hoist ? ProjectionBlock(steps, gateRows) : 0;
        Span<float> projections = hoist ? stackalloc float[(ahead ? 2 : 1) * block * gateRows] : default;
        ref float s = ref Ref(states);
        for (int b0 = 0; b0 < batch; b0 += chunk)
        {
            int count = Math.Min(chunk, batch - b0);
            ref float first = ref SingleLayerState ? ref At(ref s, b0 * StateSize) : ref Ref(scratch);
            ref float kernelScratch = ref At(ref Ref(scratch), chunk * layerStates);
            ref float headInputs = ref At(ref kernelScratch, chunk * TStep.ScratchPerStream + TStep.ScratchShared);
            if (!SingleLayerState)
            {
                for (int b = 0; b < count; b++)
                {
                    for (int layer = 0; layer < Layers; layer++)
                    {
                        Gather(ref At(ref s, (b0 + b) * StateSize), layer, 0, ref At(ref first, (layer * chunk + b) * LayerState));
                    }
                }
            }

            for (int t = 0; t < steps; t++)
            {
                ref float x = ref At(ref Ref(inputs), (t * batch + b0) * InputSize);
                if (ahead)
                {
                    // Blocks alternate between the two halves; a block followed by a whole one projects it while stepping.
                    int i = t % block, following = steps - (t - i) - block;
                    ref float current = ref At(ref Ref(projections), (t / block % 2) * block * gateRows);
                    ref float next = ref At(ref Ref(projections), (1 - t / block % 2) * block * gateRows);
                    if (t == 0)
                    {
                        TStep.ProjectInputs(0, 0, ref weights, ref x, InputSize, ref current, block);
                    }

                    if (following >= block)
                    {
                        TStep.LayerProjectedAhead(ref weights, ref At(ref current, i * gateRows), ref first, ref kernelScratch, i, ref At(ref x, (block - i) * InputSize), ref next);
                    }
                    else
                    {
                        if (i == 0 && following > 0)
                        {
                            TStep.ProjectInputs(0, 0, ref weights, ref At(ref x, block * InputSize), InputSize, ref next, following);
                        }

                        TStep.LayerProjected(0, 0, ref weights, ref At(ref current, i * gateRows), ref first, ref kernelScratch);
                    }
                }
                else if (hoist)
                {
                    int i = t % block;
                    if (i == 0)
                    {
                        TStep.ProjectInputs(0, 0, ref weights, ref x, InputSize, ref Ref(projections), Math.Min(block, steps - t));
                    }

                    TStep.LayerProjected(0, 0, ref weights, ref At(ref Ref(projections), i * gateRows), ref first, ref kernelScratch);
                }
                else
                {
                    TStep.Layer(0, 0, ref weights, ref x, InputSize, ref first, ref kernelScratch, count);
                }
                for (int layer = 1; layer < Layers; layer++)
                {
                    // Each stream's h in the layer below starts its state row.
                    ref float below = ref At(ref first, (layer - 1) * chunk * LayerState);
                    TStep.Layer(layer, 0, ref weights, ref below, LayerState, ref At(ref first, layer * chunk * LayerState), ref kernelScratch, count);
                }

                if (!outputs.IsEmpty)
                {
                    ref float top = ref At(ref first, (Layers - 1) * chunk * LayerState);
                    ref float output = ref At(ref Ref(outputs), (t * batch + b0) * OutputSize);
                    if (HasHead)
                    {
                        // The head reads rows of Hout: the top h of each stream, side by side.
                        for (int b = 0; b < count; b++)
                        {
                            Copy(ref At(ref top, b * LayerState), ref At(ref headInputs, b * Recurrent), Recurrent);
                        }

                        TStep.Head(ref weights, ref headInputs, ref output, count);
                    }
                    else
                    {
                        for (int b = 0; b < count; b++)
                        {
                            Copy(ref At(ref top, b * LayerState), ref At(ref output, b * OutputSize), Recurrent);
                        }
                    }
                }
            }

            if (!SingleLayerState)
            {
                for (int b = 0; b < count; b++)
                {
                    for (int layer = 0; layer < Layers; layer++)
                    {
                        Scatter(ref At(ref first, (layer * chunk + b) * LayerState), ref At(ref s, (b0 + b) * StateSize), layer, 0);
                    }
                }
            }
        }
    }

    /// <summary>
    /// B sequences layer by layer: each direction of a layer runs over the whole sequence (the reverse one from the
    /// last step back), writing its h into its half of each output row, before the next layer reads those rows. With
    /// one stream, a layer large enough (Hoists) hoists each direction's input projection as
    /// Stream does layer 0's: its whole input sequence is known, so every layer can.
    /// </summary>
    private static void Sweep<TStep>(ref float weights, ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace, int batch, int steps)
        where TStep : IStepper
    {
        int perStream = LayerState + TStep.ScratchPerStream;
        int chunk = ChunkFor(batch, perStream);
        Span<float> scratch = stackalloc float[chunk * perStream + TStep.ScratchShared];
        ref float layerStates = ref Ref(scratch);
        ref float kernelScratch = ref At(ref layerStates, chunk * LayerState);
        ref float s = ref Ref(states);
        bool hoistFirst = batch == 1 && steps > 1 && Hoists<TStep>(0);
        bool hoistUpper = batch == 1 && steps > 1 && Layers > 1 && Hoists<TStep>(1);
        Span<float> projections = hoistFirst || hoistUpper ? stackalloc float[ProjectionBudget] : default;
        ReadOnlySpan<float> layerInputs = inputs;
        int inputWidth = InputSize;
        for (int layer = 0; layer < Layers; layer++)
        {
            Span<float> layerOutputs = layer == Layers - 1 && !HasHead ? outputs : workspace.LayerOutputs(layer & 1, steps * batch);
            bool hoist = layer == 0 ? hoistFirst : hoistUpper;
            int gateRows = layer == 0 ? TFirst.GateRows : TUpper.GateRows;
            int block = hoist ? ProjectionBlock(steps, gateRows) : 0;
            for (int direction = 0; direction < Directions; direction++)
            {
                for (int b0 = 0; b0 < batch; b0 += chunk)
                {
                    int count = Math.Min(chunk, batch - b0);
                    for (int b = 0; b < count; b++)
                    {
                        Gather(ref At(ref s, (b0 + b) * StateSize), layer, direction, ref At(ref layerStates, b * LayerState));
                    }

                    for (int i = 0; i < steps; i++)
                    {
                        int t = direction == 0 ? i : steps - 1 - i;
                        ref float x = ref At(ref Ref(layerInputs), (t * batch + b0) * inputWidth);
                        if (hoist)
                        {
                            // The block of the n steps this direction takes from its i0-th on, projected in time order
                            // from step first: the forward direction's start at i0, the reverse one's end there.
                            int i0 = i - i % block, n = Math.Min(block, steps - i0), first = direction == 0 ? i0 : steps - i0 - n;
                            if (i % block == 0)
                            {
                                TStep.ProjectInputs(layer, direction, ref weights, ref At(ref Ref(layerInputs), first * inputWidth), inputWidth, ref Ref(projections), n);
                            }

                            TStep.LayerProjected(layer, direction, ref weights, ref At(ref Ref(projections), (t - first) * gateRows), ref layerStates, ref kernelScratch);
                        }
                        else
                        {
                            TStep.Layer(layer, direction, ref weights, ref x, inputWidth, ref layerStates, ref kernelScratch, count);
                        }

                        for (int b = 0; b < count; b++)
                        {
                            Copy(ref At(ref layerStates, b * LayerState), ref At(ref Ref(layerOutputs), (t * batch + b0 + b) * LayerOutput + direction * Recurrent), Recurrent);
                        }
                    }

                    for (int b = 0; b < count; b++)
                    {
                        Scatter(ref At(ref layerStates, b * LayerState), ref At(ref s, (b0 + b) * StateSize), layer, direction);
                    }
                }
            }

            layerInputs = layerOutputs;
            inputWidth = LayerOutput;
        }

        if (HasHead)
        {
            TStep.Head(ref weights, ref Ref(layerInputs), ref Ref(outputs), steps * batch);
        }
    }

    /// <summary>
    /// How a pass advances layer states by one step in place, and applies the head: on live or frozen weights. States
    /// of <c>count</c> streams lie one after another (LayerState apart); stream b's input is at x + b·xStride.
    /// </summary>
    private interface IStepper
    {
        /// <summary>Scratch floats per stream of a chunk.</summary>
        static abstract int ScratchPerStream { get; }

        /// <summary>Scratch floats shared by a chunk's streams.</summary>
        static abstract int ScratchShared { get; }

        static abstract void Layer(int layer, int direction, ref float weights, ref float x, int xStride, ref float states, ref float scratch, int count);

        /// <summary>A layer's W_ih + W_hh floats from which a sequence of one stream hoists its input projection.</summary>
        static abstract int HoistingMinimumWeights(int layer);

        /// <summary>A layer-direction's input parts of <paramref name="steps"/> steps (inputs xStride apart), one row of its GateRows per step.</summary>
        static abstract void ProjectInputs(int layer, int direction, ref float weights, ref float xs, int xStride, ref float projections, int steps);

        /// <summary>A layer-direction of one stream in place, its input part read from <paramref name="projected"/> (a row of <see cref="ProjectInputs"/>).</summary>
        static abstract void LayerProjected(int layer, int direction, ref float weights, ref float projected, ref float state, ref float scratch);

        /// <summary>Whether layer 0's hoisted steps compute the next block's input parts while they step (<see cref="LayerProjectedAhead"/>).</summary>
        static abstract bool ProjectsAhead { get; }

        /// <summary><see cref="LayerProjected"/> for step <paramref name="step"/> of a block of ILayerKernels.AheadSteps, also writing its share of the next block's input parts (ILayerKernels.FrozenStepProjectedAhead).</summary>
        static abstract void LayerProjectedAhead(ref float weights, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead);

        static abstract void Head(ref float weights, ref float x, ref float y, int rows);
    }

    /// <summary>
    /// The model's own parameters: each stream's state is copied aside (the kernels read previous, write next); the
    /// activations the kernels record are scratch here, one row shared by every stream.
    /// </summary>
    private readonly struct Live : IStepper
    {
        public static int ScratchPerStream { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => LayerState; }

        public static int ScratchShared { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TFirst.ActivationsPerStep; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Layer(int layer, int direction, ref float weights, ref float x, int xStride, ref float states, ref float scratch, int count)
        {
            ref float w = ref At(ref weights, Offset(layer, direction));
            ref float activations = ref At(ref scratch, count * LayerState);
            if (count == 1)
            {
                ref float previous = ref Previous(layer == 0 ? TFirst.StepsInPlace : TUpper.StepsInPlace, ref states, ref scratch);
                if (layer == 0)
                {
                    TFirst.Step(ref w, ref x, ref previous, ref states, ref activations);
                }
                else
                {
                    TUpper.Step(ref w, ref x, ref previous, ref states, ref activations);
                }

                return;
            }

            Copy(ref states, ref scratch, count * LayerState);
            if (layer == 0)
            {
                TFirst.StepBatch(ref w, ref x, xStride, ref scratch, ref states, ref activations, 0, count);
            }
            else
            {
                TUpper.StepBatch(ref w, ref x, xStride, ref scratch, ref states, ref activations, 0, count);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int HoistingMinimumWeights(int layer) => HoistingMinimum(layer == 0 ? TFirst.ActivePath : TUpper.ActivePath);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ProjectInputs(int layer, int direction, ref float weights, ref float xs, int xStride, ref float projections, int steps)
        {
            ref float w = ref At(ref weights, Offset(layer, direction));
            if (layer == 0)
            {
                TFirst.ProjectInputs(ref w, ref xs, xStride, ref projections, steps);
            }
            else
            {
                TUpper.ProjectInputs(ref w, ref xs, xStride, ref projections, steps);
            }
        }

        /// <summary>A layer-direction of one stream, its input part read from <paramref name="projected"/> (one row of its ProjectInputs).</summary>
        public static void LayerProjected(int layer, int direction, ref float weights, ref float projected, ref float state, ref float scratch)
        {
            ref float w = ref At(ref weights, Offset(layer, direction));
            if (layer == 0)
            {
                TFirst.StepProjected(ref w, ref projected, ref Previous(TFirst.StepsInPlace, ref state, ref scratch), ref state, ref At(ref scratch, LayerState));
            }
            else
            {
                TUpper.StepProjected(ref w, ref projected, ref Previous(TUpper.StepsInPlace, ref state, ref scratch), ref state, ref At(ref scratch, LayerState));
            }
        }

        /// <summary>
        /// What one stream's layer step reads as previous: the state itself where the layer's step allows it (a copy puts
        /// two store-to-load hops between one h and the next), else its copy in scratch.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ref float Previous(bool inPlace, ref float state, ref float scratch)
        {
            if (inPlace)
            {
                return ref state;
            }

            Copy(ref state, ref scratch, LayerState);
            return ref scratch;
        }

        /// <summary>Never: the live projection reads PyTorch's row-major W_ih, with no packed step to hide it in.</summary>
        public static bool ProjectsAhead => false;

        public static void LayerProjectedAhead(ref float weights, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead) =>
            throw new UnreachableException("The live parameters never project ahead.");

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Head(ref float weights, ref float x, ref float y, int rows) =>
            THead.Forward(ref At(ref weights, HeadOffset), ref x, ref y, rows);
    }

    /// <summary>A frozen copy (<see cref="Freeze(ReadOnlySpan{float}, out int)"/>): the layer kernels' frozen steps.</summary>
    private readonly struct Frozen : IStepper
    {
        public static int ScratchPerStream { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Math.Max(TFirst.FrozenScratchPerStream, TUpper.FrozenScratchPerStream); }

        public static int ScratchShared { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => LayerState + TFirst.ActivationsPerStep; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Layer(int layer, int direction, ref float weights, ref float x, int xStride, ref float states, ref float scratch, int count)
        {
            ref float w = ref At(ref weights, FrozenOffset(layer, direction));
            if (count == 1)
            {
                if (layer == 0)
                {
                    TFirst.FrozenStep(ref w, ref x, ref states, ref scratch);
                }
                else
                {
                    TUpper.FrozenStep(ref w, ref x, ref states, ref scratch);
                }
            }
            else if (layer == 0)
            {
                TFirst.FrozenStepBatch(ref w, ref x, xStride, ref states, ref scratch, count);
            }
            else
            {
                TUpper.FrozenStepBatch(ref w, ref x, xStride, ref states, ref scratch, count);
            }
        }

        /// <summary>On a packed copy from <see cref="PackedHoistingMinimumWeights"/>, on a plain one as on the parameters.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int HoistingMinimumWeights(int layer) =>
            layer == 0
                ? TFirst.FrozenPacked ? PackedHoistingMinimumWeights : HoistingMinimum(TFirst.ActivePath)
                : TUpper.FrozenPacked ? PackedHoistingMinimumWeights : HoistingMinimum(TUpper.ActivePath);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ProjectInputs(int layer, int direction, ref float weights, ref float xs, int xStride, ref float projections, int steps)
        {
            ref float w = ref At(ref weights, FrozenOffset(layer, direction));
            if (layer == 0)
            {
                TFirst.FrozenProjectInputs(ref w, ref xs, xStride, ref projections, steps);
            }
            else
            {
                TUpper.FrozenProjectInputs(ref w, ref xs, xStride, ref projections, steps);
            }
        }

        /// <summary>A layer-direction of one stream in place, its input part read from <paramref name="projected"/> (one row of its FrozenProjectInputs).</summary>
        public static void LayerProjected(int layer, int direction, ref float weights, ref float projected, ref float state, ref float scratch)
        {
            ref float w = ref At(ref weights, FrozenOffset(layer, direction));
            if (layer == 0)
            {
                TFirst.FrozenStepProjected(ref w, ref projected, ref state, ref scratch);
            }
            else
            {
                TUpper.FrozenStepProjected(ref w, ref projected, ref state, ref scratch);
            }
        }

        public static bool ProjectsAhead { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TFirst.FrozenProjectsAhead; }

        public static void LayerProjectedAhead(ref float weights, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead) =>
            TFirst.FrozenStepProjectedAhead(ref At(ref weights, FrozenOffset(0, 0)), ref projected, ref state, ref scratch, step, ref xsAhead, ref projectedAhead);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Head(ref float weights, ref float x, ref float y, int rows) =>
            THead.Forward(ref At(ref weights, FrozenHeadOffset), ref x, ref y, rows);
    }

    /// <summary>A bfloat16 frozen copy (<see cref="Freeze(ReadOnlySpan{float}, WeightPrecision, out int)"/>): the layer kernels' bfloat16 frozen steps.</summary>
    private readonly struct FrozenBFloat16 : IStepper
    {
        public static int ScratchPerStream { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Frozen.ScratchPerStream; }

        public static int ScratchShared { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Frozen.ScratchShared; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Layer(int layer, int direction, ref float weights, ref float x, int xStride, ref float states, ref float scratch, int count)
        {
            ref float w = ref At(ref weights, FrozenOffsetBFloat16(layer, direction));
            if (count == 1)
            {
                if (layer == 0)
                {
                    TFirst.FrozenStepBFloat16(ref w, ref x, ref states, ref scratch);
                }
                else
                {
                    TUpper.FrozenStepBFloat16(ref w, ref x, ref states, ref scratch);
                }
            }
            else if (layer == 0)
            {
                TFirst.FrozenStepBatchBFloat16(ref w, ref x, xStride, ref states, ref scratch, count);
            }
            else
            {
                TUpper.FrozenStepBatchBFloat16(ref w, ref x, xStride, ref states, ref scratch, count);
            }
        }

        /// <summary>Never: the 16-bit packed step reads each pair of W_ih columns itself, and there is no 16-bit projection kernel.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int HoistingMinimumWeights(int layer) => int.MaxValue;

        public static void ProjectInputs(int layer, int direction, ref float weights, ref float xs, int xStride, ref float projections, int steps) =>
            throw new UnreachableException("A bfloat16 frozen copy never hoists its input projection.");

        public static void LayerProjected(int layer, int direction, ref float weights, ref float projected, ref float state, ref float scratch) =>
            throw new UnreachableException("A bfloat16 frozen copy never hoists its input projection.");

        public static bool ProjectsAhead => false;

        public static void LayerProjectedAhead(ref float weights, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead) =>
            throw new UnreachableException("A bfloat16 frozen copy never hoists its input projection.");

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Head(ref float weights, ref float x, ref float y, int rows) =>
            THead.Forward(ref At(ref weights, FrozenHeadOffsetBFloat16), ref x, ref y, rows);
    }
}
