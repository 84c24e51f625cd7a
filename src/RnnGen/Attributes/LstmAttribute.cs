namespace RnnGen;

/// <summary>
/// Generates a fixed-size, SIMD-vectorised LSTM (PyTorch <c>nn.LSTM</c> semantics, gates i, f, g, o) into the annotated
/// <see langword="partial"/> class: one layer by default, or a whole module with <see cref="Layers"/>,
/// <see cref="Bidirectional"/>, <see cref="ProjectionSize"/> and <see cref="Bias"/>, and with a [Dense] on the same class, its linear head.
/// Constants, parameters in the module's state_dict order, streaming steps, sequence passes and the backward pass
/// through time, all specialised for these sizes.
/// </summary>
/// <example><code>[Lstm(input: 32, hidden: 128)] public partial class Tagger;
/// [Lstm(input: 40, hidden: 128, Layers = 2, Bidirectional = true), Dense(input: 256, output: 10)] public partial class Model;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LstmAttribute : Attribute
{
    /// <summary>An LSTM cell reading <paramref name="input"/> features per step into <paramref name="hidden"/> units.</summary>
    /// <param name="input">Features per time step (I), 1 to 4096.</param>
    /// <param name="hidden">Hidden units (H), 1 to 4096.</param>
    public LstmAttribute(int input, int hidden)
    {
        Input = input;
        Hidden = hidden;
    }

    /// <summary>An LSTM cell whose input size equals its hidden size, as in a stacked layer.</summary>
    /// <param name="hidden">Hidden units (H) and input features (I), 1 to 4096.</param>
    public LstmAttribute(int hidden) : this(hidden, hidden)
    {
    }

    /// <summary>Features per time step (I).</summary>
    public int Input { get; }

    /// <summary>Hidden units (H).</summary>
    public int Hidden { get; }

    /// <summary>
    /// The file name of trained weights to compile into the assembly, e.g. <c>"tagger.safetensors"</c>; the project
    /// embeds it with <c>&lt;RnnGenWeights Include="tagger.safetensors" /&gt;</c>. The generator then checks the file's
    /// tensors against this cell's sizes at build time and emits <c>static Tagger FromEmbeddedWeights()</c>.
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>Prepended to the tensor names in <see cref="Weights"/>, e.g. <c>"rnn."</c> for a model whose RNN is <c>model.rnn</c>.</summary>
    public string WeightsPrefix { get; set; } = "";

    /// <summary>The layer of a stacked PyTorch RNN in <see cref="Weights"/>: names end in <c>_l{WeightsLayer}</c>.</summary>
    public int WeightsLayer { get; set; }

    /// <summary>Stacked layers (PyTorch's <c>num_layers</c>), 1 to 64; each layer above the first reads the outputs of the one below.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Whether every layer also runs backwards over the sequence (PyTorch's <c>bidirectional</c>); its outputs are the two directions' h side by side. A bidirectional model has no Step: it reads whole sequences.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>The LSTM's projection size (PyTorch's <c>proj_size</c>), 1 to hidden − 1, or 0 for none: h = W_hr·(o⊙tanh(c)) has this many values.</summary>
    public int ProjectionSize { get; set; }

    /// <summary>Whether the layers have bias_ih and bias_hh (PyTorch's <c>bias</c>).</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The probability, in [0, 1), of zeroing each output of every layer but the last in training (PyTorch's
    /// <c>dropout</c>): applied by the tape-taking Forward only, with masks drawn from the tape's random source.
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// The module's name in the PyTorch model's state_dict, for weight files: tensors are named
    /// <c>{Name}.weight_ih_l0</c>, … ("" for a bare module). Defaults to "" alone, "rnn" when the class also has a [Dense] head.
    /// </summary>
    public string? Name { get; set; }
}
