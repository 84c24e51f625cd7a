using System.Globalization;
using RnnGen.Import.Mapping;

namespace RnnGen.Import.Onnx;

/// <summary>
/// Checks that every node of a stack computes what nn.LSTM / nn.GRU compute, and maps its W, R, B (and the head) onto
/// PyTorch's layout through <see cref="ImportedModelBuilder"/>: per direction d, W[d] [G·H, I] → weight_ih, R[d] → weight_hh,
/// B[d] = [Wb, Rb] → bias_ih, bias_hh, with gate blocks reordered (LSTM i,o,f,c → i,f,g,o; GRU z,r,h → r,z,n).
/// </summary>
internal sealed class OnnxStackMapper
{
    private static readonly int[] LstmOrder = [0, 2, 3, 1];
    private static readonly int[] GruOrder = [1, 0, 2];
    private const int MaxStateTraceDepth = 16;

    private readonly OnnxGraphIndex _index;
    private readonly string _source;

    public OnnxStackMapper(OnnxGraphIndex index, string source)
    {
        _index = index;
        _source = source;
    }

    public ImportedModel Map(OnnxStack stack)
    {
        OnnxNode first = stack.Layers[0];
        CellKind kind = first.OpType == "LSTM" ? CellKind.Lstm : CellKind.Gru;
        var layers = stack.Layers.Select(node => ReadLayer(node, kind)).ToList();
        LayerTensors bottom = layers[0];
        bool resetAfter = layers[0].ResetAfter;
        foreach (LayerTensors layer in layers.Skip(1))
        {
            if (layer.ResetAfter != resetAfter)
            {
                throw Refuse(layer.Node, $"linear_before_reset differs from the first layer's ('{first.DisplayName}'); one RnnGen model has one GRU variant");
            }
        }

        var builder = new ImportedModelBuilder(
            _source, kind, bottom.InputSize, bottom.Hidden, layers.Count, bottom.Directions == 2, bias: layers.Any(l => l.B is not null), resetAfter);
        string gates = kind == CellKind.Lstm ? "gates i,o,f,c → i,f,g,o" : "gates z,r,h → r,z,n";
        for (int k = 0; k < layers.Count; k++)
        {
            LayerTensors layer = layers[k];
            if (layer.Hidden != bottom.Hidden || layer.Directions != bottom.Directions)
            {
                throw Refuse(layer.Node, $"hidden size {layer.Hidden} × {layer.Directions} direction(s) differs from the first layer's {bottom.Hidden} × {bottom.Directions}");
            }

            int g = builder.Gates, h = layer.Hidden, rows = g * h, input = layer.InputSize;
            int[] order = kind == CellKind.Lstm ? LstmOrder : GruOrder;
            for (int d = 0; d < layer.Directions; d++)
            {
                float[] w = GateBlocks.Reorder(layer.W.AsSpan(d * rows * input, rows * input), h * input, order);
                float[] r = GateBlocks.Reorder(layer.R.AsSpan(d * rows * h, rows * h), h * h, order);
                float[]? biasIh = null, biasHh = null;
                if (builder.Bias)
                {
                    // A layer without B adds zeros (ONNX's default), so its biases are zeros.
                    ReadOnlySpan<float> b = layer.B is { } stored ? stored.AsSpan(d * 2 * rows, 2 * rows) : new float[2 * rows];
                    biasIh = GateBlocks.Reorder(b[..rows], h, order);
                    biasHh = GateBlocks.Reorder(b[rows..], h, order);
                }

                builder.SetLayer(k, reverse: d == 1, layer.Node.DisplayName, w, r, biasIh, biasHh);
                string suffix = string.Create(CultureInfo.InvariantCulture, $"l{k}{(d == 1 ? "_reverse" : "")}");
                string biases = layer.B is null
                    ? (builder.Bias ? "no B → zero bias_ih/bias_hh" : "no B")
                    : FormattableString.Invariant($"B[{d}] [{2 * rows}] → bias_ih_{suffix}, bias_hh_{suffix}");
                builder.Note(FormattableString.Invariant(
                    $"'{layer.Node.DisplayName}' direction {d}: W[{d}] [{rows}, {input}] → weight_ih_{suffix}, R[{d}] [{rows}, {h}] → weight_hh_{suffix}, {biases} ({gates})"));
            }

            foreach (string note in layer.Notes)
            {
                builder.Note($"'{layer.Node.DisplayName}': {note}");
            }
        }

        if (kind == CellKind.Gru)
        {
            builder.Note(resetAfter
                ? "GRU linear_before_reset=1: PyTorch's nn.GRU (ResetAfter = true)"
                : "GRU linear_before_reset=0: the reset gate multiplies h before the recurrent product (ResetAfter = false)");
        }

        if (stack.Head is { } head)
        {
            MapHead(builder, head, bottom.Directions * bottom.Hidden);
        }
        else
        {
            builder.Note("no linear head follows the stack's output sequence");
        }

        var details = new List<string>();
        if (layers.Count > 1)
        {
            details.Add(string.Create(CultureInfo.InvariantCulture, $"+{layers.Count - 1} stacked"));
        }

        if (stack.Head is { } found)
        {
            details.Add(found.Kind + " head");
        }

        return builder.Build($"ONNX node '{first.DisplayName}'" + (details.Count > 0 ? $" ({string.Join(", ", details)})" : ""));
    }

