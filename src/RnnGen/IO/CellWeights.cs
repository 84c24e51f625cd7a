using System.Globalization;
using System.Numerics;
using System.Reflection;

namespace RnnGen.IO;

/// <summary>
/// Loads and saves any <see cref="IRecurrentCell{T}"/>'s parameters in PyTorch's <c>state_dict</c> names:
/// <c>{prefix}weight_ih_l{layer}</c> [G·H, I], <c>{prefix}weight_hh_l{layer}</c> [G·H, H],
/// <c>{prefix}bias_ih_l{layer}</c> [G·H] and <c>{prefix}bias_hh_l{layer}</c> [G·H] (G = 4 for an LSTM, 3 for a GRU).
/// Generated cells' and the reference cells' <c>LoadWeights</c> / <c>SaveWeights</c> delegate here.
/// </summary>
/// <remarks>
/// A load checks every tensor (present, shape, floating-point dtype) and converts them all into a temporary
/// buffer before it writes anything, so a load that throws leaves the cell's parameters exactly as they were.
/// The prefix is prepended verbatim (pass <c>"rnn."</c> for a model whose LSTM is <c>model.rnn</c>); the layer
/// picks one layer of a stacked <c>nn.LSTM</c>/<c>nn.GRU</c> (<c>num_layers</c> &gt; 1).
/// </remarks>
public static class CellWeights
{
    private static readonly string[] Stems = ["weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"];

