using System.Numerics;

namespace RnnGen.Reference;

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