    private LayerTensors ReadLayer(OnnxNode node, CellKind kind)
    {
        CheckAttributes(node, kind);
        int gates = kind == CellKind.Lstm ? 4 : 3;
        OnnxTensor w = StoredInput(node, 1, "W"), r = StoredInput(node, 2, "R");
        if (w.Dims.Count != 3 || r.Dims.Count != 3 || r.Dims[1] != gates * r.Dims[2] || w.Dims[0] != r.Dims[0] || w.Dims[1] != r.Dims[1]
            || r.Dims[0] is not (1 or 2) || r.Dims[2] is < 1 or > int.MaxValue || w.Dims[2] is < 1 or > int.MaxValue)
        {
            throw Refuse(node, $"W {w.ShapeText} and R {r.ShapeText} are not [D, {gates}·H, I] and [D, {gates}·H, H]");
        }

        int directions = (int)r.Dims[0], hidden = checked((int)r.Dims[2]), input = checked((int)w.Dims[2]);
        if (directions != (FindDirection(node) == "bidirectional" ? 2 : 1))
        {
            throw Refuse(node, $"R {r.ShapeText} holds {directions} direction(s), but direction is '{FindDirection(node)}'");
        }

        if (node.Attribute("hidden_size")?.Int is { } declared && declared != hidden)
        {
            throw Refuse(node, string.Create(CultureInfo.InvariantCulture, $"hidden_size {declared} disagrees with R {r.ShapeText}, whose hidden size is {hidden}"));
        }

        float[]? b = null;
        if (node.Input(3).Length > 0)
        {
            OnnxTensor bias = StoredInput(node, 3, "B");
            if (bias.Dims is not [var bd, var bw] || bd != directions || bw != 2L * gates * hidden)
            {
                throw Refuse(node, string.Create(CultureInfo.InvariantCulture, $"B {bias.ShapeText} is not [{directions}, {2 * gates * hidden}]"));
            }

            b = Floats(node, bias);
        }

        var notes = new List<string>();
        if (w.DataType != OnnxTensor.Float)
        {
            notes.Add($"weights stored as {w.TypeName}, read as float32");
        }

        CheckSequenceLengths(node, notes);
        CheckInitialState(node, 5, "initial_h", notes);
        if (kind == CellKind.Lstm)
        {
            CheckInitialState(node, 6, "initial_c", notes);
            CheckPeepholes(node);
        }

        bool resetAfter = kind == CellKind.Lstm || (node.Attribute("linear_before_reset")?.Int ?? 0) != 0;
        return new LayerTensors(node, input, hidden, directions, Floats(node, w), Floats(node, r), b, resetAfter, notes);
    }

    private static string FindDirection(OnnxNode node) => OnnxStackFinder.Direction(node);

    private void CheckAttributes(OnnxNode node, CellKind kind)
    {
        string direction = FindDirection(node);
        if (direction == "reverse")
        {
            throw Refuse(node, "direction 'reverse' alone is not supported: RnnGen runs a reverse direction only with a forward one (bidirectional)");
        }

        if (direction is not ("forward" or "bidirectional"))
        {
            throw Refuse(node, $"unknown direction '{direction}'");
        }

        if ((node.Attribute("layout")?.Int ?? 0) != 0)
        {
            throw Refuse(node, "layout=1 (batch-major X, Y and states) is not supported; export with layout=0, as PyTorch does");
        }

        if (node.Attribute("clip") is { } clip)
        {
            throw Refuse(node, string.Create(CultureInfo.InvariantCulture, $"clip={clip.Float} is not supported: RnnGen does not clip the gates' inputs"));
        }

        if (kind == CellKind.Lstm && (node.Attribute("input_forget")?.Int ?? 0) != 0)
        {
            throw Refuse(node, "input_forget=1 (coupled input and forget gates) is not supported");
        }

        foreach (string name in new[] { "activation_alpha", "activation_beta" })
        {
            if (node.Attribute(name) is { } parameters && parameters.Floats.Count > 0)
            {
                throw Refuse(node, $"{name} is set: RnnGen computes only the default Sigmoid and Tanh, which take no parameters");
            }
        }

        if (node.Attribute("activations") is { } activations)
        {
            string[] single = kind == CellKind.Lstm ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"];
            int directions = direction == "bidirectional" ? 2 : 1;
            string[] expected = Enumerable.Repeat(single, directions).SelectMany(a => a).ToArray();
            if (!activations.Strings.SequenceEqual(expected, StringComparer.OrdinalIgnoreCase))
            {
                throw Refuse(node, $"activations [{string.Join(", ", activations.Strings)}] are not supported: RnnGen computes only [{string.Join(", ", expected)}]");
            }
        }
    }

