using System.Collections.ObjectModel;
using System.Globalization;

namespace RnnGen.IO;

/// <summary>A tensor's entry in a weight file: its name, element type and shape (row-major, little-endian data).</summary>
public sealed class TensorInfo
{
    private readonly long[] _shape;

    internal TensorInfo(string name, SafeTensorsDType dtype, long[] shape, long elementCount)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        Shape = new ReadOnlyCollection<long>(shape);
        ElementCount = elementCount;
    }

    /// <summary>The tensor's name, e.g. <c>rnn.weight_ih_l0</c>.</summary>
    public string Name { get; }

    /// <summary>The element type stored in the file.</summary>
    public SafeTensorsDType DType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Bytes of data: <see cref="ElementCount"/> × the dtype's size.</summary>
    public long ByteLength => ElementCount * DType.Size();

    /// <summary>True when the shape is exactly <paramref name="shape"/>.</summary>
    public bool HasShape(ReadOnlySpan<int> shape)
    {
        if (shape.Length != _shape.Length)
        {
            return false;
        }

        for (int i = 0; i < shape.Length; i++)
        {
            if (_shape[i] != shape[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A shape as messages write it: <c>[512, 128]</c>.</summary>
    public static string FormatShape(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <inheritdoc cref="FormatShape(IEnumerable{long})"/>
    public static string FormatShape(ReadOnlySpan<int> shape) => FormatShape(shape.ToArray().Select(d => (long)d));

    /// <summary>e.g. <c>rnn.weight_ih_l0: F32 [52, 7]</c>.</summary>
    public override string ToString() => $"{Name}: {DType.Name()} {FormatShape(_shape)}";
}
