namespace RnnGen.Training;

/// <summary>
/// AdamW with PyTorch <c>torch.optim.AdamW</c>'s rule: Adam without weight decay in the gradient, and instead
/// p = p·(1 − lr·λ) before the Adam update (decoupled weight decay, Loshchilov &amp; Hutter).
/// </summary>
public sealed class AdamW : Optimizer
{
    private readonly AdamRule _rule;

    /// <summary>An AdamW optimizer over <paramref name="parameters"/>; the defaults are PyTorch's (λ = 0.01).</summary>
    /// <param name="parameters">The model's (parameters, gradients) buffers.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="epsilon">ε ≥ 0, outside the square root.</param>
    /// <param name="weightDecay">λ ≥ 0, applied to the parameters directly.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public AdamW(ParameterSet parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 1e-2)
        : base(parameters, learningRate, stateBuffers: 2) =>
        _rule = new AdamRule(beta1, beta2, epsilon, weightDecay, decoupled: true);

    /// <summary>β₁.</summary>
    public double Beta1 => _rule.Beta1;

    /// <summary>β₂.</summary>
    public double Beta2 => _rule.Beta2;

    /// <summary>ε.</summary>
    public double Epsilon => _rule.Epsilon;

    /// <summary>λ, applied to the parameters.</summary>
    public double WeightDecay => _rule.WeightDecay;

    private protected override void BeginStep(long step) => _rule.Begin(step, LearningRate);

    private protected override void Update(
        long step, ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> s0, ReadOnlySpan<float> s1,
        Span<float> pOut, Span<float> s0Out, Span<float> s1Out, Span<float> work) =>
        _rule.Update(p, g, s0, s1, pOut, s0Out, s1Out, work);
}
