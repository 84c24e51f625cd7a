using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The LSTM's kernels (PyTorch nn.LSTM: gates i, f, g, o; state h then c). With a projection (proj_size P) the cell
/// computes m = o⊙tanh(c′) and h′ = W_hr·m, so h and W_hh's columns have P values.
/// </summary>
internal sealed class LstmKernels(LayerSpec spec) : LayerKernels(spec)
{
    public override string ActivationsLayout => Projected ? "i, f, g, o, tanh(c') and m = o⊙tanh(c')" : "i, f, g, o and tanh(c')";

    public override string KindName => "LSTM";

    public override string StateLayout => $"{Recurrent} + HiddenSize: h then c";

    public override string[] GateNames => ["i", "f", "g", "o"];

    public override int SeparateBiasGate => -1;

    public override string PackedBiasComment => "// every gate starts from b_ih + b_hh";

    public override string PackedBindings(System.Func<int, string> gateSum, string aside) =>
        $"var ai = {gateSum(0)}; var af = {gateSum(1)}; var ag = {gateSum(2)}; var ao = {gateSum(3)};";

    /// <summary>With a projection, after every tile's m: h' = W_hr·m from the weight_hr the packed copy keeps after the tiles.</summary>
    public override void EmitPackedAfterTiles(SourceWriter w)
    {
        if (!Projected)
        {
            return;
        }

        w.Line();
        w.Line("ref float hr = ref At(ref w, PackedHrOffset - WeightHrOffset);   // weight_hr follows the tiles, indexed as in the parameters");
        EmitProjection(w, Width.V256, weights: "hr");
    }

    public override string? BackwardPrelude => Projected ? "ref float dm = ref At(ref dPrev, StateSize);   // dL/dm, behind the projection" : null;

    /// <summary>weight_hr [P, H].</summary>
    private MatrixOperand ProjectionWeights => new("WeightHrOffset", 1, Hidden, "HiddenSize", RowsName: "ProjectionSize");

    /// <summary>W_hr·m: the projection's rows, H columns each.</summary>
    private ProductSource ProjectionProduct => new("WeightHrOffset", Hidden, "HiddenSize", "m", "mTail", "wr");

    public override void EmitStepHelpers(SourceWriter w, Width width)
    {
        MatrixEmitter.RowsHelper(w, width, "Gate", $"a = W_ih·x{(Spec.Bias ? " + b_ih" : "")} + W_hh·h{(Spec.Bias ? " + b_hh" : "")} for the gate rows starting at r.",
            [InputProduct, HiddenProduct], GateBiases);
        w.Line();
        MatrixEmitter.RowsHelper(w, width, "HiddenPart", $"W_hh·h{(Spec.Bias ? " + b_hh" : "")} for the gate rows starting at r (the hoisted step's recurrent part).",
            [HiddenProduct], Spec.Bias ? ["BiasHhOffset"] : []);
        if (Projected)
        {
            w.Line();
            MatrixEmitter.RowsHelper(w, width, "Project", "h' = W_hr·m for the rows starting at r.", [ProjectionProduct], []);
        }
    }

    public override string StepComment => "// Per vector of hidden units j: their rows of the gate blocks i, f, g, o, then the cell update, in registers.";

    public override string? StepPrelude => Projected ? "ref float m = ref At(ref activations, 5 * HiddenSize);   // m = o⊙tanh(c'), recorded for weight_hr's gradient" : null;

    public override void EmitUnits(SourceWriter w, Width u, bool hoisted = false)
    {
        string b(string gate) => Spec.Bias ? $" + b_i{gate}" : "";
        string c(string gate) => Spec.Bias ? $" + b_h{gate}" : "";
        if (hoisted)
        {
            string[] rows = ["j", "HiddenSize + j", "2 * HiddenSize + j", "3 * HiddenSize + j"];
            string[] gates = ["i", "f", "g", "o"];
            for (int k = 0; k < 4; k++)
            {
                w.Line($"var a{gates[k]} = {ProjectedInput(u, rows[k])} + HiddenPart{u.Suffix}(ref w, {rows[k]}, ref previous);  // (W_i{gates[k]} x{b(gates[k])}) + W_h{gates[k]} h{c(gates[k])}");
            }

            EmitStateUpdate(w, u, StateTargets.Recording);
            return;
        }

        EmitGateSums(w, u);
        EmitStateUpdate(w, u, StateTargets.Recording);
    }

    public override GateSum[] GateSums(Width u)
    {
        string b(string gate) => Spec.Bias ? $" + b_i{gate}" : "";
        string c(string gate) => Spec.Bias ? $" + b_h{gate}" : "";
        string[] rows = ["j", "HiddenSize + j", "2 * HiddenSize + j", "3 * HiddenSize + j"];
        return [.. GateNames.Select((g, k) => new GateSum($"a{g}", $"Gate{u.Suffix}(ref w, {rows[k]}, ref x, ref previous)", $"W_i{g} x{b(g)} + W_h{g} h{c(g)}"))];
    }

    public override void EmitAfterUnits(SourceWriter w, Width width, bool hoisted = false) => EmitProjection(w, width);

    /// <summary>With a projection, after every unit's m: h' = W_hr·m into next (P values).</summary>
    private void EmitProjection(SourceWriter w, Width width, string weights = "w")
    {
        if (!Projected)
        {
            return;
        }

        w.Line();
        w.Line("// h' = W_hr·m: the projection of every unit's m to ProjectionSize values");
        MatrixEmitter.ForEachUnit(w, width, Spec.Projection, "ProjectionSize", u =>
            w.Line($"Store(FlushTiny(Project{u.Suffix}(ref {weights}, j, ref m)), ref next, j);"));
    }

