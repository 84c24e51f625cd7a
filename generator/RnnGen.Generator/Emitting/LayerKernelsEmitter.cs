using System.Globalization;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Writes the kernels of one layer shape as a nested class: its constants (sizes and parameter offsets of one
/// direction), one kernel per instruction path behind a dispatcher, the frozen kernels, and an <c>Api</c> struct through
/// which RnnGen.Generated.ModelRunner calls them. The class shadows the model's size constants with the layer's own, so
/// the kernel bodies read the same whichever layer they serve.
/// </summary>
internal static class LayerKernelsEmitter
{
    /// <summary>The layer kernels' signatures (see <see cref="LayerKernels"/> for what the parameters hold).</summary>
    private static class Kernels
    {
        public static readonly Kernel Step = new("Step", "ref float w, ref float x, ref float previous, ref float next, ref float activations");

        public static readonly Kernel StepProjected = new("StepProjected", "ref float w, ref float projected, ref float previous, ref float next, ref float activations");

        public static readonly Kernel BackwardStep = new("BackwardStep", "ref float w, ref float previous, ref float activations, ref float dNext, ref float dOut, ref float da, ref float dPrev, ref float dx, bool computeDx");

        public static readonly Kernel ParameterGradients = new("ParameterGradients", "ref float dp, ref float da, ref float inputs, ref float states, ref float activations, int steps");

        public static readonly Kernel StepBatch = new("StepBatch", "ref float w, ref float xs, int xStride, ref float previousRows, ref float nextRows, ref float activationRows, int activationsStride, int count");

        public static readonly Kernel BackwardStepBatch = new("BackwardStepBatch", "ref float w, ref float previousRows, ref float activationRows, ref float dNextRows, ref float dOutRows, int dOutStride, ref float daRows, ref float dPrevRows, ref float dxRows, int dxStride, bool computeDx, int count");

        public static readonly Kernel InputGradients = new("InputGradients", "ref float w, ref float daRows, ref float dxRows, int dxStride, int count");

        public static readonly Kernel[] Dispatched = [Step, StepProjected, StepBatch, BackwardStep, BackwardStepBatch, InputGradients, ParameterGradients];

        public static readonly Kernel[] Training = [BackwardStep, BackwardStepBatch, InputGradients, ParameterGradients];
    }

    public static void Emit(SourceWriter w, string name, string title, LayerSpec spec)
    {
        LayerKernels kernels = LayerKernels.For(spec);
        Width[] widths = Width.For(spec.Hidden);
        Width[] forwardWidths = Width.ForForward(spec);
        Width[] trainingWidths = Width.ForTraining(spec.Hidden);
        string projection = spec.Projection > 0 ? $", projected to {N(spec.Projection)}" : "";
        string bias = spec.Bias ? "" : ", without biases";
        w.Line($"/// <summary>{title}: the {kernels.KindName}'s fixed-size kernels for {N(spec.Input)} inputs and {N(spec.Hidden)} hidden units{projection}{bias}, one per instruction path; callers have checked every length.</summary>");
        using (w.Block($"public abstract class {name} : {RuntimeTypes.KernelBase}"))
        {
            EmitConstants(w, kernels);
            w.Line();
            FileShell.EmitActivePath(w, forwardWidths, trainingOn512: Width.TrainsOnlyOn512ByDefault(spec));
            w.Line();
            EmitStateSteps(w, kernels, forwardWidths);
            FrozenEmitter.EmitKernels(w, kernels);
            EmitProjectInputs(w, kernels);
            foreach (Kernel kernel in Kernels.Dispatched)
            {
                kernel.EmitDispatch(w, Kernels.Training.Contains(kernel) ? trainingWidths : forwardWidths);
            }

            foreach (Width width in widths)
            {
                w.Line();
                kernels.EmitStepHelpers(w, width);
                string path = width.PathName;
                Kernels.Step.EmitBody(w, width, $"One step forward on the {path} path: previous → next, recording {kernels.ActivationsLayout}.",
                    () => kernels.EmitStep(w, width));
                Kernels.StepProjected.EmitBody(w, width, $"One step of a sequence on the {path} path, its input part W_ih·x + b_ih read from projected (ProjectInputs): previous → next, recording as Step does.",
                    () => kernels.EmitStep(w, width, hoisted: true));
                Kernels.StepBatch.EmitBody(w, width, $"One step of count streams on the {path} path: stream b reads xs[b·xStride…] and previousRows[b·StateSize…], writes its next state and activations.",
                    () => kernels.EmitStepBatch(w, width));
                Kernels.BackwardStep.EmitBody(w, width, $"One step back on the {path} path: dL/d(state after) and dL/d(output) → da, dL/d(state before) and dx.",
                    () => kernels.EmitBackwardStep(w, width));
                Kernels.BackwardStepBatch.EmitBody(w, width, $"One step back of count streams on the {path} path (each stream's rows at its stride).",
                    () => kernels.EmitBackwardStepBatch(w, width));
                Kernels.InputGradients.EmitBody(w, width, $"dx = W_ihᵀ·da for each of the count rows on the {path} path (a sequence's steps, after the steps back).",
                    () => kernels.EmitInputGradients(w, width));
                if (!width.IsScalar)
                {
                    // The batched step back's products (all of them, unless it goes stream by stream), and the input
                    // gradients' of count rows.
                    var batched = kernels.BackwardProducts.Where(p => kernels.BackwardBatchByStream is null || p.InputGradient);
                    MatrixEmitter.TransposedBlocks(w, width, batched.Where(p => p.Weights.Columns >= width.Lanes).Select(p => MatrixEmitter.BatchedVectors(width, p.Weights.Columns)));
                }

                Kernels.ParameterGradients.EmitBody(w, width, $"The parameter gradients of all steps at once on the {path} path, from the recorded da, inputs and states.",
                    () => kernels.EmitParameterGradients(w, width));
            }

            w.Line();
            EmitApi(w, kernels);
        }
    }

    /// <summary>StepsInPlace, and the one-state steps the frozen copies take where no packed kernel runs.</summary>
    private static void EmitStateSteps(SourceWriter w, LayerKernels kernels, Width[] widths)
    {
        w.Lines($$"""
            /// <summary>Whether Step and StepProjected may step a state in place (previous = next), saving the runner a copy.</summary>
            public static bool StepsInPlace { [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] get => {{kernels.StepsInPlace(widths)}}; }

            /// <summary>Step on one state, in place where StepsInPlace, else from a copy in scratch; scratch holds StateSize + ActivationsPerStep floats.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void StepState(ref float w, ref float x, ref float state, ref float scratch) =>
                Step(ref w, ref x, ref Previous(ref state, ref scratch), ref state, ref At(ref scratch, StateSize));

            /// <summary>StepProjected on one state, as StepState.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void StepProjectedState(ref float w, ref float projected, ref float state, ref float scratch) =>
                StepProjected(ref w, ref projected, ref Previous(ref state, ref scratch), ref state, ref At(ref scratch, StateSize));

            /// <summary>What a one-state step reads as previous: the state itself where StepsInPlace, else its copy in scratch.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static ref float Previous(ref float state, ref float scratch)
            {
                if (StepsInPlace)
                {
                    return ref state;
                }

                CopyStored(ref state, ref scratch, StateSize, StoredFloats);
                return ref scratch;
            }

            """);
    }

    private static void EmitConstants(SourceWriter w, LayerKernels kernels)
    {
        LayerSpec spec = kernels.Spec;
        string r = kernels.Recurrent;
        w.Line($"public const int InputSize = {N(spec.Input)};");
        w.Line($"public const int HiddenSize = {N(spec.Hidden)};");
        if (kernels.Projected)
        {
            w.Line($"public const int ProjectionSize = {N(spec.Projection)};");
        }

        w.Lines($$"""

            /// <summary>One direction's state ({{kernels.StateLayout}}) and parameters.</summary>
            public const int StateSize = {{N(spec.StateSize)}};

            /// <summary>Floats per store in which the kernels write the state's parts: a copy of it loads no more at a time.</summary>
            private const int StoredFloats = {{N(spec.StoredFloats)}};
            public const int ParameterCount = {{N(spec.ParameterCount)}};

            /// <summary>Where each tensor of one direction starts: weight_ih [G·H, I], weight_hh [G·H, {{(kernels.Projected ? "P" : "H")}}]{{(spec.Bias ? ", bias_ih, bias_hh [G·H]" : "")}}{{(kernels.Projected ? ", weight_hr [P, H]" : "")}}.</summary>
            public const int GateRows = {{N(spec.GateRows)}};
            public const int WeightIhOffset = 0;
            public const int WeightHhOffset = GateRows * InputSize;
            """);
        string afterWeights = $"WeightHhOffset + GateRows * {r}";
        if (spec.Bias)
        {
            w.Line($"public const int BiasIhOffset = {afterWeights};");
            w.Line("public const int BiasHhOffset = BiasIhOffset + GateRows;");
        }

        if (kernels.Projected)
        {
            w.Line($"public const int WeightHrOffset = {(spec.Bias ? "BiasHhOffset + GateRows" : afterWeights)};");
        }

        w.Lines($$"""

            /// <summary>Per step the tape records {{kernels.ActivationsLayout}}; the backward pass keeps its pre-activation gradients.</summary>
            public const int ActivationsPerStep = {{N(kernels.ActivationsPerStep)}};
            public const int GradientsPerStep = {{N(kernels.GradientsPerStep)}};
            public const int BackwardScratch = {{N(kernels.BackwardScratch)}};
            """);
    }

    /// <summary>The input projections of a block of steps, for StepProjected: one blocked product over weight_ih.</summary>
    private static void EmitProjectInputs(SourceWriter w, LayerKernels kernels)
    {
        string bias = kernels.Spec.Bias ? "ref At(ref w, BiasIhOffset), hasBias: true" : "ref w, hasBias: false";
        w.Lines($$"""

            /// <summary>Row t of projected (GateRows floats) = W_ih·x_t{{(kernels.Spec.Bias ? " + b_ih" : "")}} for the steps' inputs x_t = xs[t·xStride…], each weight read once per block of steps.</summary>
            private static void ProjectInputs(ref float w, ref float xs, int xStride, ref float projected, int steps) =>
                ProjectInputs(ref At(ref w, WeightIhOffset), {{bias}}, GateRows, InputSize, ref xs, xStride, ref projected, steps);
            """);
    }

    /// <summary>The struct the runner takes as a type argument: every member forwards to the kernels above.</summary>
    private static void EmitApi(SourceWriter w, LayerKernels kernels)
    {
        const string Contract = RuntimeTypes.ILayerKernels;
        w.Line("/// <summary>These kernels as the model's runner calls them.</summary>");
        using (w.Block($"public readonly struct Api : {Contract}"))
        {
            w.Lines($$"""
                static int {{Contract}}.InputSize => InputSize;
                static int {{Contract}}.RecurrentSize => {{kernels.Recurrent}};
                static int {{Contract}}.StateSize => StateSize;
                static int {{Contract}}.ParameterCount => ParameterCount;
                static int {{Contract}}.GateRows => GateRows;
                static int {{Contract}}.ActivationsPerStep => ActivationsPerStep;
                static int {{Contract}}.GradientsPerStep => GradientsPerStep;
                static int {{Contract}}.BackwardScratch => BackwardScratch;
                static int {{Contract}}.FrozenLength => FrozenLength;
                static bool {{Contract}}.StepsInPlace => StepsInPlace;
                static global::RnnGen.Simd.SimdPath {{Contract}}.ActivePath => ActivePath;
                """);
            foreach (Kernel kernel in Kernels.Dispatched)
            {
                w.Line(kernel.ApiMember(Contract));
            }

            w.Lines($$"""
                static void {{Contract}}.Freeze(global::System.ReadOnlySpan<float> parameters, global::System.Span<float> frozen) => Freeze(parameters, frozen);
                static void {{Contract}}.FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch) => FrozenStep(ref frozen, ref x, ref state, ref scratch);
                static int {{Contract}}.FrozenScratchPerStream => FrozenScratchPerStream;
                static int {{Contract}}.FrozenBatchMinimumStreams => FrozenBatchMinimumStreams;
                static void {{Contract}}.FrozenStepBatch(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count) =>
                    FrozenStepBatch(ref frozen, ref x, xStride, ref states, ref scratch, count);
                static void {{Contract}}.ProjectInputs(ref float w, ref float xs, int xStride, ref float projected, int steps) => ProjectInputs(ref w, ref xs, xStride, ref projected, steps);
                static int {{Contract}}.FrozenLengthBFloat16 => FrozenLengthBFloat16;
                static void {{Contract}}.FreezeBFloat16(global::System.ReadOnlySpan<float> rounded, global::System.Span<float> frozen) => FreezeBFloat16(rounded, frozen);
                static void {{Contract}}.FrozenStepBFloat16(ref float frozen, ref float x, ref float state, ref float scratch) => FrozenStepBFloat16(ref frozen, ref x, ref state, ref scratch);
                static void {{Contract}}.FrozenStepBatchBFloat16(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count) =>
                    FrozenStepBatchBFloat16(ref frozen, ref x, xStride, ref states, ref scratch, count);
                static bool {{Contract}}.FrozenPacked => FrozenPacked;
                static void {{Contract}}.FrozenProjectInputs(ref float frozen, ref float xs, int xStride, ref float projected, int steps) =>
                    FrozenProjectInputs(ref frozen, ref xs, xStride, ref projected, steps);
                static void {{Contract}}.FrozenStepProjected(ref float frozen, ref float projected, ref float state, ref float scratch) =>
                    FrozenStepProjected(ref frozen, ref projected, ref state, ref scratch);
                static bool {{Contract}}.FrozenProjectsAhead => FrozenProjectsAhead;
                static void {{Contract}}.FrozenStepProjectedAhead(ref float frozen, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead) =>
                    FrozenStepProjectedAhead(ref frozen, ref projected, ref state, ref scratch, step, ref xsAhead, ref projectedAhead);
                static bool {{Contract}}.PacksForBatch => PacksForBatch;
                static void {{Contract}}.StepBatchPacked(ref float packed, ref float xs, int xStride, ref float previous, ref float next, ref float activations, int activationsStride, ref float sums, int count) =>
                    StepBatchPacked(ref packed, ref xs, xStride, ref previous, ref next, ref activations, activationsStride, ref sums, count);
                """);
        }
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
