using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The GRU's kernels (PyTorch nn.GRU: gates r, z, n; state h). The reset-before variant (<see cref="LayerSpec.ResetBefore"/>:
/// n = tanh(W_in x + b_in + W_hn·(r⊙h) + b_hn)) steps in two passes over the units, since W_hn·(r⊙h) needs every unit's r;
/// it records r⊙h where PyTorch's records W_hn·h + b_hn, and its batched kernels go stream by stream.
/// </summary>
internal sealed class GruKernels(LayerSpec spec) : LayerKernels(spec)
{
    public override string? BackwardPrelude => Spec.ResetBefore
        ? "ref float direct = ref At(ref dPrev, HiddenSize);   // z⊙dh' + r⊙d(r⊙h), the paths that skip W_h[r,z]"
        : "ref float direct = ref At(ref dPrev, HiddenSize);   // z⊙dh', the path that skips the gates";

    public override string ActivationsLayout => Spec.ResetBefore ? "r, z, n and r⊙h" : $"r, z, n and W_hn·h{(Spec.Bias ? " + b_hn" : "")}";

    public override string? StepBatchByStream => Spec.ResetBefore ? "W_hn·(r⊙h) reads every unit's r before any n" : null;

    public override string? BackwardBatchByStream => Spec.ResetBefore ? "d(r⊙h) = W_hnᵀ·da_n comes between the gate equations" : null;

    /// <summary>weight_hh's n block [H, H]: W_hn.</summary>
    private MatrixOperand CandidateWeights => new("WeightHhOffset + 2 * HiddenSize * HiddenSize", 1, Spec.Hidden, "HiddenSize");

    /// <summary>weight_hh's r and z blocks [2H, H].</summary>
    private MatrixOperand ResetUpdateWeights => new("WeightHhOffset", 2, Spec.Hidden, "HiddenSize");

    public override string KindName => "GRU";

    public override string StateLayout => "h";

    public override string[] GateNames => ["r", "z", "n"];

    public override int SeparateBiasGate => 2;

    public override string PackedBiasComment => "// r and z start from b_i + b_h, n from b_in (b_hn joins the recurrent part below)";

    public override string PackedBindings(System.Func<int, string> gateSum, string aside) =>
        $"var ar = {gateSum(0)}; var az = {gateSum(1)}; var anx = {aside}; var anh = {gateSum(2)};";

    public override string PackedSumsNote => ", then the n gate's input part W_in x + b_in (its recurrent part takes the n gate's place)";