    /// <summary>The four tensor names a cell reads and writes, in parameter order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static IReadOnlyList<string> TensorNames(string prefix = "", int layer = 0)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        string suffix = layer.ToString(CultureInfo.InvariantCulture);
        return Stems.Select(stem => prefix + stem + suffix).ToArray();
    }

    /// <summary>Loads the cell's parameters from the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="cell">The cell to load into.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended verbatim to every tensor name, e.g. <c>"rnn."</c>.</param>
    /// <param name="strict">When true, tensors under <paramref name="prefix"/> that the cell does not use are an error.</param>
    /// <param name="layer">The layer of a stacked PyTorch RNN: names end in <c>_l{layer}</c>.</param>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    /// <exception cref="InvalidDataException">A tensor is missing, has another shape or a non-float dtype, or (strict) the prefix holds others.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static void Load<T>(IRecurrentCell<T> cell, string path, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(cell, prefix, layer);
        Load(cell, WeightFile.Load(path), prefix, strict, layer);
    }

    /// <summary>Loads the cell's parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="Load{T}(IRecurrentCell{T}, string, string, bool, int)"/>
    public static void Load<T>(IRecurrentCell<T> cell, Stream stream, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(cell, prefix, layer);
        Load(cell, WeightFile.Load(stream), prefix, strict, layer);
    }

    /// <summary>Loads the cell's parameters from a weight file already in memory (shared with other modules).</summary>
    /// <inheritdoc cref="Load{T}(IRecurrentCell{T}, string, string, bool, int)"/>
    public static void Load<T>(IRecurrentCell<T> cell, WeightFile file, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(cell, prefix, layer);
        ArgumentNullException.ThrowIfNull(file);
        IReadOnlyList<string> names = TensorNames(prefix, layer);
        int rows = CellShape.GateCount(cell.Kind) * cell.HiddenSize;
        int[][] shapes = [[rows, cell.InputSize], [rows, cell.HiddenSize], [rows], [rows]];

        // Everything is checked and converted first; the cell is written only once nothing can fail.
        var buffers = new T[names.Count][];
        for (int i = 0; i < names.Count; i++)
        {
            if (!file.TryGetInfo(names[i], out TensorInfo? info))
            {
                throw WeightFileErrors.Mismatch(file.Source, names[i], MissingProblem(file, cell, names[i], Stems[i], layer));
            }

            if (!info.HasShape(shapes[i]))
            {
                throw WeightFileErrors.Mismatch(file.Source, names[i], ShapeProblem(cell, info, shapes[i]));
            }

            buffers[i] = file.Read<T>(names[i]);
        }

        if (strict)
        {
            WeightFileErrors.ThrowOnUnusedTensors(file, prefix, names, $"this {cell.Kind} cell");
        }

        buffers[0].CopyTo(cell.WeightIh);
        buffers[1].CopyTo(cell.WeightHh);
        buffers[2].CopyTo(cell.BiasIh);
        buffers[3].CopyTo(cell.BiasHh);
    }

    /// <summary>
    /// Loads the cell's parameters from the weights <paramref name="assembly"/> embeds as <paramref name="fileName"/>
    /// (an <c>&lt;RnnGenWeights Include="…" /&gt;</c> item; see <see cref="WeightFile.LoadEmbedded"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The assembly embeds no such weights.</exception>
    /// <exception cref="InvalidDataException">The embedded file is not a valid safetensors file.</exception>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape or a non-float dtype.</exception>
    public static void LoadEmbedded<T>(IRecurrentCell<T> cell, Assembly assembly, string fileName, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(cell, prefix, layer);
        Load(cell, WeightFile.LoadEmbedded(assembly, fileName), prefix, strict: false, layer);
    }

    /// <summary>
    /// Saves the cell's four tensors as a new safetensors file at <paramref name="path"/> (F32 for float cells, F64 for
    /// double), atomically: an existing file is replaced only once the new one is complete on disk. To keep other
    /// modules' tensors in the same file, write them all into one <see cref="WeightFile"/> and save that.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static void Save<T>(IRecurrentCell<T> cell, string path, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        var file = new WeightFile();
        Save(cell, file, prefix, layer);
        file.Save(path);
    }

    /// <summary>Writes the cell's four tensors as a safetensors file into <paramref name="stream"/> (left open).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static void Save<T>(IRecurrentCell<T> cell, Stream stream, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        var file = new WeightFile();
        Save(cell, file, prefix, layer);
        file.Save(stream);
    }

    /// <summary>Adds (or replaces) the cell's four tensors in <paramref name="file"/>, which other modules may share.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static void Save<T>(IRecurrentCell<T> cell, WeightFile file, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T>
    {
        CheckArguments(cell, prefix, layer);
        ArgumentNullException.ThrowIfNull(file);
        IReadOnlyList<string> names = TensorNames(prefix, layer);
        int rows = CellShape.GateCount(cell.Kind) * cell.HiddenSize;
        file.Write<T>(names[0], cell.WeightIh, [rows, cell.InputSize]);
        file.Write<T>(names[1], cell.WeightHh, [rows, cell.HiddenSize]);
        file.Write<T>(names[2], cell.BiasIh, [rows]);
        file.Write<T>(names[3], cell.BiasHh, [rows]);
    }

    private static void CheckArguments<T>(IRecurrentCell<T> cell, string prefix, int layer)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
    }

    /// <summary>"not found", plus the likeliest fix: another prefix or layer that does hold this tensor.</summary>
    private static string MissingProblem<T>(WeightFile file, IRecurrentCell<T> cell, string name, string stem, int layer)
        where T : IFloatingPointIeee754<T>
    {
        string problem = $"not found; the {cell.Kind} cell needs it";
        string wanted = stem + layer.ToString(CultureInfo.InvariantCulture);
        string[] sameTensor = file.Names.Where(n => n.EndsWith(wanted, StringComparison.Ordinal)).Take(3).ToArray();
        if (sameTensor.Length > 0)
        {
            string prefixes = string.Join(" or ", sameTensor.Select(n => $"\"{n[..^wanted.Length]}\""));
            return $"{problem} (the file has {string.Join(", ", sameTensor)}: pass prefix {prefixes}?)";
        }

        string[] otherLayers = file.Names.Where(n => n.Contains(stem, StringComparison.Ordinal)).Take(3).ToArray();
        if (otherLayers.Length > 0)
        {
            return $"{problem} (the file has {string.Join(", ", otherLayers)}: another layer?)";
        }

        return file.Count == 0 ? $"{problem}; the file holds no tensors" : $"{problem}; the file holds {string.Join(", ", file.Names.Take(6))}{(file.Count > 6 ? ", …" : "")}";
    }

    private static string ShapeProblem<T>(IRecurrentCell<T> cell, TensorInfo info, int[] expected)
        where T : IFloatingPointIeee754<T>
    {
        string problem = $"expected {TensorInfo.FormatShape(expected)}, found {TensorInfo.FormatShape(info.Shape)}";
        // G·H rows of the other kind: the file holds an LSTM where a GRU is wanted, or the reverse.
        CellKind other = cell.Kind == CellKind.Lstm ? CellKind.Gru : CellKind.Lstm;
        if (info.Shape.Count == expected.Length && info.Shape[0] == (long)CellShape.GateCount(other) * cell.HiddenSize)
        {
            problem += $" (the rows of a {other} with hidden size {cell.HiddenSize}; this cell is a {cell.Kind})";
        }

        return problem;
    }
}
