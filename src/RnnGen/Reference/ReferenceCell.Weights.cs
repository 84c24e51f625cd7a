using System.Numerics;
using RnnGen.IO;

namespace RnnGen.Reference;

// Weight files, with the same signatures the generator emits on every generated cell; all the logic is in CellWeights.
public abstract partial class ReferenceCell<T>
{
    /// <summary>Loads the parameters from a safetensors file in PyTorch's names (<c>{prefix}weight_ih_l{layer}</c>, …); on any error they stay unchanged.</summary>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended verbatim to every name, e.g. <c>"rnn."</c> for a model whose RNN is <c>model.rnn</c>.</param>
    /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this cell does not use are an error.</param>
    /// <param name="layer">The layer of a stacked PyTorch RNN.</param>
    /// <exception cref="InvalidDataException">The file is invalid or does not fit this cell (see <see cref="WeightFileErrors"/>).</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public void LoadWeights(string path, string prefix = "", bool strict = false, int layer = 0) =>
        CellWeights.Load(this, path, prefix, strict, layer);

    /// <summary>Loads the parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="LoadWeights(string, string, bool, int)"/>
    public void LoadWeights(Stream stream, string prefix = "", bool strict = false, int layer = 0) =>
        CellWeights.Load(this, stream, prefix, strict, layer);

    /// <summary>Loads the parameters from a weight file shared with other modules.</summary>
    /// <inheritdoc cref="LoadWeights(string, string, bool, int)"/>
    public void LoadWeights(WeightFile file, string prefix = "", bool strict = false, int layer = 0) =>
        CellWeights.Load(this, file, prefix, strict, layer);

    /// <summary>Saves the parameters as a new safetensors file (F32 for float, F64 for double), atomically.</summary>
    /// <param name="path">The file, replaced only once the new one is complete.</param>
    /// <param name="prefix">Prepended verbatim to every name.</param>
    /// <param name="layer">The layer index in the names.</param>
    public void SaveWeights(string path, string prefix = "", int layer = 0) =>
        CellWeights.Save(this, path, prefix, layer);

    /// <summary>Writes the parameters as a safetensors file into <paramref name="stream"/> (left open).</summary>
    /// <inheritdoc cref="SaveWeights(string, string, int)"/>
    public void SaveWeights(Stream stream, string prefix = "", int layer = 0) =>
        CellWeights.Save(this, stream, prefix, layer);

    /// <summary>Adds the parameters to a weight file shared with other modules (save it with <see cref="WeightFile.Save(string)"/>).</summary>
    /// <inheritdoc cref="SaveWeights(string, string, int)"/>
    public void SaveWeights(WeightFile file, string prefix = "", int layer = 0) =>
        CellWeights.Save(this, file, prefix, layer);
}