    public override string? PackedSetAside(string sumsRow, System.Func<int, string> slot, Width width) => $$"""
        // The n gate keeps W_in x + b_in apart (after the gates' sums) and restarts from b_hn for its recurrent part.
        for (nint b = 0; b < count; b++)
        {
            ref float row = ref {{sumsRow}};
            Store({{width.Load("row", slot(2))}}, ref row, {{slot(3)}});
            Store({{width.Load("bias", "3 * Tile + sub")}}, ref row, {{slot(2)}});
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
        string h = Spec.ResetBefore ? "(r⊙h)" : "h";
        MatrixEmitter.RowsHelper(w, width, "HiddenPart", $"W_hh·{h}{Bh("")} for the rows starting at r (the n gate's recurrent part).", [HiddenProduct],
            Spec.Bias ? ["BiasHhOffset"] : []);
    }

    public override string StepComment => Spec.ResetBefore
        ? "// Per vector of hidden units j: r, z and r⊙h; then, once every unit's r⊙h is known, n and h'."
        : "// Per vector of hidden units j: their rows of the gate blocks r, z, n, then the state update, in registers.";

    public override void EmitUnits(SourceWriter w, Width u, bool hoisted = false)
    {
        // The gate sums of rows `row`: from x and h, or (hoisted) the precomputed input part plus W_hh·h + b_hh.
        string gate(string row) => hoisted
            ? $"{ProjectedInput(u, row)} + HiddenPart{u.Suffix}(ref w, {row}, ref previous)"
            : $"Gate{u.Suffix}(ref w, {row}, ref x, ref previous)";
        string inputPart(string row) => hoisted ? ProjectedInput(u, row) : $"InputPart{u.Suffix}(ref w, {row}, ref x)";
        if (Spec.ResetBefore)
        {
            w.Lines($$"""
                var r = Sigmoid({{gate("j")}});  // r = σ(W_ir x{{Bi("r")}} + W_hr h{{Bh("r")}})
                Store(r, ref activations, j);
                Store(Sigmoid({{gate("HiddenSize + j")}}), ref activations, HiddenSize + j);  // z = σ(W_iz x{{Bi("z")}} + W_hz h{{Bh("z")}})
                Store(r * {{u.Load("previous", "j")}}, ref activations, 3 * HiddenSize + j);  // r⊙h, what W_hn multiplies
                """);
            return;
        }

        if (!hoisted)
        {
            EmitGateSums(w, u);
            EmitStateUpdate(w, u, StateTargets.Recording);
            return;
        }

        w.Lines($$"""
            var ar = {{gate("j")}};  // W_ir x{{Bi("r")}} + W_hr h{{Bh("r")}}
            var az = {{gate("HiddenSize + j")}};  // W_iz x{{Bi("z")}} + W_hz h{{Bh("z")}}
            var anx = {{inputPart("2 * HiddenSize + j")}};  // W_in x{{Bi("n")}}
            var anh = HiddenPart{{u.Suffix}}(ref w, 2 * HiddenSize + j, ref previous);  // W_hn h{{Bh("n")}}
            """);
        EmitStateUpdate(w, u, StateTargets.Recording);
    }

    public override GateSum[] GateSums(Width u) =>
    [
        new("ar", $"Gate{u.Suffix}(ref w, j, ref x, ref previous)", $"W_ir x{Bi("r")} + W_hr h{Bh("r")}"),
        new("az", $"Gate{u.Suffix}(ref w, HiddenSize + j, ref x, ref previous)", $"W_iz x{Bi("z")} + W_hz h{Bh("z")}"),
        new("anx", $"InputPart{u.Suffix}(ref w, 2 * HiddenSize + j, ref x)", $"W_in x{Bi("n")}", ReadsHidden: false),
        new("anh", $"HiddenPart{u.Suffix}(ref w, 2 * HiddenSize + j, ref previous)", $"W_hn h{Bh("n")}", ReadsInput: false),
    ];

    /// <summary>The reset-before step's second pass: n = tanh(W_in x + b_in + W_hn·(r⊙h) + b_hn) and h' from the recorded z and r⊙h.</summary>
    public override void EmitAfterUnits(SourceWriter w, Width width, bool hoisted = false)
    {
        if (!Spec.ResetBefore)
        {
            return;
        }

        w.Line();
        w.Line("ref float resetH = ref At(ref activations, 3 * HiddenSize);   // r⊙h of every unit, from the pass above");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var anx = {{(hoisted ? ProjectedInput(u, "2 * HiddenSize + j") : $"InputPart{u.Suffix}(ref w, 2 * HiddenSize + j, ref x)")}};  // W_in x{{Bi("n")}}
            var anh = HiddenPart{{u.Suffix}}(ref w, 2 * HiddenSize + j, ref resetH);  // W_hn (r⊙h){{Bh("n")}}
            var z = {{u.Load("activations", "HiddenSize + j")}};
            var n = Tanh(anx + anh);  // n = tanh(W_in x{{Bi("n")}} + W_hn (r⊙h){{Bh("n")}})
            Store(n, ref activations, 2 * HiddenSize + j);
            Store(FlushTiny(MultiplyAdd(z, {{u.Load("previous", "j")}} - n, n)), ref next, j);  // h' = (1−z)⊙n + z⊙h = n + z⊙(h − n)
            """));
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
        if (Spec.ResetBefore)
        {
            EmitResetBeforeBackwardUnits(w, width);
            return;
        }

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

    /// <summary>
    /// Back through the reset-before equations: da_z and da_n, then d(r⊙h) = W_hnᵀ·da_n (parked in dPrev, which the last
    /// product overwrites), then da_r and the direct paths z⊙dh' + r⊙d(r⊙h).
    /// </summary>
    private void EmitResetBeforeBackwardUnits(SourceWriter w, Width width)
    {
        w.Line("// Back through h' = (1−z)⊙n + z⊙h and n = tanh(a_in + W_hn·(r⊙h) + b_hn) to da_z and da_n (both halves of n alike)");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var one = {{u.Broadcast("1f")}};
            var dh = {{u.Load("dNext", "j")}} + {{u.Load("dOut", "j")}};
            var z = {{u.Load("activations", "HiddenSize + j")}};
            var n = {{u.Load("activations", "2 * HiddenSize + j")}};
            var dn = FlushTiny(dh * (one - z) * (one - n * n));  // da_n = dh'⊙(1−z)⊙(1−n²)
            var dz = FlushTiny(dh * ({{u.Load("previous", "j")}} - n) * z * (one - z));  // da_z = dh'⊙(h − n)⊙z(1−z)
            Store(dz, ref da, HiddenSize + j);
            Store(dn, ref da, 2 * HiddenSize + j);
            Store(dz, ref da, GateRows + HiddenSize + j);
            Store(dn, ref da, GateRows + 2 * HiddenSize + j);
            """));
        w.Line();
        w.Line("// d(r⊙h) = W_hnᵀ·da_n, parked in dPrev (the last product overwrites it)");
        MatrixEmitter.TransposedProduct(w, width, CandidateWeights, new VectorOperand("da", "GateRows + 2 * HiddenSize"), "dPrev", null, flush: false);
        w.Line();
        w.Line("// da_r = d(r⊙h)⊙h⊙r(1−r); h gets z⊙dh' and r⊙d(r⊙h) directly");
        MatrixEmitter.ForEachUnit(w, width, Hidden, u => w.Lines($$"""
            var one = {{u.Broadcast("1f")}};
            var dh = {{u.Load("dNext", "j")}} + {{u.Load("dOut", "j")}};
            var r = {{u.Load("activations", "j")}};
            var z = {{u.Load("activations", "HiddenSize + j")}};
            var dResetH = {{u.Load("dPrev", "j")}};
            var dr = FlushTiny(dResetH * {{u.Load("previous", "j")}} * r * (one - r));
            Store(dr, ref da, j);
            Store(dr, ref da, GateRows + j);
            Store(MultiplyAdd(dResetH, r, dh * z), ref direct, j);  // z⊙dh' + r⊙d(r⊙h)
            """));
    }

    public override BackwardProduct[] BackwardProducts => Spec.ResetBefore
    ?
    [
        new("// dx = W_ihᵀ·da_ih", InputWeights, "0", "dx", null, null, "", Flush: false, InputGradient: true),
        new("// dh = z⊙dh' + r⊙d(r⊙h) + W_h[r,z]ᵀ·da_h[r,z]", ResetUpdateWeights, "GateRows", "dPrev", "direct", "HiddenSize", "z⊙dh' + r⊙d(r⊙h)", Flush: true, InputGradient: false),
    ]
    :
    [
        new("// dx = W_ihᵀ·da_ih", InputWeights, "0", "dx", null, null, "", Flush: false, InputGradient: true),
        new("// dh = z⊙dh' + W_hhᵀ·da_hh", RecurrentWeights, "GateRows", "dPrev", "direct", "HiddenSize", "z⊙dh'", Flush: true, InputGradient: false),
    ];

    public override void EmitParameterGradients(SourceWriter w, Width width)
    {
        w.Line("// dW_ih += Σ_t da_ih,t ⊗ x_t");
        MatrixEmitter.AccumulateOuterProducts(w, width, InputWeights, RowsOperand.Gradients(), new("inputs", "InputSize"));
        w.Line();
        if (Spec.ResetBefore)
        {
            w.Line("// dW_h[r,z] += Σ_t da_h[r,z],t ⊗ h_t−1");
            MatrixEmitter.AccumulateOuterProducts(w, width, ResetUpdateWeights, RowsOperand.Gradients("GateRows"), new("states", "StateSize"));
            w.Line();
            w.Line("// dW_hn += Σ_t da_n,t ⊗ (r⊙h)_t, r⊙h as the step recorded it");
            w.Line("ref float resetH = ref At(ref activations, 3 * HiddenSize);");
            MatrixEmitter.AccumulateOuterProducts(w, width, CandidateWeights, RowsOperand.Gradients("GateRows + 2 * HiddenSize"), new("resetH", "ActivationsPerStep"));
        }
        else
        {
            w.Line("// dW_hh += Σ_t da_hh,t ⊗ h_t−1");
            MatrixEmitter.AccumulateOuterProducts(w, width, RecurrentWeights, RowsOperand.Gradients("GateRows"), new("states", "StateSize"));
        }
        if (Spec.Bias)
        {
            w.Line();
            w.Line("// db_ih += Σ_t da_ih,t, db_hh += Σ_t da_hh,t");
            MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasIhOffset", RowsOperand.Gradients());
            MatrixEmitter.AccumulateBias(w, width, Spec.GateRows, "GateRows", "BiasHhOffset", RowsOperand.Gradients("GateRows"));
        }
    }
}