    private void CheckSequenceLengths(OnnxNode node, List<string> notes)
    {
        string lengths = node.Input(4);
        if (lengths.Length == 0)
        {
            return;
        }

        if (_index.Constant(lengths) is not null)
        {
            throw Refuse(node, $"sequence_lens is the constant '{lengths}': RnnGen runs each sequence to its end, so a file that fixes the lengths is not imported (remove the input, or make it a graph input)");
        }

        notes.Add($"sequence_lens '{lengths}' is {_index.DescribeSource(lengths)}: lengths are the caller's (ForwardBatch with lengths when training)");
    }

    private void CheckPeepholes(OnnxNode node)
    {
        string peepholes = node.Input(7);
        if (peepholes.Length == 0)
        {
            return;
        }

        if (_index.Constant(peepholes) is not { } tensor)
        {
            throw Refuse(node, $"peepholes (input P '{peepholes}', {_index.DescribeSource(peepholes)}) are not supported: nn.LSTM has none");
        }

        if (Floats(node, tensor).Any(v => v != 0))
        {
            throw Refuse(node, $"peepholes (input P '{peepholes}' {tensor.ShapeText}, non-zero) are not supported: nn.LSTM has none");
        }
    }

    /// <summary>
    /// A stored initial state must be zeros (RnnGen's default, and PyTorch's when called without one). A graph input,
    /// or a value computed at run time, is the caller's state: noted, not refused. torch writes zeros as
    /// Constant → Expand and slices a passed h0 per layer, so data-moving nodes are followed to their source.
    /// </summary>
    private void CheckInitialState(OnnxNode node, int inputIndex, string name, List<string> notes)
    {
        string value = node.Input(inputIndex);
        if (value.Length == 0)
        {
            return;
        }

        var pending = new Stack<(string Value, int Depth)>();
        pending.Push((value, 0));
        var sources = new List<string>();
        while (pending.Count > 0)
        {
            (string current, int depth) = pending.Pop();
            if (_index.Constant(current) is { } tensor)
            {
                if (Floats(node, tensor).Any(v => v != 0))
                {
                    throw Refuse(node, $"{name} comes from the non-zero constant '{current}' {tensor.ShapeText}: RnnGen models start from the state the caller passes (zeros by default), so pass it yourself instead of importing it");
                }

                continue;
            }

            OnnxNode? producer = _index.Producer(current);
            if (producer is not null && depth < MaxStateTraceDepth
                && producer.OpType is "Expand" or "Slice" or "Gather" or "Reshape" or "Unsqueeze" or "Squeeze" or "Identity" or "Transpose" or "Cast" or "Concat")
            {
                foreach (string data in producer.OpType == "Concat" ? producer.Inputs.Where(i => i.Length > 0) : [producer.Input(0)])
                {
                    pending.Push((data, depth + 1));
                }

                continue;
            }

            sources.Add($"'{current}' ({_index.DescribeSource(current)})");
        }

        notes.Add(sources.Count == 0
            ? $"{name} is zeros, RnnGen's default initial state"
            : $"{name} comes from {string.Join(", ", sources.Distinct())}: the caller's state (pass it to Forward)");
    }

