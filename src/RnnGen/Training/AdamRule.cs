using System.Numerics.Tensors;

namespace RnnGen.Training;

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
