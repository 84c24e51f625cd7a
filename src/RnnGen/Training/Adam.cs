using System.Numerics.Tensors;

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

/// <summary>The arithmetic Adam and AdamW share, in PyTorch 1.13's order of operations.</summary>
internal sealed class AdamRule
{
    private readonly bool _decoupled;
    private float _stepSize, _correction2Sqrt, _decay;

    public AdamRule(double beta1, double beta2, double epsilon, double weightDecay, bool decoupled)
    {
        Beta1 = Optimizer.Checked(beta1, nameof(beta1), 0, 1);
        Beta2 = Optimizer.Checked(beta2, nameof(beta2), 0, 1);
        Epsilon = Optimizer.Checked(epsilon, nameof(epsilon));
        WeightDecay = Optimizer.Checked(weightDecay, nameof(weightDecay));
        _decoupled = decoupled;
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    public void Begin(long step, double learningRate)
    {
        // As PyTorch: the corrections in double, each scalar rounded to float where it meets a float32 tensor.
        double correction1 = 1 - Math.Pow(Beta1, step), correction2 = 1 - Math.Pow(Beta2, step);
        _stepSize = (float)(learningRate / correction1);
        _correction2Sqrt = (float)Math.Sqrt(correction2);
        _decay = (float)(1 - learningRate * WeightDecay);
    }

    public void Update(
        ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> m, ReadOnlySpan<float> v,
        Span<float> pOut, Span<float> mOut, Span<float> vOut, Span<float> work)
    {
        int n = p.Length;
        Span<float> a = work[..n], t = work.Slice(work.Length / 2, n);
        ReadOnlySpan<float> d = g;
        if (!_decoupled && WeightDecay != 0)
        {
            TensorPrimitives.MultiplyAdd(p, (float)WeightDecay, g, a);       // g = g + λ·p
            d = a;
        }

        TensorPrimitives.Multiply(m, (float)Beta1, mOut);                    // m = β₁·m + (1 − β₁)·g
        TensorPrimitives.MultiplyAdd(d, (float)(1 - Beta1), mOut, mOut);
        TensorPrimitives.Multiply(d, (float)(1 - Beta2), t);                 // v = β₂·v + ((1 − β₂)·g)·g  (addcmul's order)
        TensorPrimitives.Multiply(t, d, t);
        TensorPrimitives.Multiply(v, (float)Beta2, vOut);
        TensorPrimitives.Add(vOut, t, vOut);

        TensorPrimitives.Sqrt(vOut, t);                                      // denominator = √v / √(1 − β₂ᵗ) + ε
        TensorPrimitives.Divide(t, _correction2Sqrt, t);
        TensorPrimitives.Add(t, (float)Epsilon, t);
        TensorPrimitives.Multiply(mOut, -_stepSize, a);                      // p = p + (−step·m) / denominator  (addcdiv's order)
        TensorPrimitives.Divide(a, t, a);
        if (_decoupled)
        {
            TensorPrimitives.Multiply(p, _decay, pOut);                      // AdamW: p = p·(1 − lr·λ) first
            TensorPrimitives.Add(pOut, a, pOut);
        }
        else
        {
            TensorPrimitives.Add(p, a, pOut);
        }
    }
}
