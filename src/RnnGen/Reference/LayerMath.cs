using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The equations of one direction of one layer, on a span of its parameters (state_dict order: weight_ih, weight_hh,
/// then bias_ih and bias_hh when the layer has biases, then weight_hr when it is projected). Runtime sizes, any IEEE
/// type, written plainly: the oracle's arithmetic. A layer state is h (Hout values) then, for an LSTM, c (H).
/// </summary>
internal abstract class LayerMath<T> where T : IFloatingPointIeee754<T>
{
    protected LayerMath(CellKind kind, int input, int hidden, int projection, bool bias)
    {
        Input = input;
        Hidden = hidden;
        Projection = projection;
        HasBias = bias;
        GateRows = CellShape.GateCount(kind) * hidden;
        Recurrent = projection > 0 ? projection : hidden;
        StateSize = Recurrent + (kind == CellKind.Lstm ? hidden : 0);
        ParameterCount = GateRows * (input + Recurrent) + (bias ? 2 * GateRows : 0) + projection * hidden;
    }

    public int Input { get; }

    public int Hidden { get; }

    /// <summary>P, or 0.</summary>
    public int Projection { get; }

    public bool HasBias { get; }

    public int GateRows { get; }

    /// <summary>Hout: the width of h.</summary>
    public int Recurrent { get; }

    public int StateSize { get; }

    public int ParameterCount { get; }

    public static LayerMath<T> For(ModelShape shape, int layer) => shape.Kind == CellKind.Lstm
        ? new LstmMath<T>(shape.Layout.LayerInputSize(layer), shape.HiddenSize, shape.ProjectionSize, shape.Bias)
        : new GruMath<T>(shape.Layout.LayerInputSize(layer), shape.HiddenSize, shape.Bias);

    protected ReadOnlySpan<T> WeightIh(ReadOnlySpan<T> p) => p[..(GateRows * Input)];

    protected ReadOnlySpan<T> WeightHh(ReadOnlySpan<T> p) => p.Slice(GateRows * Input, GateRows * Recurrent);

    /// <summary>bias_ih, or empty without biases.</summary>
    protected ReadOnlySpan<T> BiasIh(ReadOnlySpan<T> p) => HasBias ? p.Slice(GateRows * (Input + Recurrent), GateRows) : default;

    /// <summary>bias_hh, or empty without biases.</summary>
    protected ReadOnlySpan<T> BiasHh(ReadOnlySpan<T> p) => HasBias ? p.Slice(GateRows * (Input + Recurrent + 1), GateRows) : default;

    protected ReadOnlySpan<T> WeightHr(ReadOnlySpan<T> p) => p.Slice(ParameterCount - Projection * Hidden, Projection * Hidden);

    /// <summary>y = b (or 0 without biases) for the rows of <paramref name="y"/>, starting at bias row <paramref name="row"/>.</summary>
    protected static void StartFromBias(ReadOnlySpan<T> bias, int row, Span<T> y)
    {
        if (bias.IsEmpty)
        {
            y.Clear();
        }
        else
        {
            bias.Slice(row, y.Length).CopyTo(y);
        }
    }

    /// <summary>dW_ih += da_ih ⊗ x, dW_hh += da_hh ⊗ h, db_ih += da_ih, db_hh += da_hh (the biases when there are).</summary>
    protected void AccumulateGateGradients(
        ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> inputGateGradients, ReadOnlySpan<T> hiddenGateGradients, Span<T> dp)
    {
        int ih = GateRows * Input, hh = GateRows * Recurrent;
        Linear.AddOuter(inputGateGradients, x, dp[..ih]);
        Linear.AddOuter(hiddenGateGradients, h, dp.Slice(ih, hh));
        if (HasBias)
        {
            Linear.Add(inputGateGradients, dp.Slice(ih + hh, GateRows));
            Linear.Add(hiddenGateGradients, dp.Slice(ih + hh + GateRows, GateRows));
        }
    }

    /// <summary>Values one step records (the tape's per-step activations).</summary>
    public abstract int ActivationsPerStep { get; }

    /// <summary>Scratch one backward step needs for its pre-activation gradients.</summary>
    public abstract int GradientsPerStep { get; }

    /// <summary>One step forward: reads <paramref name="previous"/> fully before writing <paramref name="next"/> (they may be the same span).</summary>
    public abstract void Step(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations);

    /// <summary>
    /// One step back: <paramref name="stateGradient"/> holds dL/d(state after the step), its h part including the
    /// output's gradient, and is overwritten with dL/d(state before it); <paramref name="dx"/> is overwritten unless
    /// empty; the parameter gradients accumulate into <paramref name="dp"/> (this layer-direction's block).
    /// </summary>
    public abstract void Backward(
        ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> gradients, Span<T> dx, Span<T> dp);
}

/// <summary>The LSTM (PyTorch nn.LSTM: gates i, f, g, o; with proj_size, h = W_hr·(o⊙tanh(c))).</summary>
internal sealed class LstmMath<T>(int input, int hidden, int projection, bool bias)
    : LayerMath<T>(CellKind.Lstm, input, hidden, projection, bias) where T : IFloatingPointIeee754<T>
{
    // dL/dm behind a projection (so a backward step allocates nothing; one stream at a time, like every reference).
    private readonly T[] _dm = new T[projection > 0 ? hidden : 0];

    // activations: i, f, g, o (after their nonlinearity), tanh(c'), and m = o⊙tanh(c') when projected; H values each.
    public override int ActivationsPerStep => (Projection > 0 ? 6 : 5) * Hidden;

    // gradients: da for i, f, g, o (4·H), then dL/dh' (P) when projected.
    public override int GradientsPerStep => 4 * Hidden + Projection;

    public override void Step(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations)
    {
        int n = Hidden, r = Recurrent;
        ReadOnlySpan<T> h = previous[..r], c = previous[r..];
        Span<T> gates = activations[..(4 * n)];

        // [i f g o] pre-activations = W_ih x + b_ih + W_hh h + b_hh
        StartFromBias(BiasIh(p), 0, gates);
        if (HasBias)
        {
            Linear.Add(BiasHh(p), gates);
        }

        Linear.AddProduct(WeightIh(p), x, gates);
        Linear.AddProduct(WeightHh(p), h, gates);

        Span<T> m = Projection > 0 ? activations.Slice(5 * n, n) : next[..n];
        for (int j = 0; j < n; j++)
        {
            T i = Linear.Sigmoid(gates[j]);             // i = σ(·): how much new content to admit
            T f = Linear.Sigmoid(gates[n + j]);         // f = σ(·): how much of the cell to keep
            T g = T.Tanh(gates[2 * n + j]);             // g = tanh(·): the candidate content
            T o = Linear.Sigmoid(gates[3 * n + j]);     // o = σ(·): how much of the cell to expose
            T cNext = f * c[j] + i * g;                 // c' = f⊙c + i⊙g
            T tanhC = T.Tanh(cNext);
            gates[j] = i;
            gates[n + j] = f;
            gates[2 * n + j] = g;
            gates[3 * n + j] = o;
            activations[4 * n + j] = tanhC;
            next[r + j] = cNext;
            m[j] = o * tanhC;                           // h' = o⊙tanh(c') (m before a projection)
        }

        if (Projection > 0)
        {
            Span<T> hNext = next[..r];
            hNext.Clear();
            Linear.AddProduct(WeightHr(p), m, hNext);   // h' = W_hr·m
        }
    }

    public override void Backward(
        ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> gradients, Span<T> dx, Span<T> dp)
    {
        int n = Hidden, r = Recurrent;
        ReadOnlySpan<T> hPrev = previous[..r], cPrev = previous[r..];
        Span<T> dh = stateGradient[..r], dc = stateGradient[r..];
        Span<T> da = gradients[..(4 * n)];

        // Through the projection h' = W_hr·m: dm = W_hrᵀ·dh', dW_hr += dh' ⊗ m. Unprojected, dm is dh'.
        Span<T> dm = dh;
        if (Projection > 0)
        {
            Span<T> dhProjected = gradients.Slice(4 * n, Projection);
            dh.CopyTo(dhProjected);
            dm = _dm;
            dm.Clear();
            Linear.AddTransposedProduct(WeightHr(p), dhProjected, dm);
            Linear.AddOuter<T>(dhProjected, activations.Slice(5 * n, n), dp.Slice(ParameterCount - Projection * n, Projection * n));
        }

        for (int j = 0; j < n; j++)
        {
            T i = activations[j], f = activations[n + j], g = activations[2 * n + j], o = activations[3 * n + j];
            T tanhC = activations[4 * n + j];
            T dcj = dc[j] + dm[j] * o * (T.One - tanhC * tanhC);    // through m = o⊙tanh(c')
            da[j] = dcj * g * i * (T.One - i);                       // ∂/∂(i pre-activation)
            da[n + j] = dcj * cPrev[j] * f * (T.One - f);            // ∂/∂(f pre-activation)
            da[2 * n + j] = dcj * i * (T.One - g * g);               // ∂/∂(g pre-activation)
            da[3 * n + j] = dm[j] * tanhC * o * (T.One - o);         // ∂/∂(o pre-activation)
            dc[j] = dcj * f;                                         // dL/dc through c' = f⊙c + i⊙g
        }

        AccumulateGateGradients(x, hPrev, da, da, dp);
        if (!dx.IsEmpty)
        {
            dx.Clear();
            Linear.AddTransposedProduct(WeightIh(p), da, dx);       // dx = W_ihᵀ da
        }

        dh.Clear();
        Linear.AddTransposedProduct(WeightHh(p), da, dh);           // dh = W_hhᵀ da
    }
}

/// <summary>The GRU (PyTorch nn.GRU: gates r, z, n; n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))).</summary>
internal sealed class GruMath<T>(int input, int hidden, bool bias)
    : LayerMath<T>(CellKind.Gru, input, hidden, 0, bias) where T : IFloatingPointIeee754<T>
{
    // activations: r, z, n (after their nonlinearity), then W_hn h + b_hn; H values each.
    public override int ActivationsPerStep => 4 * Hidden;

    // gradients: the input side's r, z, n, then the recurrent side's (its n scaled by r).
    public override int GradientsPerStep => 6 * Hidden;

    public override void Step(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations)
    {
        int n = Hidden, rz = 2 * n;
        ReadOnlySpan<T> h = previous;
        Span<T> gatesRz = activations[..rz], inputN = activations.Slice(rz, n), hiddenN = activations.Slice(3 * n, n);

        // [r z] pre-activations = W_i[rz] x + b_i[rz] + W_h[rz] h + b_h[rz]
        StartFromBias(BiasIh(p), 0, gatesRz);
        if (HasBias)
        {
            Linear.Add(BiasHh(p)[..rz], gatesRz);
        }

        Linear.AddProduct(WeightIh(p)[..(rz * Input)], x, gatesRz);
        Linear.AddProduct(WeightHh(p)[..(rz * n)], h, gatesRz);

        // The n gate keeps its two halves apart: r scales only the recurrent one.
        StartFromBias(BiasIh(p), rz, inputN);                          // W_in x + b_in
        Linear.AddProduct(WeightIh(p)[(rz * Input)..], x, inputN);
        StartFromBias(BiasHh(p), rz, hiddenN);                         // W_hn h + b_hn
        Linear.AddProduct(WeightHh(p)[(rz * n)..], h, hiddenN);

        for (int j = 0; j < n; j++)
        {
            T r = Linear.Sigmoid(gatesRz[j]);                        // r = σ(·): how much of h feeds the candidate
            T z = Linear.Sigmoid(gatesRz[n + j]);                    // z = σ(·): how much of h to keep
            T nj = T.Tanh(inputN[j] + r * hiddenN[j]);               // n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))
            gatesRz[j] = r;
            gatesRz[n + j] = z;
            inputN[j] = nj;
            next[j] = (T.One - z) * nj + z * h[j];                   // h' = (1−z)⊙n + z⊙h
        }
    }

    public override void Backward(
        ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> gradients, Span<T> dx, Span<T> dp)
    {
        int n = Hidden;
        ReadOnlySpan<T> hPrev = previous;
        Span<T> dh = stateGradient;
        Span<T> daInput = gradients[..(3 * n)], daHidden = gradients.Slice(3 * n, 3 * n);
        for (int j = 0; j < n; j++)
        {
            T r = activations[j], z = activations[n + j], nj = activations[2 * n + j], hiddenN = activations[3 * n + j];
            T dnPre = dh[j] * (T.One - z) * (T.One - nj * nj);      // ∂/∂(n pre-activation)
            T drPre = dnPre * hiddenN * r * (T.One - r);             // ∂/∂(r pre-activation), via r⊙(W_hn h + b_hn)
            T dzPre = dh[j] * (hPrev[j] - nj) * z * (T.One - z);     // ∂/∂(z pre-activation)
            daInput[j] = daHidden[j] = drPre;
            daInput[n + j] = daHidden[n + j] = dzPre;
            daInput[2 * n + j] = dnPre;                              // for W_in x + b_in
            daHidden[2 * n + j] = dnPre * r;                         // for W_hn h + b_hn
            dh[j] *= z;                                              // h' = … + z⊙h passes dh straight through
        }

        AccumulateGateGradients(x, hPrev, daInput, daHidden, dp);
        if (!dx.IsEmpty)
        {
            dx.Clear();
            Linear.AddTransposedProduct(WeightIh(p), daInput, dx);   // dx = W_ihᵀ da_ih
        }

        Linear.AddTransposedProduct(WeightHh(p), daHidden, dh);      // dh += W_hhᵀ da_hh
    }
}
