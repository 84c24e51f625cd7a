namespace RnnGen.IO;

/// <summary>
/// The element types the safetensors format defines, in the format's own order (the order its writers sort
/// tensors by, largest first; the order of the one dtype table in Shared/SafeTensorsHeader.cs, which names and sizes them). RnnGen reads <see cref="F32"/>, <see cref="F64"/>, <see cref="F16"/> and
/// <see cref="BF16"/> into floating-point parameters; files holding other types (an int64 counter, say)
/// still load, and only reading such a tensor as floating-point values fails.
/// </summary>
public enum SafeTensorsDType
{
    /// <summary><c>BOOL</c>: one byte per element.</summary>
    Bool,

    /// <summary><c>U8</c>: unsigned 8-bit integer.</summary>
    U8,

    /// <summary><c>I8</c>: signed 8-bit integer.</summary>
    I8,

    /// <summary><c>F8_E5M2</c>: 8-bit float, 5 exponent bits.</summary>
    F8E5M2,

    /// <summary><c>F8_E4M3</c>: 8-bit float, 4 exponent bits.</summary>
    F8E4M3,

    /// <summary><c>I16</c>: signed 16-bit integer.</summary>
    I16,

    /// <summary><c>U16</c>: unsigned 16-bit integer.</summary>
    U16,

    /// <summary><c>F16</c>: IEEE half precision (<see cref="Half"/>).</summary>
    F16,

    /// <summary><c>BF16</c>: bfloat16, the upper 16 bits of a float32.</summary>
    BF16,

    /// <summary><c>I32</c>: signed 32-bit integer.</summary>
    I32,

    /// <summary><c>U32</c>: unsigned 32-bit integer.</summary>
    U32,

    /// <summary><c>F32</c>: IEEE single precision (<see cref="float"/>).</summary>
    F32,

    /// <summary><c>F64</c>: IEEE double precision (<see cref="double"/>).</summary>
    F64,

    /// <summary><c>I64</c>: signed 64-bit integer.</summary>
    I64,

    /// <summary><c>U64</c>: unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Names and sizes of <see cref="SafeTensorsDType"/> values as the format spells them.</summary>
public static class SafeTensorsDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this SafeTensorsDType dtype) => SafeTensorsHeader.DTypeSize(Index(dtype));

    /// <summary>The name in a file's header, e.g. <c>F32</c> or <c>F8_E4M3</c>.</summary>
    public static string Name(this SafeTensorsDType dtype) => SafeTensorsHeader.DTypeName(Index(dtype));

    /// <summary>True for the types RnnGen converts to and from floating-point parameters: F16, BF16, F32 and F64.</summary>
    public static bool IsSupportedFloat(this SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F32 or SafeTensorsDType.F64;

    /// <summary>Parses a header's dtype name (case-sensitive, as the format requires).</summary>
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        ArgumentNullException.ThrowIfNull(name);
        dtype = (SafeTensorsDType)SafeTensorsHeader.DTypeIndex(name);
        return dtype >= 0;
    }

    private static int Index(SafeTensorsDType dtype) =>
        (uint)dtype < (uint)SafeTensorsHeader.DTypeCount
            ? (int)dtype
            : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype.");
}
