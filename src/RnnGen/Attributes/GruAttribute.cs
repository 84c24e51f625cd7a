namespace RnnGen;

/// <summary>
/// Generates a fixed-size, SIMD-vectorised GRU cell (PyTorch <c>nn.GRU</c> semantics, gates r, z, n)
/// into the annotated <see langword="partial"/> class: constants, parameters, <c>Step</c>, <c>Forward</c>
/// and the backward pass through time, all specialised for this input and hidden size.
/// </summary>
/// <example><code>[Gru(input: 8, hidden: 64)] public partial class Denoiser;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GruAttribute : Attribute
{
    /// <summary>A GRU cell reading <paramref name="input"/> features per step into <paramref name="hidden"/> units.</summary>
    /// <param name="input">Features per time step (I), 1 to 4096.</param>
    /// <param name="hidden">Hidden units (H), 1 to 4096.</param>
    public GruAttribute(int input, int hidden)
    {
        Input = input;
        Hidden = hidden;
    }

    /// <summary>A GRU cell whose input size equals its hidden size, as in a stacked layer.</summary>
    /// <param name="hidden">Hidden units (H) and input features (I), 1 to 4096.</param>
    public GruAttribute(int hidden) : this(hidden, hidden)
    {
    }

    /// <summary>Features per time step (I).</summary>
    public int Input { get; }

    /// <summary>Hidden units (H).</summary>
    public int Hidden { get; }

    /// <summary>
    /// The file name of trained weights to compile into the assembly, e.g. <c>"denoiser.safetensors"</c>; the project
    /// embeds it with <c>&lt;RnnGenWeights Include="denoiser.safetensors" /&gt;</c>. The generator then checks the file's
    /// tensors against this cell's sizes at build time and emits <c>static Denoiser FromEmbeddedWeights()</c>.
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>Prepended to the tensor names in <see cref="Weights"/>, e.g. <c>"rnn."</c> for a model whose RNN is <c>model.rnn</c>.</summary>
    public string WeightsPrefix { get; set; } = "";

    /// <summary>The layer of a stacked PyTorch RNN in <see cref="Weights"/>: names end in <c>_l{WeightsLayer}</c>.</summary>
    public int WeightsLayer { get; set; }
}
