using System.Numerics;

namespace RnnGen.Reference;

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
