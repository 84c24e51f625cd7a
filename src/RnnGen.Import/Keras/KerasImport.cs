using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Diagnostics.CodeAnalysis;
using PureHDF;
using PureHDF.VOL.Native;
using RnnGen.Import.Keras;

namespace RnnGen.Import;

/// <summary>
/// Reads the LSTM/GRU stack (and a directly following Dense head) of a Keras model file into RnnGen's layout:
/// a Keras 3 <c>.keras</c> file (zip of <c>config.json</c> and <c>model.weights.h5</c>) or a Keras 2 full-model
/// <c>.h5</c> (<c>model_config</c> + <c>model_weights</c>, as tf.keras and standalone Keras 2 save it). The format is
/// recognised from the bytes, not the file name.
/// </summary>
/// <example><code>
/// ImportedModel keras = KerasImport.Read("tagger.keras");
/// Console.WriteLine(keras.Declaration);          // [Lstm(input: 40, hidden: 128, Layers = 2)] [Dense(input: 128, output: 10)]
/// tagger.LoadWeights(keras.ToWeightFile());      // or keras.Save("tagger.safetensors")
/// </code></example>
public static class KerasImport
{
    private const long MaxConfigBytes = 64L << 20;
    private const long MaxWeightsBytes = 1L << 30;

    /// <summary>Reads the model file at <paramref name="path"/>.</summary>
    /// <param name="path">A <c>.keras</c> or legacy Keras <c>.h5</c> file.</param>
    /// <param name="layer">The name of the stack's first layer (the Bidirectional's name for a wrapped one); needed only when the model has several stacks.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ImportException">The file is not a readable Keras model, or its stack does not map onto RnnGen's cells.</exception>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The overloads differ in their first parameter's type (path or stream), so no call is ambiguous.")]
    public static ImportedModel Read(string path, string? layer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, layer, path);
    }

    /// <summary>Reads a model file from <paramref name="stream"/> (from its current position to its end; left open).</summary>
    /// <param name="stream">The bytes of a <c>.keras</c> or legacy Keras <c>.h5</c> file.</param>
    /// <param name="layer">The name of the stack's first layer; needed only when the model has several stacks.</param>
    /// <param name="sourceName">The name messages and <see cref="ImportedModel.Source"/> give the file.</param>
    /// <exception cref="ImportException">The bytes are not a readable Keras model, or its stack does not map onto RnnGen's cells.</exception>
    [SuppressMessage("ApiDesign", "RS0026", Justification = "The overloads differ in their first parameter's type (path or stream), so no call is ambiguous.")]
    public static ImportedModel Read(Stream stream, string? layer = null, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }

        try
        {
            // PureHDF and ZipArchive both seek, and PureHDF reads offsets from the stream's start.
            using Stream? copy = stream.CanSeek && stream.Position == 0 ? null : CopyToMemory(stream);
            Stream input = copy ?? stream;
            Span<byte> magic = stackalloc byte[4];
            int read = input.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            input.Position = 0;
            return read == 4 && magic.SequenceEqual("PK\u0003\u0004"u8) ? ReadKeras3(input, layer, sourceName) : ReadLegacy(input, layer, sourceName);
        }
        catch (ImportException)
        {
            throw;
        }
        catch (Exception e)
        {
            // PureHDF throws plain Exceptions (and whatever a truncated read hits), zip and JSON their own types: one error for all.
            throw new ImportException(sourceName, null, $"not a readable Keras model file ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static ImportedModel ReadKeras3(Stream input, string? layer, string source)
    {
        using var zip = new ZipArchive(input, ZipArchiveMode.Read, leaveOpen: true);
        ZipArchiveEntry config = zip.GetEntry("config.json") ?? throw new ImportException(source, null, "a zip without config.json is not a Keras 3 .keras file");
        ZipArchiveEntry weightsEntry = zip.GetEntry("model.weights.h5") ?? throw new ImportException(source, null,
            zip.GetEntry("model.weights.npz") is not null ? "weights saved as model.weights.npz are not read; save with the default HDF5 weights"
            : zip.Entries.Any(e => e.FullName.EndsWith(".weights.json", StringComparison.Ordinal)) ? "sharded weights (*.weights.json) are not read"
            : "the .keras file has no model.weights.h5");

        string json = Encoding.UTF8.GetString(Extract(config, MaxConfigBytes, source).ToArray());
        using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        IReadOnlyList<KerasLayer> layers = KerasLayer.ListModel(document.RootElement);
        using NativeFile file = H5File.Open(Extract(weightsEntry, MaxWeightsBytes, source), leaveOpen: false);
        return new KerasModelMapper(source, layers, new Keras3Weights(file, source)).Map(layer);
    }

    private static ImportedModel ReadLegacy(Stream input, string? layer, string source)
    {
        using NativeFile file = H5File.Open(input, leaveOpen: true);
        string config = Hdf5Reading.ReadString(file, "model_config", source) ?? throw new ImportException(source, null,
            file.AttributeExists("layer_names") || file.AttributeExists("layer_names0")
                ? "a weights-only file (save_weights) names no layer classes or options; save the whole model (model.save) and read that"
                : "an HDF5 file without a model_config attribute is not a Keras model file");
        if (!file.LinkExists("model_weights"))
        {
            throw new ImportException(source, null, "the file has a model_config but no model_weights group");
        }

        IH5Group weights = file.Group("model_weights");
        if (Hdf5Reading.ReadString(file, "keras_version", source) is null && Hdf5Reading.ReadString(weights, "keras_version", source) is null)
        {
            throw new ImportException(source, null, "no keras_version: Keras 1 files (another weight layout) are not read");
        }

        using JsonDocument document = JsonDocument.Parse(config, new JsonDocumentOptions { MaxDepth = 256 });
        IReadOnlyList<KerasLayer> layers = KerasLayer.ListModel(document.RootElement);
        return new KerasModelMapper(source, layers, new LegacyKerasWeights(weights, source)).Map(layer);
    }

    /// <summary>A zip entry in memory (PureHDF needs a seekable stream), refused if larger than it says or than <paramref name="limit"/>.</summary>
    private static MemoryStream Extract(ZipArchiveEntry entry, long limit, string source)
    {
        if (entry.Length > limit)
        {
            throw new ImportException(source, null, $"{entry.FullName} is {entry.Length} bytes, more than the {limit} read");
        }

        var copy = new MemoryStream((int)entry.Length);
        using Stream data = entry.Open();
        byte[] buffer = new byte[81920];
        int read;
        while ((read = data.Read(buffer)) > 0)
        {
            if (copy.Length + read > entry.Length)
            {
                throw new ImportException(source, null, $"{entry.FullName} holds more than its declared {entry.Length} bytes");
            }

            copy.Write(buffer, 0, read);
        }

        if (copy.Length != entry.Length)
        {
            throw new ImportException(source, null, $"{entry.FullName} holds {copy.Length} of its declared {entry.Length} bytes");
        }

        copy.Position = 0;
        return copy;
    }

    private static MemoryStream CopyToMemory(Stream stream)
    {
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }
}
