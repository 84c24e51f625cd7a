namespace RnnGen.Training;

/// <summary>
/// Adam with PyTorch <c>torch.optim.Adam</c>'s rule: g = g + λ·p (L2 weight decay); m = β₁·m + (1 − β₁)·g;
/// v = β₂·v + (1 − β₂)·g²; p = p − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε), with ε outside the square root.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly AdamRule _rule;

    /// <summary>An Adam optimizer over <paramref name="parameters"/>; the defaults are PyTorch's.</summary>
    /// <param name="parameters">The model's (parameters, gradients) buffers.</param>
    /// <param name="learningRate">lr, ≥ 0.</param>
    /// <param name="beta1">β₁ in [0, 1): decay of the gradient average.</param>
    /// <param name="beta2">β₂ in [0, 1): decay of the squared-gradient average.</param>
    /// <param name="epsilon">ε ≥ 0, added to the denominator after the square root.</param>
    /// <param name="weightDecay">λ ≥ 0: L2 penalty added to the gradient (for decay decoupled from it, use <see cref="AdamW"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public Adam(ParameterSet parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate, stateBuffers: 2) =>
        _rule = new AdamRule(beta1, beta2, epsilon, weightDecay, decoupled: false);

    /// <summary>β₁.</summary>
    public double Beta1 => _rule.Beta1;

    /// <summary>β₂.</summary>
    public double Beta2 => _rule.Beta2;

    /// <summary>ε.</summary>
    public double Epsilon => _rule.Epsilon;

    /// <summary>λ, added to the gradient.</summary>
    public double WeightDecay => _rule.WeightDecay;

    private protected override void BeginStep(long step) => _rule.Begin(step, LearningRate);

    private protected override void Update(
        long step, ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> s0, ReadOnlySpan<float> s1,
        Span<float> pOut, Span<float> s0Out, Span<float> s1Out, Span<float> work) =>
        _rule.Update(p, g, s0, s1, pOut, s0Out, s1Out, work);
}
