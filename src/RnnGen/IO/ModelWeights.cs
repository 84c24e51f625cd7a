using System.Globalization;
using System.Numerics;
using RnnGen.Layout;

namespace RnnGen.IO;

/// <summary>
/// Loads and saves any <see cref="IRecurrentModel{T}"/>'s parameters under the names of its PyTorch module's
/// <c>state_dict</c> (<see cref="ModelShape.Tensors"/>): <c>{prefix}{rnnName}.weight_ih_l0</c> … <c>_reverse</c>,
/// <c>weight_hr_l{k}</c>, then <c>{prefix}{headName}.weight</c> and <c>.bias</c>. Generated models' and the reference
/// models' <c>LoadWeights</c> / <c>SaveWeights</c> delegate here.
/// </summary>
/// <remarks>
/// A load finds, shape-checks and converts every tensor into a temporary buffer before it writes anything, so a load
/// that throws leaves the parameters exactly as they were. A GRU's file also carries the metadata entry
/// <see cref="WeightMetadata.GruResetAfterKey"/> (written on save; on load it must match the model, absent meaning "true"). <c>layer</c> applies to single-layer models only: it reads
/// or writes the names of layer k of a stacked module (<c>weight_ih_l{k}</c>).
/// </remarks>
public static class ModelWeights
{
    /// <summary>The tensor names a model of <paramref name="shape"/> reads and writes, in parameter order.</summary>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is not 0 for a multi-layer model.</exception>
    public static IReadOnlyList<string> TensorNames(ModelShape shape, string prefix = "", int layer = 0)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(prefix);
        return Slots(shape, layer).Select(s => prefix + s.Name).ToArray();
    }

    /// <summary>Loads the model's parameters from the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="model">The model to load into.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended verbatim to every tensor name, e.g. <c>"encoder."</c>.</param>
    /// <param name="strict">When true, tensors under <paramref name="prefix"/> that the model does not use are an error.</param>
    /// <param name="layer">For a single-layer model: the layer of a stacked module to read (names end in <c>_l{layer}</c>).</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or a tensor is missing, has another shape or a non-float dtype, or (strict) the prefix holds others.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void Load<T>(IRecurrentModel<T> model, string path, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(model, prefix, layer);
        Load(model, WeightFile.Load(path), prefix, strict, layer);
    }

    /// <summary>Loads the model's parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="Load{T}(IRecurrentModel{T}, string, string, bool, int)"/>
    public static void Load<T>(IRecurrentModel<T> model, Stream stream, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(model, prefix, layer);
        Load(model, WeightFile.Load(stream), prefix, strict, layer);
    }

    /// <summary>Loads the model's parameters from a weight file already in memory (shared with other modules).</summary>
    /// <inheritdoc cref="Load{T}(IRecurrentModel{T}, string, string, bool, int)"/>
    public static void Load<T>(IRecurrentModel<T> model, WeightFile file, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(model, prefix, layer);
        ArgumentNullException.ThrowIfNull(file);
        IReadOnlyList<TensorSlot> slots = Slots(model.Shape, layer);

        // A GRU's tensors look the same either way: the metadata says which GRU they were trained as.
        if (model.Shape.Kind == CellKind.Gru)
        {
            file.Metadata.TryGetValue(GruVariantMetadata.Key, out string? variant);
            if (GruVariantMetadata.Problem(model.Shape.ResetAfter, variant) is string problem)
            {
                throw WeightFileErrors.Mismatch(file.Source, null, problem);
            }
        }

        // Everything is checked and converted first; the model is written only once nothing can fail.
        var values = new T[model.ParameterCount];
        var names = new List<string>(slots.Count);
        foreach (TensorSlot slot in slots)
        {
            string name = prefix + slot.Name;
            names.Add(name);
            if (!file.TryGetInfo(name, out TensorInfo? info))
            {
                throw WeightFileErrors.Mismatch(file.Source, name, MissingProblem(file, model.Shape, prefix, slot.Name));
            }

            if (!info.HasShape(slot.Shape))
            {
                throw WeightFileErrors.Mismatch(file.Source, name, ShapeProblem(model.Shape, slot, info));
            }

            file.Read<T>(name, slot.Shape, values.AsSpan(slot.Offset, slot.Length));
        }

        if (strict)
        {
            WeightFileErrors.ThrowOnUnusedTensors(file, prefix, names, $"this {Describe(model.Shape)}");
        }

        values.CopyTo(model.Parameters);
    }

    /// <summary>
    /// Saves the model's tensors as a new safetensors file at <paramref name="path"/> (F32 for float models, F64 for
    /// double), atomically: an existing file is replaced only once the new one is complete on disk.
    /// </summary>
    public static void Save<T>(IRecurrentModel<T> model, string path, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        var file = new WeightFile();
        Save(model, file, prefix, layer);
        file.Save(path);
    }

    /// <summary>Writes the model's tensors as a safetensors file into <paramref name="stream"/> (left open).</summary>
    public static void Save<T>(IRecurrentModel<T> model, Stream stream, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        var file = new WeightFile();
        Save(model, file, prefix, layer);
        file.Save(stream);
    }

    /// <summary>Adds (or replaces) the model's tensors in <paramref name="file"/>, which other modules may share.</summary>
    public static void Save<T>(IRecurrentModel<T> model, WeightFile file, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(model, prefix, layer);
        ArgumentNullException.ThrowIfNull(file);
        ReadOnlySpan<T> parameters = model.Parameters;
        foreach (TensorSlot slot in Slots(model.Shape, layer))
        {
            file.Write<T>(prefix + slot.Name, parameters.Slice(slot.Offset, slot.Length), slot.Shape);
        }

        if (model.Shape.Kind == CellKind.Gru)
        {
            file.Metadata[GruVariantMetadata.Key] = GruVariantMetadata.Value(model.Shape.ResetAfter);
        }
    }

    private static IReadOnlyList<TensorSlot> Slots(ModelShape shape, int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        if (layer != 0 && shape.Layers > 1)
        {
            throw new ArgumentException($"layer picks one layer of a stacked file for a single-layer model; this model has {shape.Layers} layers and reads them all.", nameof(layer));
        }

        return shape.Layout.Tensors(layer);
    }

    private static void CheckArguments<T>(IRecurrentModel<T> model, string prefix, int layer)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
    }

    /// <summary>What a message calls the model: "Lstm cell" for a plain cell, else its PyTorch constructor.</summary>
    private static string Describe(ModelShape shape) => shape.IsSingleCell && shape.Bias ? $"{shape.Kind} cell" : shape.ToString();

    /// <summary>"not found", plus the likeliest fix: another prefix, module name or layer under which the file holds this tensor.</summary>
    private static string MissingProblem(WeightFile file, ModelShape shape, string prefix, string name)
    {
        string problem = $"not found; the {Describe(shape)} needs it";
        string[] underPrefix = file.Names.Where(n => n.EndsWith(name, StringComparison.Ordinal)).Take(3).ToArray();
        if (underPrefix.Length > 0)
        {
            string prefixes = string.Join(" or ", underPrefix.Select(n => $"\"{n[..^name.Length]}\"").Distinct());
            return $"{problem} (the file has {string.Join(", ", underPrefix)}: pass prefix {prefixes}?)";
        }

        string stem = name.Split('.')[^1];
        string[] otherName = file.Names.Where(n => n == stem || n.EndsWith("." + stem, StringComparison.Ordinal)).Take(3).ToArray();
        if (otherName.Length > 0)
        {
            return $"{problem} (the file has {string.Join(", ", otherName)}: the module has another name there; set the attribute's Name, or the prefix, to match)";
        }

        // The same kind of tensor for other layers: a stacked file read by a single layer, or fewer layers than the model's.
        string kind = stem.Split("_l")[0] + "_l";
        string[] otherLayers = file.Names.Where(n => n.Contains(kind, StringComparison.Ordinal)).Take(3).ToArray();
        if (otherLayers.Length > 0)
        {
            return $"{problem} (the file has {string.Join(", ", otherLayers)}: another layer?)";
        }

        return file.Count == 0
            ? $"{problem}; the file holds no tensors"
            : $"{problem}; the file holds {string.Join(", ", file.Names.Take(6))}{(file.Count > 6 ? ", …" : "")}";
    }

    private static string ShapeProblem(ModelShape shape, TensorSlot slot, TensorInfo info)
    {
        string problem = $"expected {TensorInfo.FormatShape(slot.Shape)}, found {TensorInfo.FormatShape(info.Shape)}";
        // G·H rows of the other kind: the file holds an LSTM where a GRU is wanted, or the reverse.
        CellKind other = shape.Kind == CellKind.Lstm ? CellKind.Gru : CellKind.Lstm;
        bool gateMatrix = slot.Shape.Length >= 1 && slot.Shape[0] == shape.Layout.GateRows && !slot.Name.EndsWith("weight", StringComparison.Ordinal);
        if (gateMatrix && info.Shape.Count == slot.Shape.Length && info.Shape[0] == (long)CellShape.GateCount(other) * shape.HiddenSize)
        {
            problem += string.Create(CultureInfo.InvariantCulture, $" (the rows of a {other} with hidden size {shape.HiddenSize}; this model is a {shape.Kind})");
        }
        else if (slot.Name.EndsWith("weight", StringComparison.Ordinal) && info.Shape.Count == 2
            && info.Shape[0] == slot.Shape[1] && info.Shape[1] == slot.Shape[0] && slot.Shape[0] != slot.Shape[1])
        {
            problem += " (transposed? nn.Linear's weight is [out_features, in_features])";
        }

        return problem;
    }
}
