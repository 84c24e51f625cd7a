namespace RnnGen;

/// <summary>
/// Generates a fixed-size, SIMD-vectorised GRU (PyTorch <c>nn.GRU</c> semantics, gates r, z, n) into the annotated
/// <see langword="partial"/> class: one layer by default, or a whole module with <see cref="RecurrentModuleAttribute.Layers"/>,
/// <see cref="RecurrentModuleAttribute.Bidirectional"/> and <see cref="RecurrentModuleAttribute.Bias"/>, and with a [Dense] on the same class, its linear head.
/// Constants, parameters in the module's state_dict order, streaming steps, sequence passes and the backward pass
/// through time, all specialised for these sizes.
/// </summary>
/// <example><code>[Gru(input: 8, hidden: 64)] public partial class Denoiser;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GruAttribute : RecurrentModuleAttribute
{
    /// <summary>A GRU cell reading <paramref name="input"/> features per step into <paramref name="hidden"/> units.</summary>
    /// <param name="input">Features per time step (I), 1 to 4096.</param>
    /// <param name="hidden">Hidden units (H), 1 to 4096.</param>
    public GruAttribute(int input, int hidden)
        : base(input, hidden)
    {
    }

    /// <summary>A GRU cell whose input size equals its hidden size, as in a stacked layer.</summary>
    /// <param name="hidden">Hidden units (H) and input features (I), 1 to 4096.</param>
    public GruAttribute(int hidden) : this(hidden, hidden)
    {
    }

    /// <summary>
    /// Where the reset gate applies in the candidate n. True (the default, PyTorch's <c>nn.GRU</c>): after the recurrent
    /// product, n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)). False: before it, n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn),
    /// the GRU of Cho et al. 2014 (Keras <c>reset_after=False</c>, ONNX <c>linear_before_reset=0</c>), which PyTorch cannot
    /// express. The tensors are the same; weight files say which in their metadata entry
    /// <see cref="IO.WeightMetadata.GruResetAfterKey"/>.
    /// </summary>
    public bool ResetAfter { get; set; } = true;
}
