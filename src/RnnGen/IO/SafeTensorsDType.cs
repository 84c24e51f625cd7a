namespace RnnGen.IO;

/// <summary>
/// The element types the safetensors format defines, in the format's own order (the order its writers sort
/// tensors by, largest first). RnnGen reads <see cref="F32"/>, <see cref="F64"/>, <see cref="F16"/> and
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
    public static int Size(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool or SafeTensorsDType.U8 or SafeTensorsDType.I8 or SafeTensorsDType.F8E5M2 or SafeTensorsDType.F8E4M3 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 or SafeTensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The name in a file's header, e.g. <c>F32</c> or <c>F8_E4M3</c>.</summary>
    public static string Name(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool => "BOOL",
        SafeTensorsDType.F8E5M2 => "F8_E5M2",
        SafeTensorsDType.F8E4M3 => "F8_E4M3",
        _ when Enum.IsDefined(dtype) => dtype.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>True for the types RnnGen converts to and from floating-point parameters: F16, BF16, F32 and F64.</summary>
    public static bool IsSupportedFloat(this SafeTensorsDType dtype) =>
        dtype is SafeTensorsDType.F16 or SafeTensorsDType.BF16 or SafeTensorsDType.F32 or SafeTensorsDType.F64;

    /// <summary>Parses a header's dtype name (case-sensitive, as the format requires).</summary>
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        ArgumentNullException.ThrowIfNull(name);
        dtype = name switch
        {
            "BOOL" => SafeTensorsDType.Bool,
            "U8" => SafeTensorsDType.U8,
            "I8" => SafeTensorsDType.I8,
            "F8_E5M2" => SafeTensorsDType.F8E5M2,
            "F8_E4M3" => SafeTensorsDType.F8E4M3,
            "I16" => SafeTensorsDType.I16,
            "U16" => SafeTensorsDType.U16,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            "I32" => SafeTensorsDType.I32,
            "U32" => SafeTensorsDType.U32,
            "F32" => SafeTensorsDType.F32,
            "F64" => SafeTensorsDType.F64,
            "I64" => SafeTensorsDType.I64,
            "U64" => SafeTensorsDType.U64,
            _ => (SafeTensorsDType)(-1),
        };
        return dtype >= 0;
    }
}