    private void MapHead(ImportedModelBuilder builder, OnnxHead head, int width)
    {
        OnnxNode product = head.Product;
        if (_index.Constant(product.Input(1)) is not { } weight)
        {
            builder.Note($"'{product.DisplayName}' reads the stack's output but its weight '{product.Input(1)}' is {_index.DescribeSource(product.Input(1))}; no head mapped");
            return;
        }

        float[] values = Floats(product, weight);
        float[]? bias = null;
        string biasNote;
        int outputs;
        if (product.OpType == "Gemm")
        {
            if ((product.Attribute("transA")?.Int ?? 0) != 0)
            {
                throw Refuse(product, "the head's Gemm has transA=1, which does not read the stack's output row by row");
            }

            bool transB = (product.Attribute("transB")?.Int ?? 0) != 0;
            if (weight.Dims is not [var d0, var d1] || (transB ? d1 : d0) != width)
            {
                throw Refuse(product, string.Create(CultureInfo.InvariantCulture, $"the head's B {weight.ShapeText} (transB={(transB ? 1 : 0)}) does not read {width} features"));
            }

            outputs = (int)(transB ? d0 : d1);
            if (!transB)
            {
                values = GateBlocks.Transpose(values, width, outputs);
            }

            values = Scale(product, values, product.Attribute("alpha")?.Float ?? 1f, "alpha");
            biasNote = "no C";
            if (product.Input(2).Length > 0)
            {
                OnnxTensor c = _index.Constant(product.Input(2)) ?? throw Refuse(product, $"the head's C '{product.Input(2)}' is {_index.DescribeSource(product.Input(2))}, not a stored bias");
                bias = Scale(product, Broadcast(product, c, outputs), product.Attribute("beta")?.Float ?? 1f, "beta");
                biasNote = $"C '{c.Name}' {c.ShapeText} → head.bias";
            }

            builder.Note(string.Create(CultureInfo.InvariantCulture, $"head '{product.DisplayName}' (Gemm, transB={(transB ? 1 : 0)}): B '{weight.Name}' {weight.ShapeText} → head.weight [{outputs}, {width}]{(transB ? "" : " (transposed)")}, {biasNote}"));
        }
        else
        {
            if (weight.Dims is not [var rows, var columns] || rows != width)
            {
                throw Refuse(product, string.Create(CultureInfo.InvariantCulture, $"the head's MatMul weight {weight.ShapeText} is not [{width}, outputs]"));
            }

            outputs = (int)columns;
            values = GateBlocks.Transpose(values, width, outputs);
            biasNote = "no bias";
            if (head.BiasAdd is { } add)
            {
                string biasName = add.Input(0) == product.Outputs[0] ? add.Input(1) : add.Input(0);
                OnnxTensor b = _index.Constant(biasName) ?? throw Refuse(add, $"the head's bias '{biasName}' is {_index.DescribeSource(biasName)}, not a stored tensor");
                bias = Broadcast(add, b, outputs);
                biasNote = $"Add '{add.DisplayName}' '{b.Name}' {b.ShapeText} → head.bias";
            }

            builder.Note(string.Create(CultureInfo.InvariantCulture, $"head '{product.DisplayName}' (MatMul): '{weight.Name}' {weight.ShapeText} transposed → head.weight [{outputs}, {width}], {biasNote}"));
        }

        builder.SetHead(product.DisplayName, values, bias, outputs);
    }

    /// <summary>A bias of O values, or one value broadcast to O (dims [O], [1, O], [] or [1]).</summary>
    private float[] Broadcast(OnnxNode node, OnnxTensor bias, int outputs)
    {
        float[] values = Floats(node, bias);
        if (values.Length == outputs && (bias.Dims.Count == 0 || bias.Dims[^1] == outputs))
        {
            return values;
        }

        return values.Length == 1 ? Enumerable.Repeat(values[0], outputs).ToArray()
            : throw Refuse(node, string.Create(CultureInfo.InvariantCulture, $"the head's bias '{bias.Name}' {bias.ShapeText} is not one value per output ({outputs})"));
    }

    /// <summary>Folds Gemm's alpha or beta into the values when every product is exact in float32; refuses otherwise.</summary>
    private float[] Scale(OnnxNode node, float[] values, float factor, string name)
    {
        if (factor == 1f)
        {
            return values;
        }

        var scaled = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double exact = (double)values[i] * factor;
            scaled[i] = (float)exact;
            if (scaled[i] != exact || !float.IsFinite(scaled[i]))
            {
                throw Refuse(node, string.Create(CultureInfo.InvariantCulture, $"{name}={factor} cannot be folded into the head's weights exactly (value {values[i]:R} × {factor:R} is not a float32)"));
            }
        }

        return scaled;
    }

    /// <summary>The constant tensor behind input <paramref name="index"/>, or a refusal saying what it is instead.</summary>
    private OnnxTensor StoredInput(OnnxNode node, int index, string role)
    {
        string value = node.Input(index);
        if (value.Length == 0)
        {
            throw Refuse(node, $"input {role} is missing");
        }

        return _index.Constant(value) ?? throw Refuse(
            node,
            $"{role} '{value}' is {_index.DescribeSource(value)}, not a tensor stored in the file"
            + (_index.Producer(value) is not null ? " (export with do_constant_folding=True, PyTorch's default, so the weights are initializers)" : ""));
    }

    private float[] Floats(OnnxNode node, OnnxTensor tensor)
    {
        try
        {
            return tensor.ToFloats();
        }
        catch (InvalidDataException e)
        {
            throw new ImportException(_source, node.DisplayName, e.Message, e);
        }
    }

    private ImportException Refuse(OnnxNode node, string problem) => new(_source, node.DisplayName, problem);

    private sealed record LayerTensors(
        OnnxNode Node, int InputSize, int Hidden, int Directions, float[] W, float[] R, float[]? B, bool ResetAfter, IReadOnlyList<string> Notes);
}
