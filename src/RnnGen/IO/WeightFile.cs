using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Reflection;
using RnnGen.Generated;

namespace RnnGen.IO;

/// <summary>
/// A set of named tensors in the safetensors format, held in memory: read from a file, a stream or an embedded
/// resource, written into by any number of modules (a cell under <c>"rnn."</c>, a head under <c>"head."</c>),
/// and saved as one file. Loading validates the whole file first (see <see cref="WeightFileErrors"/>);
/// reading converts F32, F64, F16 and BF16 data to the caller's floating-point type.
/// </summary>
/// <remarks>
/// Reads may run concurrently; writes (<see cref="Write{T}(string, ReadOnlySpan{T}, ReadOnlySpan{int})"/>,
/// <see cref="Remove"/>, <see cref="Metadata"/>) need exclusive access. The whole file is held in memory, so
/// files are limited to 2 GB.
/// </remarks>
/// <example>
/// <code>
/// var file = new WeightFile();
/// tagger.SaveWeights(file, "rnn.");
/// file.Write("head.weight", headWeights, [classes, hidden]);
/// file.Save("tagger.safetensors");   // atomic: a temporary file renamed over the target
/// </code>
/// </example>
public sealed class WeightFile
{
    /// <summary>Where embedded weights live in an assembly: <c>RnnGen.Weights.{file name}</c> (the name RnnGen's MSBuild targets give an <c>RnnGenWeights</c> item).</summary>
    public const string EmbeddedResourcePrefix = "RnnGen.Weights.";

    private readonly Dictionary<string, Stored> _tensors;

    /// <summary>An empty file to write tensors into.</summary>
    public WeightFile()
    {
        _tensors = new Dictionary<string, Stored>(StringComparer.Ordinal);
        Metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        Source = "<new>";
    }

    private WeightFile(byte[] bytes, string source)
    {
        (List<SafeTensorsFormat.Entry> entries, Dictionary<string, string> metadata, int dataStart) = SafeTensorsFormat.Parse(bytes, source);
        _tensors = new Dictionary<string, Stored>(entries.Count, StringComparer.Ordinal);
        foreach (SafeTensorsFormat.Entry entry in entries)
        {
            _tensors.Add(entry.Info.Name, new Stored(entry.Info, bytes.AsMemory(dataStart + (int)entry.Begin, (int)(entry.End - entry.Begin))));
        }

        Metadata = metadata;
        Source = source;
    }

    /// <summary>Where the tensors came from, as error messages name it: a path, <c>&lt;stream&gt;</c>, <c>embedded:{assembly}/{file}</c>, or <c>&lt;new&gt;</c>.</summary>
    public string Source { get; }

    /// <summary>The file's free-form <c>__metadata__</c> (string to string); written only when not empty.</summary>
    public IDictionary<string, string> Metadata { get; }

    /// <summary>How many tensors the file holds.</summary>
    public int Count => _tensors.Count;

    /// <summary>Every tensor's name, in ordinal order.</summary>
    public IReadOnlyList<string> Names => _tensors.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Every tensor's entry, in ordinal order of names.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _tensors.Values.Select(s => s.Info).OrderBy(i => i.Name, StringComparer.Ordinal).ToArray();

