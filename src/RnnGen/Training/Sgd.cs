using System.Numerics.Tensors;

namespace RnnGen.Training;

/// <summary>
/// Stochastic gradient descent with PyTorch <c>torch.optim.SGD</c>'s rule: d = g + λ·p; with momentum μ,
/// b = d on the first step and b = μ·b + (1 − τ)·d after it, then d = b (or d + μ·b with Nesterov); p = p − lr·d.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>An SGD optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The model's (parameters, gradients) buffers.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="momentum">μ, ≥ 0 (0: plain SGD, no momentum buffer).</param>
    /// <param name="dampening">τ, ≥ 0: the momentum buffer takes (1 − τ) of each new gradient.</param>
    /// <param name="weightDecay">λ, ≥ 0: L2 penalty added to the gradient.</param>
    /// <param name="nesterov">Nesterov momentum; needs μ &gt; 0 and τ = 0, as in PyTorch.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is negative or not finite.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum, or with dampening.</exception>
    public Sgd(ParameterSet parameters, double learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, learningRate, momentum != 0 ? 1 : 0)
    {
        Momentum = Checked(momentum, nameof(momentum));
        Dampening = Checked(dampening, nameof(dampening));
        WeightDecay = Checked(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening.", nameof(nesterov));
        }

        Nesterov = nesterov;
    }

    /// <summary>μ.</summary>
    public double Momentum { get; }

    /// <summary>τ.</summary>
    public double Dampening { get; }

    /// <summary>λ.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether the step uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    private protected override void Update(
        long step, ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> s0, ReadOnlySpan<float> s1,
        Span<float> pOut, Span<float> s0Out, Span<float> s1Out, Span<float> work)
    {
        // Scalars are rounded to float as PyTorch rounds a Python float for a float32 tensor op.
        Span<float> d = work[..p.Length];
        if (WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(p, (float)WeightDecay, g, d);     // d = g + λ·p
        }
        else
        {
            g.CopyTo(d);
        }

        ReadOnlySpan<float> direction = d;
        if (Momentum != 0)
        {
            if (step == 1)
            {
                d.CopyTo(s0Out);                                           // b = clone(d)
            }
            else
            {
                TensorPrimitives.Multiply(s0, (float)Momentum, s0Out);     // b = μ·b + (1 − τ)·d
                TensorPrimitives.MultiplyAdd(d, (float)(1 - Dampening), s0Out, s0Out);
            }

            if (Nesterov)
            {
                TensorPrimitives.MultiplyAdd(s0Out, (float)Momentum, d, d); // d = d + μ·b
            }
            else
            {
                direction = s0Out;                                         // d = b
            }
        }

        TensorPrimitives.MultiplyAdd(direction, (float)-LearningRate, p, pOut); // p = p − lr·d
    }
}
