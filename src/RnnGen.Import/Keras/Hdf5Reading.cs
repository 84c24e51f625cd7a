using PureHDF;

namespace RnnGen.Import.Keras;

/// <summary>
/// The few HDF5 reads the Keras reader needs, with the checks PureHDF leaves to its caller: it decodes a dataset by
/// element size alone (a 4-byte integer would read as float bits), so the class and size are checked first.
/// </summary>
internal static class Hdf5Reading
{
    /// <summary>More elements than any LSTM/GRU layer RnnGen declares; a corrupted dimension is refused before allocating.</summary>
    private const ulong MaxElements = 1UL << 28;

    /// <summary>A floating-point dataset (half, float or double) as float32 values and its shape.</summary>
    public static KerasArray ReadArray(IH5Group group, string path, string source, string element)
    {
        if (!group.LinkExists(path))
        {
            throw new ImportException(source, element, $"the weights file has no dataset '{path}'");
        }

        IH5Dataset dataset = group.Dataset(path);
        IH5DataType type = dataset.Type;
        if (type.Class != H5DataTypeClass.FloatingPoint || type.Size is not (2 or 4 or 8))
        {
            throw new ImportException(source, element, $"dataset '{path}' holds {type.Class} values of {type.Size} bytes; only float16, float32 and float64 are read");
        }

        ulong[] dimensions = dataset.Space.Type == H5DataspaceType.Scalar ? [] : dataset.Space.Dimensions;
        ulong count = 1;
        foreach (ulong d in dimensions)
        {
            if (d > int.MaxValue || (d != 0 && count > MaxElements / d))
            {
                throw new ImportException(source, element, $"dataset '{path}' has an implausible shape [{string.Join(", ", dimensions)}]");
            }

            count *= d;
        }

        float[] values = type.Size switch
        {
            2 => Array.ConvertAll(dataset.Read<Half[]>(), v => (float)v),
            4 => dataset.Read<float[]>(),
            _ => Array.ConvertAll(dataset.Read<double[]>(), v => (float)v),
        };
        if ((ulong)values.Length != count)
        {
            throw new ImportException(source, element, $"dataset '{path}' gave {values.Length} values for shape [{string.Join(", ", dimensions)}]");
        }

        return new KerasArray(path, values, Array.ConvertAll(dimensions, d => (int)d));
    }

    /// <summary>A string attribute (fixed- or variable-length, scalar or a one-element array), or null when absent.</summary>
    public static string? ReadString(IH5Object owner, string name, string source)
    {
        if (!owner.AttributeExists(name))
        {
            return null;
        }

        string[] values = ReadStrings(owner.Attribute(name), source);
        return values.Length == 1 ? values[0] : throw new ImportException(source, null, $"attribute '{name}' holds {values.Length} strings, expected one");
    }

    /// <summary>
    /// A list attribute as Keras writes it: <c>name</c>, or when the list was too long for one object header,
    /// <c>name0</c>, <c>name1</c>, … (tf-keras <c>hdf5_format.py</c> <c>load_attributes_from_hdf5_group</c>). Null when absent.
    /// </summary>
    public static IReadOnlyList<string>? ReadStringList(IH5Object owner, string name, string source)
    {
        if (owner.AttributeExists(name))
        {
            return ReadStrings(owner.Attribute(name), source);
        }

        var values = new List<string>();
        int chunk = 0;
        for (; owner.AttributeExists(name + chunk); chunk++)
        {
            values.AddRange(ReadStrings(owner.Attribute(name + chunk), source));
        }

        return chunk == 0 ? null : values;
    }

    private static string[] ReadStrings(IH5Attribute attribute, string source)
    {
        // Fixed-length strings are class String; h5py's variable-length strings are class VariableLength.
        if (attribute.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength))
        {
            throw new ImportException(source, null, $"attribute '{attribute.Name}' holds {attribute.Type.Class} values, expected strings");
        }

        return attribute.Space.Type switch
        {
            H5DataspaceType.Scalar => [attribute.Read<string>()],
            H5DataspaceType.Simple when attribute.Space.Rank == 1 => attribute.Read<string[]>(),
            _ => throw new ImportException(source, null, $"attribute '{attribute.Name}' is not a string or a list of strings"),
        };
    }
}
