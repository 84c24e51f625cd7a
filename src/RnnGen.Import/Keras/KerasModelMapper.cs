using System.Globalization;
using System.Text.Json;
using RnnGen.Import.Mapping;

namespace RnnGen.Import.Keras;

/// <summary>
/// Finds the recurrent stack in a Keras model's layer list (consecutive LSTM or GRU layers, bare or in a
/// Bidirectional, of one kind and width, each returning sequences to the next; Dropout-like layers between them are
/// identities at inference), checks every option RnnGen must compute the same way, and maps the weights onto
/// PyTorch's layout through <see cref="ImportedModelBuilder"/>, with a directly following Dense as the head.
/// </summary>
internal sealed class KerasModelMapper(string source, IReadOnlyList<KerasLayer> layers, IKerasWeights weights)
{
    /// <summary>Layers that do nothing at inference, so a stack or its head may continue past them.</summary>
    private static readonly HashSet<string> InferenceIdentities = new(StringComparer.Ordinal)
    {
        "Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization",
    };

    /// <summary>Layer dtype policies whose variables are float16, float32 or float64 (mixed policies keep float32 variables).</summary>
    private static readonly HashSet<string> ReadableDTypes = new(StringComparer.Ordinal)
    {
        "float32", "float64", "float16", "mixed_float16", "mixed_bfloat16",
    };

    /// <summary>The stack starting at the layer named <paramref name="layerName"/>, or the only stack when null.</summary>
    public ImportedModel Map(string? layerName)
    {
        List<int> stack = layerName is null ? OnlyStack() : NamedStack(layerName);
        return Build(stack);
    }

    private List<int> OnlyStack()
    {
        List<List<int>> stacks = AllStacks();
        return stacks.Count switch
        {
            1 => stacks[0],
            0 => throw new ImportException(source, null,
                $"no LSTM or GRU layer (bare or in a Bidirectional) among the model's layers: {string.Join(", ", layers.Select(l => $"'{l.Name}' ({l.ClassName})"))}"),
            _ => throw new ImportException(source, null,
                $"{stacks.Count} recurrent stacks; name the first layer of the one to import (layer: / --layer): {Describe(stacks)}"),
        };
    }

