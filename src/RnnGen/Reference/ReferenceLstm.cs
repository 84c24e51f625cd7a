using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The reference LSTM (PyTorch <c>nn.LSTM</c>, one layer, gates i, f, g, o): runtime sizes, any IEEE
/// floating-point type, forward and backpropagation through time written equation by equation.
/// </summary>
public sealed class ReferenceLstm<T> : ReferenceCell<T> where T : IFloatingPointIeee754<T>
{
    /// <summary>An LSTM of the given sizes with PyTorch's default initialisation drawn from <paramref name="random"/> (or <see cref="Random.Shared"/>).</summary>
    public ReferenceLstm(int inputSize, int hiddenSize, Random? random = null)
        : base(CellKind.Lstm, inputSize, hiddenSize, random)
    {
    }

    // activations: i, f, g, o (after their nonlinearity), then tanh(c'); H values each.
    private protected override void StepCore(ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations)
    {
        int n = HiddenSize;
        ReadOnlySpan<T> h = previous[..n], c = previous[n..];
        Span<T> gates = activations[..(4 * n)];

        // [i f g o] pre-activations = W_ih x + b_ih + W_hh h + b_hh
        BiasIh.CopyTo(gates);
        Linear.Add<T>(BiasHh, gates);
        Linear.AddProduct<T>(WeightIh, x, gates);
        Linear.AddProduct<T>(WeightHh, h, gates);

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
            next[n + j] = cNext;
            next[j] = o * tanhC;                        // h' = o⊙tanh(c')
        }
    }

    private protected override void BackwardStepCore(
        ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> preActivationGradients, Span<T> dx, Span<T> parameterGradients)
    {
        int n = HiddenSize;
        ReadOnlySpan<T> hPrev = previous[..n], cPrev = previous[n..];
        Span<T> dh = stateGradient[..n], dc = stateGradient[n..];
        Span<T> da = preActivationGradients;
        for (int j = 0; j < n; j++)
        {
            T i = activations[j], f = activations[n + j], g = activations[2 * n + j], o = activations[3 * n + j];
            T tanhC = activations[4 * n + j];
            T dcj = dc[j] + dh[j] * o * (T.One - tanhC * tanhC);    // through h' = o⊙tanh(c')
            da[j] = dcj * g * i * (T.One - i);                       // ∂/∂(i pre-activation)
            da[n + j] = dcj * cPrev[j] * f * (T.One - f);            // ∂/∂(f pre-activation)
            da[2 * n + j] = dcj * i * (T.One - g * g);               // ∂/∂(g pre-activation)
            da[3 * n + j] = dh[j] * tanhC * o * (T.One - o);         // ∂/∂(o pre-activation)
            dc[j] = dcj * f;                                         // dL/dc through c' = f⊙c + i⊙g
        }

        AccumulateParameterGradients(x, hPrev, da, da, parameterGradients);
        if (!dx.IsEmpty)
        {
            dx.Clear();
            Linear.AddTransposedProduct<T>(WeightIh, da, dx);       // dx = W_ihᵀ da
        }

        dh.Clear();
        Linear.AddTransposedProduct<T>(WeightHh, da, dh);           // dh = W_hhᵀ da
    }
}
