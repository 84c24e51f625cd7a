using System.Buffers.Binary;
using System.Numerics;

namespace RnnGen.IO;

/// <summary>Converts little-endian tensor bytes to and from a cell's floating-point type.</summary>
internal static class TensorCodec
{
    /// <summary>The dtype a <typeparamref name="T"/> tensor is saved as: F16, F32, F64 for Half, float, double; F64 for anything else (lossless for every IEEE type up to double).</summary>
    public static SafeTensorsDType DefaultDType<T>() =>
        typeof(T) == typeof(float) ? SafeTensorsDType.F32
        : typeof(T) == typeof(Half) ? SafeTensorsDType.F16
        : SafeTensorsDType.F64;

    /// <summary>Decodes <paramref name="source"/> (whole elements of <paramref name="dtype"/>, a supported float) into <paramref name="destination"/>.</summary>
    public static void Decode<T>(SafeTensorsDType dtype, ReadOnlySpan<byte> source, Span<T> destination)
        where T : IFloatingPointIeee754<T>
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i, 4)));
                }

                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(8 * i, 8)));
                }

                break;
            case SafeTensorsDType.F16:
                // Half → float is exact, so float and double targets get the stored value itself.
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating((float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(2 * i, 2)));
                }

                break;
            case SafeTensorsDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = T.CreateTruncating(BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * i, 2))));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a floating-point dtype RnnGen reads.");
        }
    }

    /// <summary>Encodes <paramref name="source"/> as <paramref name="dtype"/> (a supported float) into a new array.</summary>
    public static byte[] Encode<T>(ReadOnlySpan<T> source, SafeTensorsDType dtype)
        where T : IFloatingPointIeee754<T>
    {
        byte[] bytes = new byte[checked(source.Length * dtype.Size())];
        Span<byte> d = bytes;
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(d.Slice(4 * i, 4), float.CreateTruncating(source[i]));
                }

                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(d.Slice(8 * i, 8), double.CreateTruncating(source[i]));
                }

                break;
            case SafeTensorsDType.F16:
                // Through float, as PyTorch's .half() does.
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(d.Slice(2 * i, 2), (Half)float.CreateTruncating(source[i]));
                }

                break;
            case SafeTensorsDType.BF16:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(d.Slice(2 * i, 2), SingleToBFloat16(float.CreateTruncating(source[i])));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "RnnGen writes F32, F64, F16 and BF16 tensors only.");
        }

        return bytes;
    }

    /// <summary>bfloat16 is the top half of a float32: widening is a shift.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Round to nearest even, NaN to the canonical quiet NaN: PyTorch's float → bfloat16 conversion.</summary>
    public static ushort SingleToBFloat16(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7FC0;
        }

        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }
}
