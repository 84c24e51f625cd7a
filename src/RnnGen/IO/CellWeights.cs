using System.Globalization;
using System.Numerics;

namespace RnnGen.IO;

/// <summary>
/// Loads and saves any single-layer <see cref="IRecurrentCell{T}"/>'s parameters in PyTorch's <c>state_dict</c> names:
/// <c>{prefix}weight_ih_l{layer}</c> [G·H, I], <c>{prefix}weight_hh_l{layer}</c> [G·H, H],
/// <c>{prefix}bias_ih_l{layer}</c> [G·H] and <c>{prefix}bias_hh_l{layer}</c> [G·H] (G = 4 for an LSTM, 3 for a GRU).
/// The reference cells' <c>LoadWeights</c> / <c>SaveWeights</c> delegate here; it is <see cref="ModelWeights"/> for a cell.
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
        where T : IFloatingPointIeee754<T> => ModelWeights.Load(cell, path, prefix, strict, layer);

    /// <summary>Loads the cell's parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="Load{T}(IRecurrentCell{T}, string, string, bool, int)"/>
    public static void Load<T>(IRecurrentCell<T> cell, Stream stream, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T> => ModelWeights.Load(cell, stream, prefix, strict, layer);

    /// <summary>Loads the cell's parameters from a weight file already in memory (shared with other modules).</summary>
    /// <inheritdoc cref="Load{T}(IRecurrentCell{T}, string, string, bool, int)"/>
    public static void Load<T>(IRecurrentCell<T> cell, WeightFile file, string prefix = "", bool strict = false, int layer = 0)
        where T : IFloatingPointIeee754<T> => ModelWeights.Load(cell, file, prefix, strict, layer);

    /// <summary>
    /// Saves the cell's four tensors as a new safetensors file at <paramref name="path"/> (F32 for float cells, F64 for
    /// double), atomically: an existing file is replaced only once the new one is complete on disk. To keep other
    /// modules' tensors in the same file, write them all into one <see cref="WeightFile"/> and save that.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static void Save<T>(IRecurrentCell<T> cell, string path, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T> => ModelWeights.Save(cell, path, prefix, layer);

    /// <summary>Writes the cell's four tensors as a safetensors file into <paramref name="stream"/> (left open).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static void Save<T>(IRecurrentCell<T> cell, Stream stream, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T> => ModelWeights.Save(cell, stream, prefix, layer);

    /// <summary>Adds (or replaces) the cell's four tensors in <paramref name="file"/>, which other modules may share.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is negative.</exception>
    public static void Save<T>(IRecurrentCell<T> cell, WeightFile file, string prefix = "", int layer = 0)
        where T : IFloatingPointIeee754<T> => ModelWeights.Save(cell, file, prefix, layer);
}
