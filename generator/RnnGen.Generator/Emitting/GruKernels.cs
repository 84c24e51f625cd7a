using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>The GRU's kernels (PyTorch nn.GRU: gates r, z, n; state h).</summary>
internal sealed class GruKernels(LayerSpec spec) : LayerKernels(spec)
{
    public override string? BackwardPrelude => "ref float direct = ref At(ref dPrev, HiddenSize);   // z⊙dh', the path that skips the gates";

    public override string ActivationsLayout => $"r, z, n and W_hn·h{(Spec.Bias ? " + b_hn" : "")}";

    public override string KindName => "GRU";

    public override string StateLayout => "h";

    public override string[] GateNames => ["r", "z", "n"];

    public override int SeparateBiasGate => 2;

    public override string PackedBiasComment => "// r and z start from b_i + b_h, n from b_in (b_hn joins the recurrent part below)";

    public override string PackedBindings(System.Func<int, string> gateSum, string aside) =>
        $"var ar = {gateSum(0)}; var az = {gateSum(1)}; var anx = {aside}; var anh = {gateSum(2)};";

    public override string PackedSumsNote => ", then the n gate's input part W_in x + b_in (its recurrent part takes the n gate's place)";

    public override string? PackedSetAside(string sumsRow, System.Func<int, string> slot) => $$"""
        // The n gate keeps W_in x + b_in apart (after the gates' sums) and restarts from b_hn for its recurrent part.
        for (nint b = 0; b < count; b++)
        {
            ref float row = ref {{sumsRow}};
            Store(Load256(ref row, {{slot(2)}}), ref row, {{slot(3)}});
            Store(Load256(ref bias, 3 * Tile + sub), ref row, {{slot(2)}});
        }

        """;

    private string Bi(string gate) => Spec.Bias ? $" + b_i{gate}" : "";

    private string Bh(string gate) => Spec.Bias ? $" + b_h{gate}" : "";

    public override void EmitStepHelpers(SourceWriter w, Width width)
    {
        MatrixEmitter.RowsHelper(w, width, "Gate", $"W_ih·x{Bi("")} + W_hh·h{Bh("")} for the gate rows starting at r (the r and z gates).",
            [InputProduct, HiddenProduct], GateBiases);
        w.Line();
        MatrixEmitter.RowsHelper(w, width, "InputPart", $"W_ih·x{Bi("")} for the rows starting at r (the n gate's input part).", [InputProduct],
            Spec.Bias ? ["BiasIhOffset"] : []);
        w.Line();
        MatrixEmitter.RowsHelper(w, width, "HiddenPart", $"W_hh·h{Bh("")} for the rows starting at r (the n gate's recurrent part).", [HiddenProduct],
            Spec.Bias ? ["BiasHhOffset"] : []);
    }

    public override string StepComment => "// Per vector of hidden units j: their rows of the gate blocks r, z, n, then the state update, in registers.";

    public override void EmitUnits(SourceWriter w, Width u)
    {
        w.Lines($$"""
            var ar = Gate{{u.Suffix}}(ref w, j, ref x, ref previous);  // W_ir x{{Bi("r")}} + W_hr h{{Bh("r")}}
            var az = Gate{{u.Suffix}}(ref w, HiddenSize + j, ref x, ref previous);  // W_iz x{{Bi("z")}} + W_hz h{{Bh("z")}}
            var anx = InputPart{{u.Suffix}}(ref w, 2 * HiddenSize + j, ref x);  // W_in x{{Bi("n")}}
            var anh = HiddenPart{{u.Suffix}}(ref w, 2 * HiddenSize + j, ref previous);  // W_hn h{{Bh("n")}}
            """);
        EmitStateUpdate(w, u, StateTargets.Recording);
    }

    /// <summary>The gate equations from the pre-activations ar, az, anx, anh of units j…: h' into next.</summary>
    public override void EmitStateUpdate(SourceWriter w, Width u, StateTargets targets)
    {
        string tape = Tape(targets, "r", "z", "n", "anh");
        w.Lines($$"""
            var r = Sigmoid(ar);  // r = σ(·): how much of h feeds the candidate
            var z = Sigmoid(az);  // z = σ(·): how much of h to keep
            var n = Tanh(MultiplyAdd(r, anh, anx));  // n = tanh(W_in x{{Bi("n")}} + r⊙(W_hn h{{Bh("n")}}))
            {{tape}}Store(FlushTiny(MultiplyAdd(z, {{u.Load(targets.HiddenSource, "j")}} - n, n)), ref next, j);  // h' = (1−z)⊙n + z⊙h = n + z⊙(h − n)
            """);
    }

