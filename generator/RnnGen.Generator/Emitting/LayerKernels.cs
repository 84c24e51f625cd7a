using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Where a state update reads and writes: h from <see cref="HiddenSource"/>, an LSTM's c from <see cref="CellSource"/>,
/// the new state into <c>next</c>, and with <see cref="Record"/> what the tape keeps into <c>activations</c>.
/// </summary>
internal sealed record StateTargets(string HiddenSource, string CellSource, bool Record)
{
    /// <summary>The recording step: previous → next.</summary>
    public static readonly StateTargets Recording = new("previous", "previous", Record: true);

    /// <summary>The packed frozen step: h from <c>previous</c> (a copy, or the state), c updated in place in <c>next</c>.</summary>
    public static readonly StateTargets Packed = new("previous", "next", Record: false);
}

/// <summary>
/// One gate pre-activation of a plain step's units j…: the variable, the helper call that sums it, its equation, and
/// whether that call reads x and previous (h).
/// </summary>
internal sealed record GateSum(string Name, string Sum, string Equation, bool ReadsInput = true, bool ReadsHidden = true);

/// <summary>
/// One transposed product of a backward step: <c>Destination = (Addend +) Wᵀ·da</c> over the gate blocks of
/// <see cref="Weights"/>, da from <see cref="DaOffset"/>. The input gradient (dx) is skipped when not asked for; the
/// recurrent one is flushed (it feeds the next step back).
/// </summary>
internal sealed record BackwardProduct(
    string Comment, MatrixOperand Weights, string DaOffset, string Destination,
    string? Addend, string? AddendOffset, string AddendComment, bool Flush, bool InputGradient);

/// <summary>
/// What differs between cell kinds: the buffer sizes of one step and the bodies of the three kernels, each rendered
/// once per instruction path, and the kind's part of the packed frozen step. Parameters of the kernels (all
/// <c>ref float</c>, lengths checked by the caller; see <see cref="LayerKernelsEmitter"/> for the signatures):
/// <list type="bullet">
/// <item>Step: w (this layer-direction's parameters), x, previous (state before), next (state after, distinct), activations (what the tape records).</item>
/// <item>BackwardStep: w, previous, activations, dNext (dL/d state after), dOut (dL/d output h), da (this step's pre-activation gradients), dPrev (dL/d state before, plus scratch), dx, computeDx.</item>
/// <item>ParameterGradients: dp (parameter gradients), da, inputs, states (row t: the state before step t), activations, steps.</item>
/// </list>
/// </summary>
internal abstract class LayerKernels(LayerSpec spec)
{
    public LayerSpec Spec { get; } = spec;

    public int Hidden => Spec.Hidden;

    public bool Projected => Spec.Projection > 0;

    /// <summary>
    /// When Step and StepProjected may take one state as both previous and next, as a C# condition: they must have read
    /// all of h, and each unit's c, before they write them. Where h' is written after the unit loop (the projected LSTM's
    /// W_hr·m, the reset-before GRU's second pass) that holds on every path whose unit loop has no overlapping last
    /// vector (H a multiple of its lanes: the last vector of the others recomputes units already written); otherwise
    /// only on a path whose unit loop runs once (H = its lanes: it is then the first path H gets).
    /// </summary>
    public string StepsInPlace(Width[] widths)
    {
        if (!Projected && !Spec.ResetBefore)
        {
            return widths[0].Lanes == Hidden ? widths[0].Condition : "false";
        }

        // Widest first, so a path that overlaps is only ever taken when no wider one is: it is enough that none is active.
        var overlapping = widths.Where(w => !w.IsScalar && Hidden % w.Lanes != 0).Select(w => "!" + w.Condition).ToList();
        return overlapping.Count == 0 ? "true" : string.Join(" && ", overlapping);
    }

    /// <summary>The constant naming h's width (where c starts in a state): HiddenSize, or ProjectionSize when projected.</summary>
    public string Recurrent => Projected ? "ProjectionSize" : "HiddenSize";

    /// <summary>Values the tape records per step (ModelLayout.ActivationsPerStep).</summary>
    public int ActivationsPerStep => Spec.Layout.ActivationsPerStep;

    /// <summary>Pre-activation gradients kept per step (ModelLayout.GradientsPerStep).</summary>
    public int GradientsPerStep => Spec.Layout.GradientsPerStep;

    /// <summary>Floats one backward step needs: dL/d previous state first, then any scratch (ModelLayout.BackwardScratch).</summary>
    public int BackwardScratch => Spec.Layout.BackwardScratch;

