namespace RnnGen;

/// <summary>
/// Generates a fixed-size, SIMD-vectorised LSTM (PyTorch <c>nn.LSTM</c> semantics, gates i, f, g, o) into the annotated
/// <see langword="partial"/> class: one layer by default, or a whole module with <see cref="RecurrentModuleAttribute.Layers"/>,
/// <see cref="RecurrentModuleAttribute.Bidirectional"/>, <see cref="ProjectionSize"/> and <see cref="RecurrentModuleAttribute.Bias"/>, and with a [Dense] on the same class, its linear head.
/// Constants, parameters in the module's state_dict order, streaming steps, sequence passes and the backward pass
/// through time, all specialised for these sizes.
/// </summary>
/// <example><code>[Lstm(input: 32, hidden: 128)] public partial class Tagger;
/// [Lstm(input: 40, hidden: 128, Layers = 2, Bidirectional = true), Dense(input: 256, output: 10)] public partial class Model;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LstmAttribute : RecurrentModuleAttribute
{
    /// <summary>An LSTM cell reading <paramref name="input"/> features per step into <paramref name="hidden"/> units.</summary>
    /// <param name="input">Features per time step (I), 1 to 4096.</param>
    /// <param name="hidden">Hidden units (H), 1 to 4096.</param>
    public LstmAttribute(int input, int hidden)
        : base(input, hidden)
    {
    }

    /// <summary>An LSTM cell whose input size equals its hidden size, as in a stacked layer.</summary>
    /// <param name="hidden">Hidden units (H) and input features (I), 1 to 4096.</param>
    public LstmAttribute(int hidden) : this(hidden, hidden)
    {
    }

    /// <summary>The LSTM's projection size (PyTorch's <c>proj_size</c>), 1 to hidden − 1, or 0 for none: h = W_hr·(o⊙tanh(c)) has this many values.</summary>
    public int ProjectionSize { get; set; }
}