    /// <summary>The n gate keeps W_in x + b_in apart and restarts from b_hn for its recurrent part.</summary>
    public override void EmitPackedBetweenProducts(SourceWriter w, int tile, int vectors, int sets)
    {
        w.Line();
        w.Line($"// The n gate keeps W_in x{Bi("")} apart and restarts from {(Spec.Bias ? "b_hn" : "zero")} for its recurrent part.");
        for (int v = 0; v < vectors; v++)
        {
            string n = $"an{N(v)}";
            w.Line(sets == 2 ? $"var anx{N(v)} = {n} + {n}b;" : $"var anx{N(v)} = {n};");
            w.Line($"{n} = Load256(ref bias, {N(3 * tile + 8 * v)});");
            if (sets == 2)
            {
                w.Line($"{n}b = Broadcast256(0f);");
            }
        }
    }

    public override void EmitBackwardUnits(SourceWriter w, Width width)
    {
        w.Line("// Back through h' = (1−z)⊙n + z⊙h and n = tanh(a_ih,n + r⊙a_hh,n) to da = [dL/da_ih | dL/da_hh]");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var one = {{u.Broadcast("1f")}};
            var dh = {{u.Load("dNext", "j")}} + {{u.Load("dOut", "j")}};
            var r = {{u.Load("activations", "j")}};
            var z = {{u.Load("activations", "HiddenSize + j")}};
            var n = {{u.Load("activations", "2 * HiddenSize + j")}};
            var hn = {{u.Load("activations", "3 * HiddenSize + j")}};
            var dn = FlushTiny(dh * (one - z) * (one - n * n));  // da_n = dh'⊙(1−z)⊙(1−n²)
            var dr = FlushTiny(dn * hn * r * (one - r));  // da_r = da_n⊙(W_hn h{{Bh("n")}})⊙r(1−r)
            var dz = FlushTiny(dh * ({{u.Load("previous", "j")}} - n) * z * (one - z));  // da_z = dh'⊙(h − n)⊙z(1−z)
            Store(dr, ref da, j);
            Store(dz, ref da, HiddenSize + j);
            Store(dn, ref da, 2 * HiddenSize + j);
            Store(dr, ref da, GateRows + j);
            Store(dz, ref da, GateRows + HiddenSize + j);
            Store(FlushTiny(dn * r), ref da, GateRows + 2 * HiddenSize + j);  // the recurrent part of n is scaled by r
            Store(dh * z, ref direct, j);  // h' = … + z⊙h passes z⊙dh' straight back
            """));
    }

    public override BackwardProduct[] BackwardProducts =>
    [
        new("// dx = W_ihᵀ·da_ih", InputWeights, "0", "dx", null, null, "", Flush: false, InputGradient: true),
        new("// dh = z⊙dh' + W_hhᵀ·da_hh", RecurrentWeights, "GateRows", "dPrev", "direct", "HiddenSize", "z⊙dh'", Flush: true, InputGradient: false),
    ];

    public override void EmitParameterGradients(SourceWriter w, Width width)
    {
        w.Line("// dW_ih += Σ_t da_ih,t ⊗ x_t");
        MatrixEmitter.AccumulateOuterProducts(w, width, InputWeights, RowsOperand.Gradients(), new("inputs", "InputSize"));
        w.Line();
        w.Line("// dW_hh += Σ_t da_hh,t ⊗ h_t−1");
        MatrixEmitter.AccumulateOuterProducts(w, width, RecurrentWeights, RowsOperand.Gradients("GateRows"), new("states", "StateSize"));
        if (Spec.Bias)
        {
            w.Line();
            w.Line("// db_ih += Σ_t da_ih,t, db_hh += Σ_t da_hh,t");
            MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasIhOffset", RowsOperand.Gradients());
            MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasHhOffset", RowsOperand.Gradients("GateRows"));
        }
    }
}
