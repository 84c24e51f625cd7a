using System.Numerics;

namespace RnnGen.IO;

/// <summary>
/// Loads and saves any <see cref="IDenseLayer{T}"/>'s parameters in PyTorch <c>nn.Linear</c>'s <c>state_dict</c> names:
/// <c>{prefix}weight</c> [M, N] and <c>{prefix}bias</c> [M]. Generated layers' and <see cref="Reference.ReferenceDense{T}"/>'s
/// <c>LoadWeights</c> / <c>SaveWeights</c> delegate here.
/// </summary>
/// <remarks>
/// As with <see cref="CellWeights"/>, a load checks both tensors (present, shape, floating-point dtype) and converts
/// them before it writes anything, so a load that throws leaves the layer exactly as it was. The prefix is prepended
/// verbatim: <c>"head."</c> reads <c>head.weight</c> from a whole model's <c>state_dict</c>.
/// </remarks>
public static class DenseWeights
{
    /// <summary>The two tensor names a layer reads and writes, in parameter order.</summary>
    public static IReadOnlyList<string> TensorNames(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return [prefix + "weight", prefix + "bias"];
    }

    /// <summary>Loads the layer's parameters from the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="layer">The layer to load into.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended verbatim to both names, e.g. <c>"head."</c>.</param>
    /// <param name="strict">When true, tensors under <paramref name="prefix"/> that the layer does not use are an error.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or a tensor is missing or has another shape or a non-float dtype.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void Load<T>(IDenseLayer<T> layer, string path, string prefix = "", bool strict = false)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(layer, prefix);
        Load(layer, WeightFile.Load(path), prefix, strict);
    }

    /// <summary>Loads the layer's parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="Load{T}(IDenseLayer{T}, string, string, bool)"/>
    public static void Load<T>(IDenseLayer<T> layer, Stream stream, string prefix = "", bool strict = false)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(layer, prefix);
        Load(layer, WeightFile.Load(stream), prefix, strict);
    }

    /// <summary>Loads the layer's parameters from a weight file already in memory (shared with other modules).</summary>
    /// <inheritdoc cref="Load{T}(IDenseLayer{T}, string, string, bool)"/>
    public static void Load<T>(IDenseLayer<T> layer, WeightFile file, string prefix = "", bool strict = false)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(layer, prefix);
        ArgumentNullException.ThrowIfNull(file);
        IReadOnlyList<string> names = TensorNames(prefix);
        int[][] shapes = [[layer.OutputSize, layer.InputSize], [layer.OutputSize]];

        // Everything is checked and converted first; the layer is written only once nothing can fail.
        var buffers = new T[names.Count][];
        for (int i = 0; i < names.Count; i++)
        {
            if (!file.TryGetInfo(names[i], out TensorInfo? info))
            {
                throw WeightFileErrors.Mismatch(file.Source, names[i], MissingProblem(file, names[i], i == 0 ? "weight" : "bias"));
            }

            if (!info.HasShape(shapes[i]))
            {
                string problem = $"expected {TensorInfo.FormatShape(shapes[i])}, found {TensorInfo.FormatShape(info.Shape)}";
                // nn.Linear stores [out_features, in_features]; the transpose is the usual mistake.
                if (i == 0 && info.HasShape([layer.InputSize, layer.OutputSize]) && layer.InputSize != layer.OutputSize)
                {
                    problem += " (transposed? nn.Linear's weight is [out_features, in_features])";
                }

                throw WeightFileErrors.Mismatch(file.Source, names[i], problem);
            }

            buffers[i] = file.Read<T>(names[i]);
        }

        if (strict)
        {
            WeightFileErrors.ThrowOnUnusedTensors(file, prefix, names, "this dense layer");
        }

        buffers[0].CopyTo(layer.Weight);
        buffers[1].CopyTo(layer.Bias);
    }

    /// <summary>Saves the layer's two tensors as a new safetensors file at <paramref name="path"/> (F32 for float, F64 for double), atomically.</summary>
    public static void Save<T>(IDenseLayer<T> layer, string path, string prefix = "")
        where T : IFloatingPointIeee754<T>
    {
        var file = new WeightFile();
        Save(layer, file, prefix);
        file.Save(path);
    }

    /// <summary>Writes the layer's two tensors as a safetensors file into <paramref name="stream"/> (left open).</summary>
    public static void Save<T>(IDenseLayer<T> layer, Stream stream, string prefix = "")
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        var file = new WeightFile();
        Save(layer, file, prefix);
        file.Save(stream);
    }

    /// <summary>Adds (or replaces) the layer's two tensors in <paramref name="file"/>, which other modules may share.</summary>
    public static void Save<T>(IDenseLayer<T> layer, WeightFile file, string prefix = "")
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(layer, prefix);
        ArgumentNullException.ThrowIfNull(file);
        IReadOnlyList<string> names = TensorNames(prefix);
        file.Write<T>(names[0], layer.Weight, [layer.OutputSize, layer.InputSize]);
        file.Write<T>(names[1], layer.Bias, [layer.OutputSize]);
    }

    private static void CheckArguments<T>(IDenseLayer<T> layer, string prefix)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(prefix);
    }

    /// <summary>"not found", plus the likeliest fix: a prefix under which the file does hold this tensor.</summary>
    private static string MissingProblem(WeightFile file, string name, string stem)
    {
        string problem = "not found; the dense layer needs it";
        string[] candidates = file.Names.Where(n => n == stem || n.EndsWith("." + stem, StringComparison.Ordinal)).Take(3).ToArray();
        if (candidates.Length > 0)
        {
            string prefixes = string.Join(" or ", candidates.Select(n => $"\"{n[..^stem.Length]}\""));
            return $"{problem} (the file has {string.Join(", ", candidates)}: pass prefix {prefixes}?)";
        }

        return file.Count == 0 ? $"{problem}; the file holds no tensors" : $"{problem}; the file holds {string.Join(", ", file.Names.Take(6))}{(file.Count > 6 ? ", …" : "")}";
    }
}