    /// <summary>The kind as PyTorch names it (nn.LSTM, nn.GRU), for the generated comments.</summary>
    public abstract string KindName { get; }

    /// <summary>What a state holds, for the generated comments.</summary>
    public abstract string StateLayout { get; }

    /// <summary>A sentence on what the tape's activations hold, for the generated comments.</summary>
    public abstract string ActivationsLayout { get; }

    /// <summary>The gate blocks' names in weight order.</summary>
    public abstract string[] GateNames { get; }

    /// <summary>
    /// The gate whose b_ih and b_hh the packed layout keeps apart (a GRU's n: r scales only its recurrent part), or −1
    /// when every gate starts from b_ih + b_hh.
    /// </summary>
    public abstract int SeparateBiasGate { get; }

    /// <summary>The row-product helpers the step calls, for one width.</summary>
    public abstract void EmitStepHelpers(SourceWriter w, Width width);

    /// <summary>The comment that opens a step: what one pass over the hidden units computes.</summary>
    public abstract string StepComment { get; }

    /// <summary>A declaration the step needs per stream before its units (an LSTM projection's m), if any.</summary>
    public virtual string? StepPrelude => null;

    /// <summary>
    /// One vector of hidden units j: their gate pre-activations (reading x and previous; when <paramref name="hoisted"/>,
    /// the input part W_ih·x + b_ih from <c>projected</c> instead of x), then the state update.
    /// </summary>
    public abstract void EmitUnits(SourceWriter w, Width u, bool hoisted = false);

    /// <summary>The gate pre-activations a plain step (x and previous, not hoisted, not a reset-before GRU) binds before its state update, in order.</summary>
    public abstract GateSum[] GateSums(Width u);

    /// <summary>Declares <see cref="GateSums"/> as locals, each with its equation.</summary>
    protected void EmitGateSums(SourceWriter w, Width u) =>
        w.Lines(string.Join("\n", GateSums(u).Select(sum => $"var {sum.Name} = {sum.Sum};  // {sum.Equation}")));

    /// <summary>What follows every unit's update, if anything (an LSTM projection: h' = W_hr·m; a reset-before GRU: n and h').</summary>
    public virtual void EmitAfterUnits(SourceWriter w, Width width, bool hoisted = false)
    {
    }

    /// <summary>
    /// Why the batched step runs each stream's whole step in turn, or null when it interleaves the streams per vector of
    /// units: a step whose second pass over the units needs every unit's first (a projection's m, a reset-before GRU's r⊙h).
    /// </summary>
    public virtual string? StepBatchByStream => Projected ? "a projection reads every unit's m before it writes h'" : null;

    /// <summary>
    /// Why the batched backward step runs stream by stream, or null when its transposed products share loads between
    /// streams: a product that comes before the gate equations are done (a projection's dm, a reset-before GRU's d(r⊙h)).
    /// </summary>
    public virtual string? BackwardBatchByStream => Projected ? "A projection's dm = W_hrᵀ·dh' comes first" : null;

