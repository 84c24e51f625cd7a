using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The GRU (gates r, z, n). With <c>resetAfter</c> (PyTorch nn.GRU) n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)); without
/// (reset-before: Cho et al. 2014, Keras reset_after=False, ONNX linear_before_reset=0) n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn).
/// </summary>
internal sealed class GruMath<T>(int input, int hidden, bool bias, bool resetAfter)
    : LayerMath<T>(CellKind.Gru, input, hidden, 0, bias) where T : IFloatingPointIeee754<T>
{
    // activations: r, z, n (after their nonlinearity), then W_hn h + b_hn (reset-after) or r⊙h (reset-before); H values each.
    public override int ActivationsPerStep => 4 * Hidden;

    // gradients: the input side's r, z, n, then the recurrent side's (reset-after: its n scaled by r).
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

        StartFromBias(BiasIh(p), rz, inputN);                          // W_in x + b_in
        Linear.AddProduct(WeightIh(p)[(rz * Input)..], x, inputN);
        if (!resetAfter)
        {
            // Reset-before: r first, then the n gate's whole pre-activation W_in x + b_in + W_hn (r⊙h) + b_hn.
            Span<T> resetH = hiddenN;
            for (int j = 0; j < n; j++)
            {
                T r = Linear.Sigmoid(gatesRz[j]);
                gatesRz[j] = r;
                resetH[j] = r * h[j];                                // r⊙h, recorded for W_hn's gradient
            }

            if (HasBias)
            {
                Linear.Add(BiasHh(p)[rz..], inputN);
            }

            Linear.AddProduct(WeightHh(p)[(rz * n)..], resetH, inputN);
            for (int j = 0; j < n; j++)
            {
                T z = Linear.Sigmoid(gatesRz[n + j]);
                T nj = T.Tanh(inputN[j]);
                gatesRz[n + j] = z;
                inputN[j] = nj;
                next[j] = (T.One - z) * nj + z * h[j];               // h' = (1−z)⊙n + z⊙h
            }

            return;
        }

        // The n gate keeps its two halves apart: r scales only the recurrent one.
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
        if (!resetAfter)
        {
            BackwardResetBefore(p, x, previous, activations, stateGradient, gradients, dx, dp);
            return;
        }

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

    /// <summary>
    /// Back through n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn): da_n and da_z first, then d(r⊙h) = W_hnᵀ da_n, which
    /// gives da_r = d(r⊙h)⊙h⊙r(1−r) and the path r⊙d(r⊙h) into dh.
    /// </summary>
    private void BackwardResetBefore(
        ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> activations,
        Span<T> dh, Span<T> gradients, Span<T> dx, Span<T> dp)
    {
        int n = Hidden, rz = 2 * n;
        Span<T> daInput = gradients[..(3 * n)], daHidden = gradients.Slice(3 * n, 3 * n);
        ReadOnlySpan<T> resetH = activations.Slice(3 * n, n);
        for (int j = 0; j < n; j++)
        {
            T z = activations[n + j], nj = activations[2 * n + j];
            T dnPre = dh[j] * (T.One - z) * (T.One - nj * nj);      // ∂/∂(n pre-activation), both halves alike
            T dzPre = dh[j] * (hPrev[j] - nj) * z * (T.One - z);     // ∂/∂(z pre-activation)
            daInput[n + j] = daHidden[n + j] = dzPre;
            daInput[2 * n + j] = daHidden[2 * n + j] = dnPre;
            dh[j] *= z;                                              // h' = … + z⊙h passes dh straight through
        }

        // d(r⊙h) = W_hnᵀ da_n, in the r slot of da_hh until da_r replaces it.
        Span<T> dResetH = daHidden[..n];
        dResetH.Clear();
        Linear.AddTransposedProduct(WeightHh(p)[(rz * n)..], daHidden[rz..], dResetH);
        for (int j = 0; j < n; j++)
        {
            T r = activations[j], d = dResetH[j];
            dh[j] += d * r;                                          // through r⊙h to h
            daInput[j] = daHidden[j] = d * hPrev[j] * r * (T.One - r);   // ∂/∂(r pre-activation)
        }

        // dW_ih += da_ih ⊗ x; dW_h[rz] += da_h[rz] ⊗ h; dW_hn += da_n ⊗ (r⊙h); the biases.
        int ih = GateRows * Input, hh = GateRows * n;
        Linear.AddOuter<T>(daInput, x, dp[..ih]);
        Linear.AddOuter<T>(daHidden[..rz], hPrev, dp.Slice(ih, rz * n));
        Linear.AddOuter<T>(daHidden[rz..], resetH, dp.Slice(ih + rz * n, n * n));
        if (HasBias)
        {
            Linear.Add<T>(daInput, dp.Slice(ih + hh, GateRows));
            Linear.Add<T>(daHidden, dp.Slice(ih + hh + GateRows, GateRows));
        }

        if (!dx.IsEmpty)
        {
            dx.Clear();
            Linear.AddTransposedProduct(WeightIh(p), daInput, dx);   // dx = W_ihᵀ da_ih
        }

        Linear.AddTransposedProduct(WeightHh(p)[..(rz * n)], daHidden[..rz], dh);   // dh += W_h[rz]ᵀ da_h[rz]
    }
}
