using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>The LSTM's kernels (PyTorch nn.LSTM: gates i, f, g, o; state h then c).</summary>
internal sealed class LstmKernels(CellSpec spec) : CellKernels(spec)
{
    public override int ActivationsPerStep => 5 * Hidden;

    public override int GradientsPerStep => 4 * Hidden;

    public override int BackwardScratch => 2 * Hidden;

    public override string ActivationsLayout => "i, f, g, o and tanh(c')";

    public override void EmitStepHelpers(SourceWriter w, Width width) =>
        MatrixEmitter.RowsHelper(w, width, "Gate", "a = W_ih·x + b_ih + W_hh·h + b_hh for the gate rows starting at r.",
            [InputProduct, HiddenProduct], ["BiasIhOffset", "BiasHhOffset"]);

    public override void EmitStep(SourceWriter w, Width width)
    {
        w.Line("// Per vector of hidden units j: their rows of the gate blocks i, f, g, o, then the cell update, in registers.");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u =>
        {
            w.Lines($$"""
                var ai = Gate{{u.Suffix}}(ref w, j, ref x, ref previous);                      // W_ii x + b_ii + W_hi h + b_hi
                var af = Gate{{u.Suffix}}(ref w, HiddenSize + j, ref x, ref previous);         // W_if x + b_if + W_hf h + b_hf
                var ag = Gate{{u.Suffix}}(ref w, 2 * HiddenSize + j, ref x, ref previous);     // W_ig x + b_ig + W_hg h + b_hg
                var ao = Gate{{u.Suffix}}(ref w, 3 * HiddenSize + j, ref x, ref previous);     // W_io x + b_io + W_ho h + b_ho
                """);
            EmitStateUpdate(w, u, record: true);
        });
    }

    /// <summary>The gate equations from the pre-activations ai, af, ag, ao of units j…: c' and h' into next.</summary>
    public override void EmitStateUpdate(SourceWriter w, Width u, bool record, string cell = "previous")
    {
        string tape = record
            ? """
              Store(i, ref activations, j);
              Store(f, ref activations, HiddenSize + j);
              Store(g, ref activations, 2 * HiddenSize + j);
              Store(o, ref activations, 3 * HiddenSize + j);
              Store(tanhC, ref activations, 4 * HiddenSize + j);

              """
            : "";
        w.Lines($$"""
            var i = Sigmoid(ai);  // i = σ(·): how much new content to admit
            var f = Sigmoid(af);  // f = σ(·): how much of the cell to keep
            var g = Tanh(ag);  // g = tanh(·): the candidate content
            var o = Sigmoid(ao);  // o = σ(·): how much of the cell to expose
            var c = FlushTiny(MultiplyAdd(f, {{u.Load(cell, "HiddenSize + j")}}, i * g));  // c' = f⊙c + i⊙g
            var tanhC = Tanh(c);
            {{tape}}Store(c, ref next, HiddenSize + j);
            Store(FlushTiny(o * tanhC), ref next, j);  // h' = o⊙tanh(c')
            """);
    }

    public override void EmitBackwardStep(SourceWriter w, Width width)
    {
        w.Line("// Back through h' = o⊙tanh(c') and c' = f⊙c + i⊙g to da = dL/d[a_i, a_f, a_g, a_o]");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var one = {{u.Broadcast("1f")}};
            var dh = {{u.Load("dNext", "j")}} + {{u.Load("dOut", "j")}};
            var i = {{u.Load("activations", "j")}};
            var f = {{u.Load("activations", "HiddenSize + j")}};
            var g = {{u.Load("activations", "2 * HiddenSize + j")}};
            var o = {{u.Load("activations", "3 * HiddenSize + j")}};
            var tanhC = {{u.Load("activations", "4 * HiddenSize + j")}};
            var dc = MultiplyAdd(dh * o, one - tanhC * tanhC, {{u.Load("dNext", "HiddenSize + j")}});        // dc' = dc'(next) + dh'⊙o⊙(1−tanh²(c'))
            Store(FlushTiny(dc * g * i * (one - i)), ref da, j);                                       // da_i = dc'⊙g⊙i(1−i)
            Store(FlushTiny(dc * {{u.Load("previous", "HiddenSize + j")}} * f * (one - f)), ref da, HiddenSize + j);     // da_f = dc'⊙c⊙f(1−f)
            Store(FlushTiny(dc * i * (one - g * g)), ref da, 2 * HiddenSize + j);                      // da_g = dc'⊙i⊙(1−g²)
            Store(FlushTiny(dh * tanhC * o * (one - o)), ref da, 3 * HiddenSize + j);                  // da_o = dh'⊙tanh(c')⊙o(1−o)
            Store(FlushTiny(dc * f), ref dPrev, HiddenSize + j);                                       // dc = dc'⊙f
            """));
        w.Line();
        using (w.Block("if (computeDx)"))
        {
            w.Line("// dx = W_ihᵀ·da");
            MatrixEmitter.TransposedProduct(w, width, 4, Spec.Input, "InputSize", "WeightIhOffset", "da", "0", "dx", null, flush: false);
        }

        w.Line();
        w.Line("// dh = W_hhᵀ·da");
        MatrixEmitter.TransposedProduct(w, width, 4, Hidden, "HiddenSize", "WeightHhOffset", "da", "0", "dPrev", null, flush: true);
    }

    public override void EmitParameterGradients(SourceWriter w, Width width)
    {
        w.Line("// dW_ih += Σ_t da_t ⊗ x_t");
        MatrixEmitter.AccumulateOuterProducts(w, width, 4, Spec.Input, "InputSize", "WeightIhOffset", "da", "GradientsPerStep", "0", "inputs", "InputSize");
        w.Line();
        w.Line("// dW_hh += Σ_t da_t ⊗ h_t−1 (h_t−1 opens the state recorded before step t)");
        MatrixEmitter.AccumulateOuterProducts(w, width, 4, Hidden, "HiddenSize", "WeightHhOffset", "da", "GradientsPerStep", "0", "states", "StateSize");
        w.Line();
        w.Line("// db_ih += Σ_t da_t, db_hh += Σ_t da_t");
        MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasIhOffset", "da", "GradientsPerStep", "0");
        MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasHhOffset", "da", "GradientsPerStep", "0");
    }
}
