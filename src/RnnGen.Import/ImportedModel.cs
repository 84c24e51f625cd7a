using System.Globalization;
using System.Text;
using RnnGen.IO;

namespace RnnGen.Import;

/// <summary>
/// A recurrent stack (and its linear head, if one follows) read from an ONNX or Keras file and mapped onto RnnGen's
/// layout, which is PyTorch's <c>state_dict</c>: <c>weight_ih_l{k}[_reverse]</c>, <c>weight_hh_…</c>,
/// <c>bias_ih_…</c>, <c>bias_hh_…</c> with gates in PyTorch's order, plus <c>head.weight</c>/<c>head.bias</c>.
/// Load it into a class declared as <see cref="Declaration"/> says, or save it as a safetensors file to embed.
/// </summary>
/// <example><code>
/// ImportedModel onnx = OnnxImport.Read("denoiser.onnx");
/// Console.WriteLine(onnx.Declaration);                  // [Gru(input: 8, hidden: 64, ResetAfter = false)]
/// denoiser.LoadWeights(onnx.ToWeightFile());            // or onnx.Save("denoiser.safetensors")
/// </code></example>
public sealed class ImportedModel
{
    /// <summary>The <c>__metadata__</c> entry that records where the weights came from.</summary>
    internal const string SourceMetadataKey = "rnngen.import.source";

    private readonly IReadOnlyList<(string Name, float[] Values, int[] Shape)> _tensors;

    internal ImportedModel(
        string source, string origin, CellKind kind, int inputSize, int hiddenSize, int layers, bool bidirectional, bool bias,
        bool resetAfter, ImportedHead? head, IReadOnlyList<(string Name, float[] Values, int[] Shape)> tensors, IReadOnlyList<string> mapping)
    {
        Source = source;
        Origin = origin;
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        Bidirectional = bidirectional;
        Bias = bias;
        ResetAfter = resetAfter;
        Head = head;
        _tensors = tensors;
        Mapping = mapping;
    }

    /// <summary>The file read (its path, or <c>&lt;stream&gt;</c>).</summary>
    public string Source { get; }

    /// <summary>What in the file was read, e.g. <c>ONNX node 'LSTM_3' (+1 stacked, Gemm head)</c> or <c>Keras layer 'gru'</c>.</summary>
    public string Origin { get; }

    /// <summary>LSTM or GRU.</summary>
    public CellKind Kind { get; }

    /// <summary>Input features per step of the first layer.</summary>
    public int InputSize { get; }

    /// <summary>Hidden units per layer and direction.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers.</summary>
    public int Layers { get; }

    /// <summary>Whether every layer also runs backward in time (outputs concatenated, forward first).</summary>
    public bool Bidirectional { get; }

    /// <summary>Whether the recurrent layers add biases (when false, no bias tensors are written).</summary>
    public bool Bias { get; }

    /// <summary>For a GRU, whether the reset gate applies after the recurrent product (PyTorch) or before it (Keras <c>reset_after=False</c>, ONNX <c>linear_before_reset=0</c>); true for an LSTM.</summary>
    public bool ResetAfter { get; }

    /// <summary>The linear head after the stack, or null.</summary>
    public ImportedHead? Head { get; }

    /// <summary>The prefix of the recurrent tensors' names: <c>"rnn."</c> when there is a head (a model with submodules rnn and head), else none.</summary>
    public string RecurrentPrefix => Head is null ? "" : "rnn.";

    /// <summary>One line per mapping decision, for people: tensors with source and target shapes, gate reorders, what was chosen.</summary>
    public IReadOnlyList<string> Mapping { get; }

    /// <summary>The tensor names this model writes, in PyTorch's <c>state_dict</c> order.</summary>
    public IReadOnlyList<string> TensorNames => _tensors.Select(t => t.Name).ToArray();

    /// <summary>The attribute lines of a generated class that loads these weights, e.g. <c>[Lstm(input: 40, hidden: 128, Layers = 2)]</c>.</summary>
    public string Declaration
    {
        get
        {
            var options = new List<string>();
            if (Layers != 1)
            {
                options.Add(string.Create(CultureInfo.InvariantCulture, $"Layers = {Layers}"));
            }

            if (Bidirectional)
            {
                options.Add("Bidirectional = true");
            }

            if (!Bias)
            {
                options.Add("Bias = false");
            }

            if (!ResetAfter)
            {
                options.Add("ResetAfter = false");
            }

            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"[{(Kind == CellKind.Lstm ? "Lstm" : "Gru")}(input: {InputSize}, hidden: {HiddenSize}");
            foreach (string option in options)
            {
                text.Append(", ").Append(option);
            }

            text.Append(")]");
            if (Head is { } head)
            {
                text.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}[Dense(input: {head.InputSize}, output: {head.OutputSize})]");
            }

            return text.ToString();
        }
    }

    /// <summary>The weights as a new <see cref="WeightFile"/> (float32, PyTorch names, <see cref="RecurrentPrefix"/> on the recurrent tensors), with the GRU variant and the source in its metadata.</summary>
    public WeightFile ToWeightFile()
    {
        var file = new WeightFile();
        foreach ((string name, float[] values, int[] shape) in _tensors)
        {
            file.Write<float>(name, values, shape);
        }

        if (Kind == CellKind.Gru)
        {
            file.Metadata[WeightMetadata.GruResetAfterKey] = ResetAfter ? "true" : "false";
        }

        file.Metadata[SourceMetadataKey] = $"{Path.GetFileName(Source)}: {Origin}";
        return file;
    }

    /// <summary>Saves <see cref="ToWeightFile"/> as a safetensors file; the target is replaced only once the new file is complete.</summary>
    public void Save(string path) => ToWeightFile().Save(path);
}