    private List<int> NamedStack(string layerName)
    {
        int index = -1;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Name == layerName)
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            throw new ImportException(source, null, $"no layer named '{layerName}'; recurrent stacks: {Describe(AllStacks())}");
        }

        if (Recurrent(index) is null)
        {
            throw new ImportException(source, $"layer '{layerName}'", $"a {layers[index].ClassName} is not an LSTM or GRU layer; recurrent stacks: {Describe(AllStacks())}");
        }

        return Extend(index);
    }

    private List<List<int>> AllStacks()
    {
        var stacks = new List<List<int>>();
        var used = new HashSet<int>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (!used.Contains(i) && Recurrent(i) is not null)
            {
                List<int> stack = Extend(i);
                used.UnionWith(stack);
                stacks.Add(stack);
            }
        }

        return stacks;
    }

    private string Describe(List<List<int>> stacks) => stacks.Count == 0 ? "none"
        : string.Join(", ", stacks.Select(s => $"'{layers[s[0]].Name}' ({Recurrent(s[0])!.Kind}{(Recurrent(s[0])!.Bidirectional ? ", bidirectional" : "")}, {s.Count} layer{(s.Count == 1 ? "" : "s")})"));

    /// <summary>The stack that starts at <paramref name="first"/>: later layers join while they read the previous one's sequence and match it.</summary>
    private List<int> Extend(int first)
    {
        var stack = new List<int> { first };
        int current = first;
        while (Recurrent(current)!.Wrapper.Flag("return_sequences", false) || Recurrent(current)!.Forward.Flag("return_sequences", false))
        {
            int next = NextReading(current);
            if (next < 0 || Recurrent(next) is not { } candidate || !candidate.Joins(Recurrent(current)!))
            {
                break;
            }

            stack.Add(next);
            current = next;
        }

        return stack;
    }

    /// <summary>The next layer after <paramref name="index"/> past inference identities, if each reads the one before; else −1.</summary>
    private int NextReading(int index)
    {
        for (int j = index + 1; j < layers.Count; j++)
        {
            if (!layers[j].Reads(layers[j - 1]))
            {
                return -1;
            }

            if (!InferenceIdentities.Contains(layers[j].ClassName))
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>The layer at <paramref name="index"/> as a recurrent layer, or null if it is none.</summary>
    private RecurrentLayer? Recurrent(int index)
    {
        KerasLayer layer = layers[index];
        if (layer.ClassName == "Bidirectional")
        {
            if (layer.Option("layer") is not { ValueKind: JsonValueKind.Object } inner)
            {
                return null;
            }

            KerasLayer forward = KerasLayer.FromEntry(inner, sequential: true);
            KerasLayer? backward = layer.Option("backward_layer") is { ValueKind: JsonValueKind.Object } b ? KerasLayer.FromEntry(b, sequential: true) : null;
            return RecurrentLayer.Kinds.Contains(forward.ClassName) ? new RecurrentLayer(layer, forward, backward) : null;
        }

        return RecurrentLayer.Kinds.Contains(layer.ClassName) ? new RecurrentLayer(layer, layer, null) : null;
    }

    private ImportedModel Build(List<int> stack)
    {
        RecurrentLayer first = Recurrent(stack[0])!;
        foreach (int index in stack)
        {
            Check(Recurrent(index)!);
        }

        int gates = first.Kind == "LSTM" ? 4 : 3;
        int hidden = first.Units;
        IReadOnlyList<KerasArray> firstArrays = weights.Arrays(layers, stack[0]);
        if (firstArrays.Count == 0 || firstArrays[0].Shape.Length != 2)
        {
            throw new ImportException(source, first.Element, $"expected a kernel [input, {gates * hidden}] first, found {(firstArrays.Count == 0 ? "no weights" : firstArrays[0].ShapeText)}");
        }

        bool resetAfter = first.Kind == "LSTM" || ResetAfter(first, firstArrays);
        var builder = new ImportedModelBuilder(source, first.Kind == "LSTM" ? CellKind.Lstm : CellKind.Gru, firstArrays[0].Shape[0], hidden,
            stack.Count, first.Bidirectional, first.UseBias, resetAfter);
        for (int k = 0; k < stack.Count; k++)
        {
            RecurrentLayer layer = Recurrent(stack[k])!;
            IReadOnlyList<KerasArray> arrays = k == 0 ? firstArrays : weights.Arrays(layers, stack[k]);
            MapLayer(builder, k, layer, arrays, resetAfter);
            if (k + 1 < stack.Count)
            {
                NoteSkipped(builder, stack[k], stack[k + 1]);
            }
        }

        string origin = $"Keras layer '{first.Wrapper.Name}'";
        var details = new List<string>();
        if (stack.Count > 1)
        {
            details.Add(string.Create(CultureInfo.InvariantCulture, $"+{stack.Count - 1} stacked"));
        }

        int last = stack[^1];
        int headIndex = NextReading(last);
        if (headIndex >= 0 && HeadDense(headIndex) is { } dense)
        {
            MapHead(builder, headIndex, dense, first);
            NoteSkipped(builder, last, headIndex);
            details.Add($"Dense head '{layers[headIndex].Name}'");
        }

        if (!Recurrent(last)!.Wrapper.Flag("return_sequences", false) && !Recurrent(last)!.Forward.Flag("return_sequences", false))
        {
            builder.Note($"'{layers[last].Name}' has return_sequences=False: Keras outputs only the last step, which is RnnGen's last output");
        }

        return builder.Build(details.Count == 0 ? origin : $"{origin} ({string.Join(", ", details)})");
    }

    /// <summary>Refuses every option RnnGen's cells do not compute as Keras does.</summary>
    private void Check(RecurrentLayer layer)
    {
        string element = layer.Element;
        CheckDType(layer.Wrapper, element);
        if (layer.Bidirectional)
        {
            string mergeMode = layer.Wrapper.Text("merge_mode") ?? "concat";
            if (mergeMode != "concat")
            {
                throw new ImportException(source, element, $"merge_mode '{mergeMode}' is not supported: RnnGen concatenates the directions (merge_mode 'concat')");
            }
        }

        foreach ((KerasLayer cell, bool backward) in layer.Directions)
        {
            string what = layer.Bidirectional ? $"{element} ({(backward ? "backward" : "forward")} layer)" : element;
            if (cell.ClassName is "CuDNNLSTM" or "CuDNNGRU")
            {
                throw new ImportException(source, what, $"{cell.ClassName} stores cuDNN's weight layout; convert it to a plain {cell.ClassName[5..]} layer in Keras first");
            }

            if (cell.ClassName != layer.Kind)
            {
                throw new ImportException(source, what, $"the backward layer is a {cell.ClassName}, the forward one a {layer.Kind}");
            }

            CheckDType(cell, what);
            string activation = cell.Text("activation") ?? throw new ImportException(source, what, "the config has no 'activation'");
            if (activation != "tanh")
            {
                throw new ImportException(source, what, $"activation '{activation}' is not supported: RnnGen's cells use tanh");
            }

            string recurrentActivation = cell.Text("recurrent_activation") ?? throw new ImportException(source, what, "the config has no 'recurrent_activation'");
            if (recurrentActivation != "sigmoid")
            {
                throw new ImportException(source, what, $"recurrent_activation '{recurrentActivation}' is not supported: RnnGen's gates use the logistic sigmoid");
            }

            bool goBackwards = cell.Flag("go_backwards", false);
            if (goBackwards != backward)
            {
                throw new ImportException(source, what, layer.Bidirectional
                    ? $"go_backwards={(goBackwards ? "True" : "False")} in the {(backward ? "backward" : "forward")} layer of a Bidirectional"
                    : "go_backwards=True on a layer of its own: Keras returns its outputs in reversed time order, which RnnGen does not compute (Bidirectional layers are read)");
            }

            if (cell.Option("units") is not { ValueKind: JsonValueKind.Number } units || units.GetInt32() != layer.Units)
            {
                throw new ImportException(source, what, $"the directions differ in units");
            }

            if (cell.Flag("use_bias", true) != layer.UseBias)
            {
                throw new ImportException(source, what, "the directions differ in use_bias");
            }
        }
    }

    private void CheckDType(KerasLayer layer, string element)
    {
        string? dtype = layer.Option("dtype") switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.Object } policy when policy.TryGetProperty("config", out JsonElement c) && c.ValueKind == JsonValueKind.Object
                && c.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String => n.GetString(),
            null => null,
            { } other => other.GetRawText(),
        };
        if (dtype is not null && !ReadableDTypes.Contains(dtype))
        {
            throw new ImportException(source, element, $"dtype '{dtype}' is not supported: RnnGen.Import reads float32, float64 and float16 variables");
        }
    }

    /// <summary>A GRU's variant: the config's reset_after, or (Keras ≤ 2.1.4 has no such option) the bias shape, else before.</summary>
    private bool ResetAfter(RecurrentLayer layer, IReadOnlyList<KerasArray> arrays)
    {
        if (layer.Forward.Option("reset_after") is not null)
        {
            return layer.Forward.Flag("reset_after", true);
        }

        return layer.UseBias && arrays.Count > 2 && arrays[2].Shape.Length == 2;
    }

    private void MapLayer(ImportedModelBuilder builder, int k, RecurrentLayer layer, IReadOnlyList<KerasArray> arrays, bool resetAfter)
    {
        string element = layer.Element;
        if (layer.Kind == "GRU" && layer.Forward.Option("reset_after") is not null && layer.Forward.Flag("reset_after", true) != resetAfter)
        {
            throw new ImportException(source, element, "the stacked GRU layers differ in reset_after");
        }

        int perDirection = layer.UseBias ? 3 : 2;
        int directions = layer.Bidirectional ? 2 : 1;
        if (arrays.Count != perDirection * directions)
        {
            throw new ImportException(source, element, $"found {arrays.Count} weight arrays, expected {perDirection * directions} (kernel, recurrent_kernel{(layer.UseBias ? ", bias" : "")}{(layer.Bidirectional ? " per direction" : "")})");
        }

        int h = layer.Units;
        int gates = layer.Kind == "LSTM" ? 4 : 3;
        int[] order = layer.Kind == "LSTM" ? [0, 1, 2, 3] : [1, 0, 2];
        for (int d = 0; d < directions; d++)
        {
            KerasArray kernel = arrays[d * perDirection], recurrent = arrays[d * perDirection + 1];
            KerasArray? bias = layer.UseBias ? arrays[d * perDirection + 2] : null;
            string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{k}{(d == 1 ? "_reverse" : "")}");
            string what = layer.Bidirectional ? $"{element} ({(d == 1 ? "backward" : "forward")} layer)" : element;
            ExpectMatrix(kernel, builder.LayerInputSize(k), gates * h, "kernel", what);
            ExpectMatrix(recurrent, h, gates * h, "recurrent_kernel", what);
            float[] weightIh = GateBlocks.Reorder(GateBlocks.Transpose(kernel.Values, kernel.Shape[0], gates * h), h * kernel.Shape[0], order);
            float[] weightHh = GateBlocks.Reorder(GateBlocks.Transpose(recurrent.Values, h, gates * h), h * h, order);
            (float[] biasIh, float[] biasHh)? biases = bias is null ? null : Biases(bias, layer.Kind, h, resetAfter, order, what);
            builder.SetLayer(k, d == 1, what, weightIh, weightHh, biases?.biasIh, biases?.biasHh);

            string gateNote = layer.Kind == "LSTM" ? "gates i,f,c,o = PyTorch i,f,g,o" : "gate blocks z,r,h → r,z,n";
            builder.Note($"{what}: {kernel.Path} {kernel.ShapeText} → weight_ih{suffix} (transposed, {gateNote})");
            builder.Note($"{what}: {recurrent.Path} {recurrent.ShapeText} → weight_hh{suffix} (transposed, {gateNote})");
            if (bias is not null)
            {
                builder.Note(bias.Shape.Length == 2
                    ? $"{what}: {bias.Path} {bias.ShapeText} → bias_ih{suffix} (row 0), bias_hh{suffix} (row 1)"
                    : $"{what}: {bias.Path} {bias.ShapeText} → bias_ih{suffix}; bias_hh{suffix} = 0 (Keras has one bias{(layer.Kind == "GRU" ? ", reset_after=False" : "")})");
            }
        }
    }

    private (float[] BiasIh, float[] BiasHh) Biases(KerasArray bias, string kind, int h, bool resetAfter, int[] order, string element)
    {
        int gates = kind == "LSTM" ? 4 : 3;
        bool flat = bias.Shape.Length == 1;
        if (flat && bias.Shape[0] == 2 * gates * h)
        {
            throw new ImportException(source, element, $"bias {bias.ShapeText} is the Cu{(kind == "LSTM" ? "DNNLSTM" : "DNNGRU")} layout; convert the layer to a plain {kind} in Keras first");
        }

        if (kind == "GRU" && resetAfter)
        {
            if (bias.Shape is not [2, var columns] || columns != 3 * h)
            {
                throw new ImportException(source, element, $"bias: expected [2, {3 * h}] (reset_after=True), found {bias.ShapeText}");
            }

            return (GateBlocks.Reorder(bias.Values.AsSpan(0, 3 * h), h, order), GateBlocks.Reorder(bias.Values.AsSpan(3 * h), h, order));
        }

        if (!flat || bias.Shape[0] != gates * h)
        {
            throw new ImportException(source, element, $"bias: expected [{gates * h}]{(kind == "GRU" ? " (reset_after=False)" : "")}, found {bias.ShapeText}");
        }

        return (GateBlocks.Reorder(bias.Values, h, order), new float[gates * h]);
    }

    /// <summary>The Dense config of the layer at <paramref name="index"/> if it is a Dense or a TimeDistributed(Dense) (the same on a sequence), else null.</summary>
    private KerasLayer? HeadDense(int index) => layers[index] switch
    {
        { ClassName: "Dense" } dense => dense,
        { ClassName: "TimeDistributed" } wrapper when wrapper.Option("layer") is { ValueKind: JsonValueKind.Object } inner
            && KerasLayer.FromEntry(inner, sequential: true) is { ClassName: "Dense" } dense => dense,
        _ => null,
    };

    private void MapHead(ImportedModelBuilder builder, int index, KerasLayer dense, RecurrentLayer first)
    {
        string element = $"layer '{layers[index].Name}'";
        CheckDType(layers[index], element);
        CheckDType(dense, element);
        string activation = dense.Text("activation") ?? "linear";
        if (activation != "linear")
        {
            throw new ImportException(source, element, $"the Dense head applies activation '{activation}'; RnnGen's [Dense] head is linear (nn.Linear), so the head would need it");
        }

        IReadOnlyList<KerasArray> arrays = weights.Arrays(layers, index);
        bool useBias = dense.Flag("use_bias", true);
        if (arrays.Count != (useBias ? 2 : 1))
        {
            throw new ImportException(source, element, $"found {arrays.Count} weight arrays, expected {(useBias ? "kernel, bias" : "kernel")}");
        }

        KerasArray kernel = arrays[0];
        int width = (first.Bidirectional ? 2 : 1) * first.Units;
        if (kernel.Shape is not [var input, var output] || input != width)
        {
            throw new ImportException(source, element, $"kernel: expected [{width}, units] after the stack, found {kernel.ShapeText}");
        }

        builder.SetHead(element, GateBlocks.Transpose(kernel.Values, input, output), useBias ? arrays[1].Values : null, output);
        builder.Note($"{element}: {kernel.Path} {kernel.ShapeText} → head.weight [{output}, {input}] (transposed){(useBias ? $", {arrays[1].Path} → head.bias" : ", head.bias = 0")}");
    }

    private void ExpectMatrix(KerasArray array, int rows, int columns, string what, string element)
    {
        if (array.Shape is not [var r, var c] || r != rows || c != columns)
        {
            throw new ImportException(source, element, $"{what}: expected [{rows}, {columns}], found {array.ShapeText}");
        }
    }

    private void NoteSkipped(ImportedModelBuilder builder, int from, int to)
    {
        for (int j = from + 1; j < to; j++)
        {
            builder.Note($"'{layers[j].Name}' ({layers[j].ClassName}) is skipped: it does nothing at inference");
        }
    }

    /// <summary>An LSTM/GRU layer (<paramref name="Wrapper"/> = <paramref name="Forward"/>) or a Bidirectional around one.</summary>
    private sealed record RecurrentLayer(KerasLayer Wrapper, KerasLayer Forward, KerasLayer? Backward)
    {
        public static readonly HashSet<string> Kinds = new(StringComparer.Ordinal) { "LSTM", "GRU", "CuDNNLSTM", "CuDNNGRU" };

        public bool Bidirectional => Wrapper.ClassName == "Bidirectional";

        public string Kind => Forward.ClassName.Replace("CuDNN", "", StringComparison.Ordinal);

        public int Units => Forward.Option("units") is { ValueKind: JsonValueKind.Number } units && units.TryGetInt32(out int value) && value > 0
            ? value : throw new FormatException($"layer '{Wrapper.Name}' has no positive 'units'");

        public bool UseBias => Forward.Flag("use_bias", true);

        public string Element => $"layer '{Wrapper.Name}'";

        /// <summary>The configs of the directions with whether each runs backward; without an explicit backward_layer Keras copies the forward config.</summary>
        public IEnumerable<(KerasLayer Config, bool Backward)> Directions =>
            !Bidirectional ? [(Forward, false)] : [(Forward, false), (Backward ?? Forward with { Config = WithGoBackwards(Forward.Config) }, true)];

        /// <summary>Whether <paramref name="below"/>'s sequence can feed this layer within one RnnGen stack.</summary>
        public bool Joins(RecurrentLayer below) =>
            Kind == below.Kind && Units == below.Units && Bidirectional == below.Bidirectional && UseBias == below.UseBias
            && (Kind == "LSTM" || Forward.Flag("reset_after", true) == below.Forward.Flag("reset_after", true));

        private static JsonElement WithGoBackwards(JsonElement config)
        {
            var copy = System.Text.Json.Nodes.JsonNode.Parse(config.GetRawText())!.AsObject();
            copy["go_backwards"] = true;
            return JsonSerializer.SerializeToElement(copy);
        }
    }
}
