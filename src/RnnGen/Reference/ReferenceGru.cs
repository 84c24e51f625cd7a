using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The reference GRU (PyTorch <c>nn.GRU</c>, one layer, gates r, z, n): runtime sizes, any IEEE
/// floating-point type, forward and backpropagation through time written equation by equation.
/// </summary>
public sealed class ReferenceGru<T> : ReferenceCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>A GRU of the given sizes with PyTorch's default initialisation drawn from <paramref name="random"/> (or <see cref="Random.Shared"/>).</summary>
    public ReferenceGru(int inputSize, int hiddenSize, Random? random = null)
        : base(CellKind.Gru, inputSize, hiddenSize, random)
    {
    }

    // activations: r, z, n (after their nonlinearity), then W_hn h + b_hn; H values each.
    private protected override void StepCore(ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations)
    {
        int n = HiddenSize, rz = 2 * n;
        ReadOnlySpan<T> h = previous;
        Span<T> gatesRz = activations[..rz], inputN = activations.Slice(rz, n), hiddenN = activations.Slice(3 * n, n);

        // [r z] pre-activations = W_i[rz] x + b_i[rz] + W_h[rz] h + b_h[rz]
        BiasIh[..rz].CopyTo(gatesRz);
        Linear.Add<T>(BiasHh[..rz], gatesRz);
        Linear.AddProduct<T>(WeightIh[..(rz * InputSize)], x, gatesRz);
        Linear.AddProduct<T>(WeightHh[..(rz * n)], h, gatesRz);

        // The n gate keeps its two halves apart: r scales only the recurrent one.
        BiasIh[rz..].CopyTo(inputN);                                   // W_in x + b_in
        Linear.AddProduct<T>(WeightIh[(rz * InputSize)..], x, inputN);
        BiasHh[rz..].CopyTo(hiddenN);                                  // W_hn h + b_hn
        Linear.AddProduct<T>(WeightHh[(rz * n)..], h, hiddenN);

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

    private protected override void BackwardStepCore(
        ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> preActivationGradients, Span<T> dx, Span<T> parameterGradients)
    {
        int n = HiddenSize;
        ReadOnlySpan<T> hPrev = previous;
        Span<T> dh = stateGradient;
        Span<T> daInput = preActivationGradients[..(3 * n)], daHidden = preActivationGradients[(3 * n)..];
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

        AccumulateParameterGradients(x, hPrev, daInput, daHidden, parameterGradients);
        if (!dx.IsEmpty)
        {
            dx.Clear();
            Linear.AddTransposedProduct<T>(WeightIh, daInput, dx);   // dx = W_ihᵀ da_ih
        }

        Linear.AddTransposedProduct<T>(WeightHh, daHidden, dh);      // dh += W_hhᵀ da_hh
    }
}
