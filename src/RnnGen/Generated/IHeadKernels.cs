using System.ComponentModel;

namespace RnnGen.Generated;

/// <summary>The kernels of a model's linear head (PyTorch nn.Linear), applied to rows of the top layer's output.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IHeadKernels
{
    /// <summary>N: features per row.</summary>
    static abstract int InputSize { get; }

    /// <summary>M: outputs per row, 0 for a model without a head.</summary>
    static abstract int OutputSize { get; }

    /// <summary>M·N + M.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>y = W·x + b for each of <paramref name="rows"/> rows.</summary>
    static abstract void Forward(ref float w, ref float x, ref float y, int rows);

    /// <summary>dW += dy⊗x, db += dy, and (if asked) dx = Wᵀ·dy, for each of <paramref name="rows"/> rows.</summary>
    static abstract void Backward(ref float w, ref float x, ref float dy, ref float dx, ref float dp, int rows, bool computeDx);
}
