using System.Runtime.CompilerServices;
using RnnGen.Simd;

namespace RnnGen.Generated;

// The frozen copy: each layer-direction's parameters as its kernels' Freeze lays them out (packed where a packed
// kernel runs; FreezeBFloat16 for a bfloat16 copy, two weights per float), each block from a cache-line boundary, then
// a plain copy of the head.
public abstract partial class ModelRunner<TModel, TFirst, TUpper, THead>
{
    private const int LineFloats = 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]

    private static int Aligned(int length) => (length + LineFloats - 1) / LineFloats * LineFloats;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]

    private static int FrozenOffset(int layer, int direction) =>
        layer == 0
            ? direction * Aligned(TFirst.FrozenLength)
            : Directions * Aligned(TFirst.FrozenLength) + ((layer - 1) * Directions + direction) * Aligned(TUpper.FrozenLength);

    private static int FrozenHeadOffset { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => FrozenOffset(Layers, 0); }

    /// <summary>Floats of a frozen copy.</summary>
    public static int FrozenLength => FrozenHeadOffset + THead.ParameterCount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]

    private static int FrozenOffsetBFloat16(int layer, int direction) =>
        layer == 0
            ? direction * Aligned(TFirst.FrozenLengthBFloat16)
            : Directions * Aligned(TFirst.FrozenLengthBFloat16) + ((layer - 1) * Directions + direction) * Aligned(TUpper.FrozenLengthBFloat16);

    private static int FrozenHeadOffsetBFloat16 { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => FrozenOffsetBFloat16(Layers, 0); }

    /// <summary>
    /// Floats of a frozen copy of <paramref name="precision"/>: a bfloat16 copy holds two weights per float where a packed
    /// 16-bit kernel runs; the head, the biases and a half copy's weights keep float32 slots.
    /// </summary>
    public static int FrozenLengthFor(WeightPrecision precision) =>
        precision == WeightPrecision.BFloat16 ? FrozenHeadOffsetBFloat16 + THead.ParameterCount : FrozenLength;

    /// <summary>
    /// The frozen copy of <paramref name="parameters"/> with its weight matrices rounded to <paramref name="precision"/>
    /// (biases as they are), in a pinned buffer from a cache-line boundary at <paramref name="offset"/>.
    /// </summary>
    public static float[] Freeze(ReadOnlySpan<float> parameters, WeightPrecision precision, out int offset)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        if (precision == WeightPrecision.Float32)
        {
            return Freeze(parameters, out offset);
        }

        if (precision is not (WeightPrecision.BFloat16 or WeightPrecision.Half))
        {
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Not a WeightPrecision.");
        }

        float[] rounded = parameters.ToArray();
        WeightRounding.RoundWeights(rounded, TModel.Shape, precision);
        return Freeze(rounded, bfloat16: precision == WeightPrecision.BFloat16, out offset);
    }

    /// <summary>The frozen copy of <paramref name="parameters"/>, in a pinned buffer from a cache-line boundary at <paramref name="offset"/>.</summary>
    public static float[] Freeze(ReadOnlySpan<float> parameters, out int offset)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        return Freeze(parameters, bfloat16: false, out offset);
    }

    /// <summary>The float32 frozen copy, or the bfloat16 one (<see cref="ILayerKernels.FreezeBFloat16"/>) of parameters whose weights are bfloat16 values.</summary>
    private static float[] Freeze(ReadOnlySpan<float> parameters, bool bfloat16, out int offset)
    {
        int frozenLength = FrozenLengthFor(bfloat16 ? WeightPrecision.BFloat16 : WeightPrecision.Float32);
        float[] frozen = CacheAligned.Allocate<float>(frozenLength, out offset);
        FreezeInto(parameters, frozen.AsSpan(offset, frozenLength), bfloat16);
        return frozen;
    }

    /// <summary>Writes the frozen copy of <paramref name="parameters"/> to <paramref name="target"/> (FrozenLengthFor floats, from a cache-line boundary).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FreezeInto(ReadOnlySpan<float> parameters, Span<float> target, bool bfloat16)
    {
        for (int layer = 0; layer < Layers; layer++)
        {
            for (int direction = 0; direction < Directions; direction++)
            {
                int length = layer == 0 ? TFirst.ParameterCount : TUpper.ParameterCount;
                ReadOnlySpan<float> from = parameters.Slice(Offset(layer, direction), length);
                if (bfloat16)
                {
                    Span<float> to = target.Slice(FrozenOffsetBFloat16(layer, direction), layer == 0 ? TFirst.FrozenLengthBFloat16 : TUpper.FrozenLengthBFloat16);
                    if (layer == 0)
                    {
                        TFirst.FreezeBFloat16(from, to);
                    }
                    else
                    {
                        TUpper.FreezeBFloat16(from, to);
                    }
                }
                else
                {
                    Span<float> to = target.Slice(FrozenOffset(layer, direction), layer == 0 ? TFirst.FrozenLength : TUpper.FrozenLength);
                    if (layer == 0)
                    {
                        TFirst.Freeze(from, to);
                    }
                    else
                    {
                        TUpper.Freeze(from, to);
                    }
                }
            }
        }

        parameters.Slice(HeadOffset, THead.ParameterCount).CopyTo(target[(bfloat16 ? FrozenHeadOffsetBFloat16 : FrozenHeadOffset)..]);
    }
}
