namespace RnnGen;

/// <summary>
/// What [<see cref="LstmAttribute">Lstm</see>] and [<see cref="GruAttribute">Gru</see>] share: the cell's sizes and the
/// module's PyTorch options (layers, direction, bias, dropout), its state_dict name and its embedded weights.
/// </summary>
public abstract class RecurrentModuleAttribute : Attribute
{
    /// <summary>A cell reading <paramref name="input"/> features per step into <paramref name="hidden"/> units.</summary>
    /// <param name="input">Features per time step (I), 1 to 4096.</param>
    /// <param name="hidden">Hidden units (H), 1 to 4096.</param>
    private protected RecurrentModuleAttribute(int input, int hidden)
    {
        Input = input;
        Hidden = hidden;
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
