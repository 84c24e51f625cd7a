using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>The GRU's kernels (PyTorch nn.GRU: gates r, z, n; state h).</summary>
internal sealed class GruKernels(CellSpec spec) : CellKernels(spec)
{
    public override int ActivationsPerStep => 4 * Hidden;

    public override int GradientsPerStep => 6 * Hidden;

    public override int StepScratch => 6 * Hidden;

    public override int BackwardScratch => 2 * Hidden;

    public override string? BackwardPrelude => "ref float direct = ref At(ref dPrev, HiddenSize);   // z⊙dh', the path that skips the gates";

    public override string ActivationsLayout => "r, z, n and W_hn·h + b_hn";

    public override void EmitStep(SourceWriter w, Width width)
    {
        w.Line("// a_ih = W_ih·x + b_ih and a_hh = W_hh·h + b_hh, kept apart: r scales only the recurrent part of n");
        MatrixEmitter.DeclareTail(w, width, InputProduct);
        MatrixEmitter.DeclareTail(w, width, HiddenProduct);
        MatrixEmitter.RowProducts(w, width, Spec.GateRows, "GateRows", [InputProduct], ["BiasIhOffset"], "scratch", "0");
        MatrixEmitter.RowProducts(w, width, Spec.GateRows, "GateRows", [HiddenProduct], ["BiasHhOffset"], "scratch", "GateRows");
        w.Line();
        w.Line("// r = σ(a_ih,r + a_hh,r), z = σ(a_ih,z + a_hh,z), n = tanh(a_ih,n + r⊙a_hh,n); h' = (1−z)⊙n + z⊙h = n + z⊙(h − n)");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var r = Sigmoid({{u.Load("scratch", "j")}} + {{u.Load("scratch", "GateRows + j")}});
            var z = Sigmoid({{u.Load("scratch", "HiddenSize + j")}} + {{u.Load("scratch", "GateRows + HiddenSize + j")}});
            var hn = {{u.Load("scratch", "GateRows + 2 * HiddenSize + j")}};
            var n = Tanh(MultiplyAdd(r, hn, {{u.Load("scratch", "2 * HiddenSize + j")}}));
            Store(r, ref activations, j);
            Store(z, ref activations, HiddenSize + j);
            Store(n, ref activations, 2 * HiddenSize + j);
            Store(hn, ref activations, 3 * HiddenSize + j);
            Store(MultiplyAdd(z, {{u.Load("previous", "j")}} - n, n), ref next, j);
            """));
    }

    public override void EmitBackwardStep(SourceWriter w, Width width)
    {
        w.Line("// Back through h' = (1−z)⊙n + z⊙h and n = tanh(a_ih,n + r⊙a_hh,n) to da = [dL/da_ih | dL/da_hh]");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var one = {{u.Broadcast("1f")}};
            var dh = {{u.Load("dNext", "j")}} + {{u.Load("dOut", "j")}};
            var r = {{u.Load("activations", "j")}};
            var z = {{u.Load("activations", "HiddenSize + j")}};
            var n = {{u.Load("activations", "2 * HiddenSize + j")}};
            var hn = {{u.Load("activations", "3 * HiddenSize + j")}};
            var dn = dh * (one - z) * (one - n * n);
            var dr = dn * hn * r * (one - r);
            var dz = dh * ({{u.Load("previous", "j")}} - n) * z * (one - z);
            Store(dr, ref da, j);
            Store(dz, ref da, HiddenSize + j);
            Store(dn, ref da, 2 * HiddenSize + j);
            Store(dr, ref da, GateRows + j);
            Store(dz, ref da, GateRows + HiddenSize + j);
            Store(dn * r, ref da, GateRows + 2 * HiddenSize + j);
            Store(dh * z, ref direct, j);
            """));
        w.Line();
        using (w.Block("if (computeDx)"))
        {
            w.Line("// dx = W_ihᵀ·da_ih");
            MatrixEmitter.TransposedProduct(w, width, 3, Spec.Input, "InputSize", "WeightIhOffset", "da", "0", "dx", null);
        }

        w.Line();
        w.Line("// dh = z⊙dh' + W_hhᵀ·da_hh");
        MatrixEmitter.TransposedProduct(w, width, 3, Hidden, "HiddenSize", "WeightHhOffset", "da", "GateRows", "dPrev", "direct");
    }

    public override void EmitParameterGradients(SourceWriter w, Width width)
    {
        w.Line("// dW_ih += Σ_t da_ih,t ⊗ x_t");
        MatrixEmitter.AccumulateOuterProducts(w, width, 3, Spec.Input, "InputSize", "WeightIhOffset", "da", "GradientsPerStep", "0", "inputs", "InputSize");
        w.Line();
        w.Line("// dW_hh += Σ_t da_hh,t ⊗ h_t−1");
        MatrixEmitter.AccumulateOuterProducts(w, width, 3, Hidden, "HiddenSize", "WeightHhOffset", "da", "GradientsPerStep", "GateRows", "states", "StateSize");
        w.Line();
        w.Line("// db_ih += Σ_t da_ih,t, db_hh += Σ_t da_hh,t");
        MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasIhOffset", "da", "GradientsPerStep", "0");
        MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasHhOffset", "da", "GradientsPerStep", "GateRows");
    }
}