    /// <summary>Reads and validates a file.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static WeightFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return new WeightFile(ReadAll(stream, path), path);
    }

    /// <summary>Reads and validates a file from the current position of <paramref name="stream"/> to its end; the stream is left open.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file (messages name the source <c>&lt;stream&gt;</c>).</exception>
    public static WeightFile Load(Stream stream) => Load(stream, "<stream>");

    /// <summary>Reads and validates a file from <paramref name="stream"/>, naming it <paramref name="sourceName"/> in messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file.</exception>
    public static WeightFile Load(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return new WeightFile(ReadAll(stream, sourceName), sourceName);
    }

    /// <summary>Validates a file held in memory; the bytes are copied.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file.</exception>
    public static WeightFile Parse(ReadOnlySpan<byte> bytes, string sourceName = "<bytes>")
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        return new WeightFile(bytes.ToArray(), sourceName);
    }

    /// <summary>
    /// Reads the weights embedded in <paramref name="assembly"/> by an <c>&lt;RnnGenWeights Include="…/{fileName}" /&gt;</c>
    /// item: the manifest resource <c>RnnGen.Weights.{fileName}</c>.
    /// </summary>
    /// <param name="assembly">The assembly that embeds the file (for a generated cell, its own).</param>
    /// <param name="fileName">The file's name, e.g. <c>tagger.safetensors</c>; a directory part is ignored.</param>
    /// <exception cref="FileNotFoundException">The assembly embeds no such resource (the message lists those it has).</exception>
    /// <exception cref="InvalidDataException">The resource is not a valid safetensors file.</exception>
    public static WeightFile LoadEmbedded(Assembly assembly, string fileName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        string name = EmbeddedResourcePrefix + Path.GetFileName(fileName);
        string source = $"embedded:{assembly.GetName().Name}/{Path.GetFileName(fileName)}";
        using Stream? stream = assembly.GetManifestResourceStream(name);
        if (stream is null)
        {
            string[] present = assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(EmbeddedResourcePrefix, StringComparison.Ordinal))
                .Select(n => n[EmbeddedResourcePrefix.Length..])
                .Order(StringComparer.Ordinal)
                .ToArray();
            string have = present.Length == 0 ? "it embeds no weights" : "it embeds " + string.Join(", ", present);
            throw new FileNotFoundException(
                $"{source}: the assembly has no embedded weights '{Path.GetFileName(fileName)}' (resource '{name}'); {have}. " +
                $"Embed the file with <RnnGenWeights Include=\"{Path.GetFileName(fileName)}\" /> in the project.",
                name);
        }

        return new WeightFile(ReadAll(stream, source), source);
    }

    /// <summary>True when the file holds a tensor of that name.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.ContainsKey(name);
    }

    /// <summary>The entry of the tensor <paramref name="name"/>, if there is one.</summary>
    public bool TryGetInfo(string name, [NotNullWhen(true)] out TensorInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        info = _tensors.TryGetValue(name, out Stored stored) ? stored.Info : null;
        return info is not null;
    }

    /// <summary>The entry of the tensor <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">There is no such tensor.</exception>
    public TensorInfo GetInfo(string name) => Find(name).Info;

    /// <summary>All values of a floating-point tensor, converted to <typeparamref name="T"/>, whatever its shape.</summary>
    /// <exception cref="InvalidDataException">There is no such tensor, or its dtype is not F32, F64, F16 or BF16.</exception>
    public T[] Read<T>(string name) where T : IFloatingPointIeee754<T>
    {
        Stored stored = Find(name);
        CheckFloat(stored.Info);
        var values = new T[checked((int)stored.Info.ElementCount)];
        TensorCodec.Decode<T>(stored.Info.DType, stored.Data.Span, values);
        return values;
    }

    /// <summary>A floating-point tensor that must have exactly the shape <paramref name="shape"/>, converted to <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">There is no such tensor, its shape differs, or its dtype is not floating-point.</exception>
    public T[] Read<T>(string name, ReadOnlySpan<int> shape) where T : IFloatingPointIeee754<T>
    {
        Stored stored = Find(name);
        CheckShape(stored.Info, shape);
        return Read<T>(name);
    }

    /// <summary>Reads a floating-point tensor of exactly <paramref name="shape"/> into <paramref name="destination"/> (its length must be the shape's product); nothing is written if anything is wrong.</summary>
    /// <exception cref="InvalidDataException">There is no such tensor, its shape differs, or its dtype is not floating-point.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold the shape's element count.</exception>
    public void Read<T>(string name, ReadOnlySpan<int> shape, Span<T> destination) where T : IFloatingPointIeee754<T>
    {
        Stored stored = Find(name);
        CheckShape(stored.Info, shape);
        CheckFloat(stored.Info);
        Guard.Length(destination.Length, (int)stored.Info.ElementCount, nameof(destination));
        TensorCodec.Decode(stored.Info.DType, stored.Data.Span, destination);
    }

    /// <summary>
    /// Adds or replaces the tensor <paramref name="name"/>: <paramref name="values"/> in row-major order with shape
    /// <paramref name="shape"/>, stored as F32 for float, F64 for double, F16 for <see cref="Half"/> (F64 otherwise).
    /// </summary>
    /// <exception cref="ArgumentException">The name is reserved, a dimension is negative, or the shape's product is not <c>values.Length</c>.</exception>
    public void Write<T>(string name, ReadOnlySpan<T> values, ReadOnlySpan<int> shape) where T : IFloatingPointIeee754<T> =>
        Write(name, values, shape, TensorCodec.DefaultDType<T>());

    /// <summary>Adds or replaces the tensor <paramref name="name"/>, converted to <paramref name="dtype"/> (F32, F64, F16 or BF16; rounding to nearest even).</summary>
    /// <exception cref="ArgumentException">The name is reserved, the shape does not fit the values, or the dtype is not one RnnGen writes.</exception>
    public void Write<T>(string name, ReadOnlySpan<T> values, ReadOnlySpan<int> shape, SafeTensorsDType dtype) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == SafeTensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved for the file's metadata.", nameof(name));
        }

        if (!dtype.IsSupportedFloat())
        {
            throw new ArgumentException($"RnnGen writes F32, F64, F16 and BF16 tensors, not {dtype}.", nameof(dtype));
        }

        long count = 1;
        long[] dimensions = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(shape[i], nameof(shape));
            dimensions[i] = shape[i];
            count = checked(count * shape[i]);
        }

        if (count != values.Length)
        {
            throw new ArgumentException($"Shape {TensorInfo.FormatShape(shape)} holds {count} values, but {values.Length} were given.", nameof(values));
        }

        _tensors[name] = new Stored(new TensorInfo(name, dtype, dimensions, count), TensorCodec.Encode(values, dtype));
    }

    /// <summary>Removes the tensor <paramref name="name"/>; false if there was none.</summary>
    public bool Remove(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.Remove(name);
    }

    /// <summary>
    /// Saves the file atomically: writes a temporary file in the same folder, flushes it to disk, then renames it
    /// over <paramref name="path"/>. If anything fails, an existing file at <paramref name="path"/> is left as it was
    /// and the temporary file is deleted.
    /// </summary>
    public void Save(string path) => Save(path, wrap: null);

    /// <summary>Writes the file to <paramref name="stream"/> at its position; the stream is left open.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SafeTensorsFormat.Write(stream, _tensors.Values.Select(s => (s.Info, s.Data)), new Dictionary<string, string>(Metadata, StringComparer.Ordinal));
    }

    /// <summary>The file's bytes.</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        Save(stream);
        return stream.ToArray();
    }

    /// <summary>The atomic save; <paramref name="wrap"/> lets tests put a failing stream between the writer and the temporary file.</summary>
    internal void Save(string path, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Save, wrap);
    }

    private Stored Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _tensors.TryGetValue(name, out Stored stored)
            ? stored
            : throw WeightFileErrors.Mismatch(Source, name, "no such tensor in the file");
    }

    private void CheckShape(TensorInfo info, ReadOnlySpan<int> shape)
    {
        if (!info.HasShape(shape))
        {
            throw WeightFileErrors.Mismatch(Source, info.Name, $"expected {TensorInfo.FormatShape(shape)}, found {TensorInfo.FormatShape(info.Shape)}");
        }
    }

    private void CheckFloat(TensorInfo info)
    {
        if (!info.DType.IsSupportedFloat())
        {
            throw WeightFileErrors.Mismatch(Source, info.Name, $"dtype {info.DType.Name()} cannot be read as floating-point values (RnnGen reads F32, F64, F16 and BF16)");
        }
    }

    /// <summary>The rest of the stream as one array (a file larger than an array can hold is reported, not truncated).</summary>
    private static byte[] ReadAll(Stream stream, string source)
    {
        if (stream.CanSeek)
        {
            long remaining = Math.Max(0, stream.Length - stream.Position);
            if (remaining > Array.MaxLength)
            {
                throw WeightFileErrors.Format(source, null, $"the file is {remaining} bytes; RnnGen reads weight files of up to {Array.MaxLength} bytes");
            }

            byte[] bytes = new byte[remaining];
            int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            int next = stream.ReadByte();
            if (read == bytes.Length && next < 0)
            {
                return bytes;
            }

            // The stream's length changed while reading: fall back to reading whatever is there.
            using var rest = new MemoryStream();
            rest.Write(bytes, 0, read);
            if (next >= 0)
            {
                rest.WriteByte((byte)next);
                CopyBounded(stream, rest, source);
            }

            return rest.ToArray();
        }

        using var buffer = new MemoryStream();
        CopyBounded(stream, buffer, source);
        return buffer.ToArray();
    }

    private static void CopyBounded(Stream from, MemoryStream to, string source)
    {
        byte[] chunk = new byte[81920];
        int read;
        while ((read = from.Read(chunk)) > 0)
        {
            if (to.Length + read > Array.MaxLength)
            {
                throw WeightFileErrors.Format(source, null, $"the file is larger than {Array.MaxLength} bytes, the most RnnGen reads");
            }

            to.Write(chunk, 0, read);
        }
    }

    private readonly record struct Stored(TensorInfo Info, ReadOnlyMemory<byte> Data);
}