    /// <summary>The gate equations from the pre-activations ai, af, ag, ao of units j…: c' and h' (or m) into next.</summary>
    public override void EmitStateUpdate(SourceWriter w, Width u, StateTargets targets)
    {
        string tape = Tape(targets, "i", "f", "g", "o", "tanhC");
        string output = Projected
            ? "Store(o * tanhC, ref m, j);  // m = o⊙tanh(c'), projected to h' below"
            : "Store(FlushTiny(o * tanhC), ref next, j);  // h' = o⊙tanh(c')";
        w.Lines($$"""
            var i = Sigmoid(ai);  // i = σ(·): how much new content to admit
            var f = Sigmoid(af);  // f = σ(·): how much of the cell to keep
            var g = Tanh(ag);  // g = tanh(·): the candidate content
            var o = Sigmoid(ao);  // o = σ(·): how much of the cell to expose
            var c = FlushTiny(MultiplyAdd(f, {{u.Load(targets.CellSource, $"{Recurrent} + j")}}, i * g));  // c' = f⊙c + i⊙g
            var tanhC = Tanh(c);
            {{tape}}Store(c, ref next, {{Recurrent}} + j);
            {{output}}
            """);
    }

    public override void EmitBackwardUnits(SourceWriter w, Width width)
    {
        string dh;
        if (Projected)
        {
            w.Line("// Back through h' = W_hr·m: dh' = dL/d(next h) + dL/d(output), kept for weight_hr's gradient; dm = W_hrᵀ·dh'");
            MatrixEmitter.ForEachUnit(w, width, Spec.Projection, "ProjectionSize", u =>
                w.Line($"Store({u.Load("dNext", "j")} + {u.Load("dOut", "j")}, ref da, 4 * HiddenSize + j);"));
            MatrixEmitter.TransposedProduct(w, width, ProjectionWeights, new VectorOperand("da", "4 * HiddenSize"), "dm", null, flush: false);
            w.Line();
            dh = "dm";
        }
        else
        {
            dh = "";
        }

        w.Line($"// Back through {(Projected ? "m" : "h'")} = o⊙tanh(c') and c' = f⊙c + i⊙g to da = dL/d[a_i, a_f, a_g, a_o]");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var one = {{u.Broadcast("1f")}};
            var dh = {{(Projected ? u.Load(dh, "j") : $"{u.Load("dNext", "j")} + {u.Load("dOut", "j")}")}};
            var i = {{u.Load("activations", "j")}};
            var f = {{u.Load("activations", "HiddenSize + j")}};
            var g = {{u.Load("activations", "2 * HiddenSize + j")}};
            var o = {{u.Load("activations", "3 * HiddenSize + j")}};
            var tanhC = {{u.Load("activations", "4 * HiddenSize + j")}};
            var dc = MultiplyAdd(dh * o, one - tanhC * tanhC, {{u.Load("dNext", $"{Recurrent} + j")}});  // dc' = dc'(next) + dh'⊙o⊙(1−tanh²(c'))
            Store(FlushTiny(dc * g * i * (one - i)), ref da, j);  // da_i = dc'⊙g⊙i(1−i)
            Store(FlushTiny(dc * {{u.Load("previous", $"{Recurrent} + j")}} * f * (one - f)), ref da, HiddenSize + j);  // da_f = dc'⊙c⊙f(1−f)
            Store(FlushTiny(dc * i * (one - g * g)), ref da, 2 * HiddenSize + j);  // da_g = dc'⊙i⊙(1−g²)
            Store(FlushTiny(dh * tanhC * o * (one - o)), ref da, 3 * HiddenSize + j);  // da_o = dh'⊙tanh(c')⊙o(1−o)
            Store(FlushTiny(dc * f), ref dPrev, {{Recurrent}} + j);  // dc = dc'⊙f
            """));
    }

    public override BackwardProduct[] BackwardProducts =>
    [
        new("// dx = W_ihᵀ·da", InputWeights, "0", "dx", null, null, "", Flush: false, InputGradient: true),
        new("// dh = W_hhᵀ·da", RecurrentWeights, "0", "dPrev", null, null, "", Flush: true, InputGradient: false),
    ];

    public override void EmitParameterGradients(SourceWriter w, Width width)
    {
        w.Line("// dW_ih += Σ_t da_t ⊗ x_t");
        MatrixEmitter.AccumulateOuterProducts(w, width, InputWeights, RowsOperand.Gradients(), new("inputs", "InputSize"));
        w.Line();
        w.Line("// dW_hh += Σ_t da_t ⊗ h_t−1 (h_t−1 opens the state recorded before step t)");
        MatrixEmitter.AccumulateOuterProducts(w, width, RecurrentWeights, RowsOperand.Gradients(), new("states", "StateSize"));
        if (Spec.Bias)
        {
            w.Line();
            w.Line("// db_ih += Σ_t da_t, db_hh += Σ_t da_t");
            MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasIhOffset", RowsOperand.Gradients());
            MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasHhOffset", RowsOperand.Gradients());
        }

        if (Projected)
        {
            w.Line();
            w.Line("// dW_hr += Σ_t dh'_t ⊗ m_t");
            w.Line("ref float m = ref At(ref activations, 5 * HiddenSize);");
            MatrixEmitter.AccumulateOuterProducts(w, width, ProjectionWeights, RowsOperand.Gradients("4 * HiddenSize"), new("m", "ActivationsPerStep"));
        }
    }
}