    /// <summary>
    /// One stream's step: every vector of hidden units, then what follows them. <paramref name="hoisted"/>: the step of a
    /// sequence whose input projections W_ih·x_t + b_ih were computed beforehand for a block of steps (StepProjected).
    /// </summary>
    public void EmitStep(SourceWriter w, Width width, bool hoisted = false)
    {
        if (StepPrelude is { } prelude)
        {
            w.Line(prelude);
        }

        w.Line(StepComment);
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => EmitUnits(w, u, hoisted));
        EmitAfterUnits(w, width, hoisted);
    }

    /// <summary>
    /// The step of count streams: for each vector of hidden units, every stream in turn, so the weight rows of those
    /// units come from memory once and from L1 for the other streams.
    /// </summary>
    public void EmitStepBatch(SourceWriter w, Width width)
    {
        if (StepBatchByStream is string why)
        {
            // A second pass over the units needs every unit's first of the same stream: each stream's whole step in turn
            // (what the first pass leaves lives in the stream's own activations, which the caller may share between streams).
            w.Line($"// Each stream's whole step in turn: {why}.");
            using (w.Block("for (nint b = 0; b < count; b++)"))
            {
                w.Line($"Step{width.Suffix}(ref w, ref At(ref xs, b * xStride), ref At(ref previousRows, b * StateSize), ref At(ref nextRows, b * StateSize), ref At(ref activationRows, b * activationsStride));");
            }

            return;
        }

        const string Stream = """
            ref float x = ref At(ref xs, b * xStride);
            ref float previous = ref At(ref previousRows, b * StateSize);
            ref float next = ref At(ref nextRows, b * StateSize);
            ref float activations = ref At(ref activationRows, b * activationsStride);
            """;
        if (StepsBatchGateByGate(width))
        {
            EmitStepBatchGateByGate(w, width);
            return;
        }

        w.Line("// Per vector of hidden units j, every stream in turn: the units' weight rows are read from memory once, then from L1.");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u =>
        {
            using (w.Block("for (nint b = 0; b < count; b++)"))
            {
                w.Lines(Stream);
                if (StepPrelude is { } prelude)
                {
                    w.Line(prelude);
                }

                EmitUnits(w, u);
            }
        });
    }

    /// <summary>Streams whose gate sums one pass of <see cref="EmitStepBatchGateByGate"/> keeps aside.</summary>
    private const int StreamsPerChunk = 8;

    /// <summary>
    /// Whether the batched step takes its gates one at a time (<see cref="EmitStepBatchGateByGate"/>): on the Vector512
    /// path, where one vector of units' rows of every gate (G·16 rows of I + H floats) fill a 48 KB L1 or more. Stream by
    /// stream, each stream would read them from L2 again, and at 16 lanes per FMA faster than L2 delivers them: GRU
    /// (128,256) took 8.2 µs a stream-step at B = 32 stream by stream, 3.9 gate by gate; LSTM (64,128), 48 KB, 1.69 →
    /// 1.32. Below 48 KB it did not pay (in-process, GRU (96,128), 42 KB: 1.04 → 1.11), nor at 8 lanes, where L2 keeps up
    /// (GRU (128,256) took 1.13× as long on Vector256, its rows of 8 units 36 KB). See docs/performance.md, "The live
    /// StepBatch gate by gate".
    /// </summary>
    private bool StepsBatchGateByGate(Width width) =>
        width == Width.V512 && Hidden >= width.Lanes && Spec.Gates * width.Lanes * (Spec.Input + Spec.Recurrent) * sizeof(float) >= 48 * 1024;

    /// <summary>
    /// The step of count streams where one vector of units' rows of every gate outgrow L1: per chunk of streams, each gate
    /// sum for every stream of the chunk in turn (that gate's rows come from memory once, then from L1), set aside on the
    /// stack, then each stream's gate equations. The same helpers and equations as the step's, so the same floats.
    /// </summary>
    private void EmitStepBatchGateByGate(SourceWriter w, Width width)
    {
        int lanes = width.Lanes;
        GateSum[] sums = GateSums(width);
        int perStream = sums.Length * lanes;
        w.Lines($$"""
            // Per vector of hidden units j and chunk of up to {{StreamsPerChunk}} streams: each gate sum for every stream of the chunk in turn, so
            // its weight rows come from memory once and from L1 after (all the gates' rows of the units outgrow L1), then each
            // stream's gate equations from the sums set aside.
            global::System.Span<float> chunkSums = stackalloc float[{{StreamsPerChunk * perStream}}];
            ref float aside = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(chunkSums);
            """);
        MatrixEmitter.ForEachUnit(w, width, Hidden, u =>
        {
            using (w.Block($"for (nint first = 0; first < count; first += {StreamsPerChunk})"))
            {
                w.Line($"nint end = count - first < {StreamsPerChunk} ? count : first + {StreamsPerChunk};");
                for (int k = 0; k < sums.Length; k++)
                {
                    GateSum sum = sums[k];
                    using (w.Block("for (nint b = first; b < end; b++)"))
                    {
                        if (sum.ReadsInput)
                        {
                            w.Line("ref float x = ref At(ref xs, b * xStride);");
                        }

                        if (sum.ReadsHidden)
                        {
                            w.Line("ref float previous = ref At(ref previousRows, b * StateSize);");
                        }

                        w.Line($"Store({sum.Sum}, ref aside, (b - first) * {perStream}{(k == 0 ? "" : $" + {k * lanes}")});  // {sum.Equation}");
                    }
                }

                w.Line();
                using (w.Block("for (nint b = first; b < end; b++)"))
                {
                    w.Lines("""
                        ref float previous = ref At(ref previousRows, b * StateSize);
                        ref float next = ref At(ref nextRows, b * StateSize);
                        ref float activations = ref At(ref activationRows, b * activationsStride);
                        """);
                    for (int k = 0; k < sums.Length; k++)
                    {
                        w.Line($"var {sums[k].Name} = {u.Load("aside", $"(b - first) * {perStream}{(k == 0 ? "" : $" + {k * lanes}")}")};");
                    }

                    EmitStateUpdate(w, u, StateTargets.Recording);
                }
            }
        });
    }

    /// <summary>The gate equations of units j… from their pre-activations (LSTM ai, af, ag, ao; GRU ar, az, anx, anh).</summary>
    public abstract void EmitStateUpdate(SourceWriter w, Width u, StateTargets targets);

    /// <summary>Declarations the backward step needs before its body, if any.</summary>
    public virtual string? BackwardPrelude => null;

    /// <summary>Back through the gate equations to da (and any direct paths into dPrev): everything before the transposed products.</summary>
    public abstract void EmitBackwardUnits(SourceWriter w, Width width);

    /// <summary>The backward step's transposed products, dx = W_ihᵀ·da and dh = W_hhᵀ·da (+ a direct path), in order.</summary>
    public abstract BackwardProduct[] BackwardProducts { get; }

    /// <summary>One stream's step back: the gate equations, then the transposed products.</summary>
    public void EmitBackwardStep(SourceWriter w, Width width)
    {
        if (BackwardPrelude is { } prelude)
        {
            w.Line(prelude);
        }

        EmitBackwardUnits(w, width);
        foreach (BackwardProduct product in BackwardProducts)
        {
            w.Line();
            EmitProduct(w, product, product.Comment, () => MatrixEmitter.TransposedProduct(
                w, width, product.Weights, new VectorOperand("da", product.DaOffset), product.Destination, product.Addend, product.Flush));
        }
    }

    /// <summary>One backward product after its comment; the input gradient's only when computeDx asks for it.</summary>
    private static void EmitProduct(SourceWriter w, BackwardProduct product, string comment, System.Action emit)
    {
        using SourceWriter.Scope? scope = product.InputGradient ? w.Block("if (computeDx)") : null;
        w.Line(comment);
        emit();
    }

    /// <summary>
    /// The step back of count streams: each stream's gate equations, then every transposed product for all streams at
    /// once, each weight vector loaded once per block of streams (a projection's extra product: stream by stream).
    /// </summary>
    public void EmitBackwardStepBatch(SourceWriter w, Width width)
    {
        const string PerStream = "ref w, ref At(ref previousRows, b * StateSize), ref At(ref activationRows, b * ActivationsPerStep), ref At(ref dNextRows, b * StateSize), ref At(ref dOutRows, b * dOutStride), ref At(ref daRows, b * GradientsPerStep), ref At(ref dPrevRows, b * BackwardScratch), ref At(ref dxRows, b * dxStride), computeDx";
        if (BackwardBatchByStream is not null || width.IsScalar)
        {
            w.Line(width.IsScalar ? "// Scalar code gains nothing from sharing loads: stream by stream." : $"// {BackwardBatchByStream}: stream by stream.");
            using (w.Block("for (nint b = 0; b < count; b++)"))
            {
                w.Line($"BackwardStep{width.Suffix}({PerStream});");
            }

            return;
        }

        w.Line("// Per stream: back through the gate equations to da.");
        using (w.Block("for (nint b = 0; b < count; b++)"))
        {
            w.Lines("""
                ref float previous = ref At(ref previousRows, b * StateSize);
                ref float activations = ref At(ref activationRows, b * ActivationsPerStep);
                ref float dNext = ref At(ref dNextRows, b * StateSize);
                ref float dOut = ref At(ref dOutRows, b * dOutStride);
                ref float da = ref At(ref daRows, b * GradientsPerStep);
                ref float dPrev = ref At(ref dPrevRows, b * BackwardScratch);
                """);
            if (BackwardPrelude is { } prelude)
            {
                w.Line(prelude);
            }

            EmitBackwardUnits(w, width);
        }

        foreach (BackwardProduct product in BackwardProducts)
        {
            w.Line();
            RowsOperand destination = product.InputGradient ? new("dxRows", "dxStride") : new("dPrevRows", "BackwardScratch");
            EmitProduct(w, product, $"{product.Comment}, for every stream", () => MatrixEmitter.BatchedTransposedProduct(
                w, width, product.Weights, new RowsOperand("daRows", "GradientsPerStep", product.DaOffset), destination,
                product.Addend is null ? null : product.AddendOffset, product.Flush));
        }
    }

    /// <summary>
    /// dx = W_ihᵀ·da for count rows at once (a sequence's steps after their steps back ran without dx): the batched step
    /// back's product over rows instead of streams, each weight vector loaded once per block of rows. Row by row on the
    /// scalar path (the same floats as the step back's dx there); elsewhere within float rounding of it.
    /// </summary>
    public void EmitInputGradients(SourceWriter w, Width width)
    {
        BackwardProduct product = BackwardProducts.Single(p => p.InputGradient);
        var da = new RowsOperand("daRows", "GradientsPerStep", product.DaOffset);
        var dx = new RowsOperand("dxRows", "dxStride");
        w.Line(product.Comment + ", for every row");
        if (width.IsScalar)
        {
            MatrixEmitter.TransposedProducts(w, width, product.Weights, da, dx, null, product.Flush);
        }
        else
        {
            MatrixEmitter.BatchedTransposedProduct(w, width, product.Weights, da, dx, null, product.Flush);
        }
    }

    public abstract void EmitParameterGradients(SourceWriter w, Width width);

    /// <summary>
    /// In the packed step, between the input product and the recurrent one: a GRU takes its n gate's input part aside
    /// (<c>anx</c>) and restarts the accumulators from b_hn. <paramref name="sets"/> is 2 when the column sums alternate
    /// between two sets of accumulators.
    /// </summary>
    public virtual void EmitPackedBetweenProducts(SourceWriter w, int tile, int vectors, int sets)
    {
    }

    /// <summary>A comment on where the packed step's accumulators start.</summary>
    public abstract string PackedBiasComment { get; }

    /// <summary>
    /// The packed kernels' bindings of the pre-activations EmitStateUpdate reads: gate g's sums are
    /// <paramref name="gateSum"/>(g), the sums set aside after the gates (<see cref="PackedSetAside"/>) are <paramref name="aside"/>.
    /// </summary>
    public abstract string PackedBindings(System.Func<int, string> gateSum, string aside);

    /// <summary>Sums the packed kernels keep per unit: one per gate, plus the separate gate's input part (<see cref="SeparateBiasGate"/>).</summary>
    public int PackedSums => Spec.Gates + (SeparateBiasGate >= 0 ? 1 : 0);

    /// <summary>What the packed sums hold beyond one per gate, for the generated comments ("" when nothing).</summary>
    public virtual string PackedSumsNote => "";

    /// <summary>
    /// In the batched packed kernels, between the input sums and the recurrent ones, for every stream b: what must stay apart
    /// from the recurrent part (a GRU's n: W_in x + b_in), moved after the gates, its slot restarted from the separate bias.
    /// <paramref name="sumsRow"/> is stream b's sums; <paramref name="slot"/>(g) the offset of gate g's sums of the sub-tile (one
    /// vector of <paramref name="width"/>) in it. Null when nothing.
    /// </summary>
    public virtual string? PackedSetAside(string sumsRow, System.Func<int, string> slot, Width width) => null;

    /// <summary>What the packed step does after every tile, if anything (an LSTM projection: h' = W_hr·m).</summary>
    public virtual void EmitPackedAfterTiles(SourceWriter w)
    {
    }

    /// <summary>
    /// When the step records: the lines that store <paramref name="values"/> of units j… into the tape's activations, one
    /// block of H after another; nothing otherwise.
    /// </summary>
    protected static string Tape(StateTargets targets, params string[] values) =>
        !targets.Record ? "" : string.Concat(values.Select((v, k) =>
            $"Store({v}, ref activations, {(k == 0 ? "j" : k == 1 ? "HiddenSize + j" : $"{N(k)} * HiddenSize + j")});\n"));

    public static LayerKernels For(LayerSpec spec) => spec.Kind == CellKind.Lstm ? new LstmKernels(spec) : new GruKernels(spec);

    /// <summary>The bias vectors a gate row starts from: b_ih and b_hh, or none.</summary>
    protected string[] GateBiases => Spec.Bias ? ["BiasIhOffset", "BiasHhOffset"] : [];

    /// <summary>weight_ih [G·H, I].</summary>
    protected MatrixOperand InputWeights => new("WeightIhOffset", Spec.Gates, Spec.Input, "InputSize");

    /// <summary>weight_hh [G·H, Hout].</summary>
    protected MatrixOperand RecurrentWeights => new("WeightHhOffset", Spec.Gates, Spec.Recurrent, Recurrent);

    /// <summary>W_ih·x: the input-side product.</summary>
    protected ProductSource InputProduct => new("WeightIhOffset", Spec.Input, "InputSize", "x", "xTail", "wx");

    /// <summary>The hoisted step's input part of gate rows starting at <paramref name="row"/>: W_ih·x + b_ih, computed beforehand.</summary>
    protected static string ProjectedInput(Width u, string row) => u.Load("projected", row);

    /// <summary>W_hh·h, h being the first Hout values of the previous state.</summary>
    protected ProductSource HiddenProduct => new("WeightHhOffset", Spec.Recurrent, Recurrent, "previous", "hTail", "wh");

    protected static string N(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
