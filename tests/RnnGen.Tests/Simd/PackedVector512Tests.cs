using System.Reflection;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// A frozen snapshot's packed Vector512 bodies (tiles of 16 units: the single-stream step on float32 and on bfloat16
/// weights, and the hoisted step of a sequence) give their 256-bit bodies' floats bit for bit: same terms in the same order per lane (also where they
/// take two tiles per pass: 48 units are a pair and a last tile), so a snapshot's results
/// do not depend on whether the CPU has AVX-512, and its 256-bit batched kernels agree with its single step. The
/// batched bodies (sub-tiles of 8 or 16 units, blocks of 3 or 4–5 streams) agree with each other the same way.
/// </summary>
public sealed class PackedVector512Tests
{
    private delegate void PackedStep(ref float w, ref float x, ref float previous, ref float next);

    private delegate void BatchTiles(ref float frozen, ref float x, int xStride, ref float states, ref float h, ref float partial, int count);

    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;

    [AcceleratedVector512Theory]
    [InlineData(typeof(Lstm8x16), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(Gru8x16), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(Lstm64x128), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(Gru64x128), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(HoistedGru40x64NoBias), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(Lstm8x48), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(Gru8x48), "PackedStep256", "PackedStep512")]
    [InlineData(typeof(Lstm8x16), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(Gru8x16), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(Lstm64x128), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(Gru64x128), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(HoistedGru40x64NoBias), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(Lstm8x48), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(Gru8x48), "PackedStepProjected256", "PackedStepProjected512")]
    [InlineData(typeof(Lstm8x16), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    [InlineData(typeof(Gru8x16), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    [InlineData(typeof(Lstm64x128), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    [InlineData(typeof(Gru64x128), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    [InlineData(typeof(HoistedGru40x64NoBias), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    [InlineData(typeof(Lstm8x48), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    [InlineData(typeof(Gru8x48), "PackedStep256BFloat16", "PackedStep512BFloat16")]
    public void Vector512BodyGivesThe256BitBodysFloatsBitForBit(Type cell, string body256, string body512)
    {
        bool bfloat16 = body256.EndsWith("BFloat16", StringComparison.Ordinal);
        Type layer = cell.GetNestedType("Kernels", BindingFlags.NonPublic | BindingFlags.Public)!.GetNestedType("FirstLayer", BindingFlags.NonPublic | BindingFlags.Public)!;
        var wide = layer.GetMethod(body512, Private)?.CreateDelegate<PackedStep>();
        var narrow = layer.GetMethod(body256, Private)!.CreateDelegate<PackedStep>();
        Assert.NotNull(wide);   // every cell here packs tiles of 16 units
        int packedLength = (int)layer.GetField(bfloat16 ? "PackedLengthBFloat16" : "PackedLength")!.GetValue(null)!;
        int stateSize = (int)layer.GetField("StateSize")!.GetValue(null)!;
        int gateRows = (int)layer.GetField("GateRows")!.GetValue(null)!;
        int inputSize = (int)layer.GetField("InputSize")!.GetValue(null)!;

        // Saturating weights (×4) and a state well inside the gates' range: any difference in rounding would show.
        var random = new Random(packedLength);
        float[] Values(int length, float scale) => [.. Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextSingle() - 1))];
        // bfloat16 slots hold two weights each (upper and lower half); as floats they read as the upper one.
        float[] weights = bfloat16 ? [.. Values(packedLength, 4f).Select(upper => Pair(upper, 4f * (2 * random.NextSingle() - 1)))] : Values(packedLength, 4f);
        float[] source = Values(Math.Max(inputSize, 2 * gateRows), 2f);   // x, or a row of projected input parts
        float[] previous = Values(stateSize, 1f);
        float[] start = Values(stateSize, 1f);   // c is updated in place in next
        float[] next256 = (float[])start.Clone(), next512 = (float[])start.Clone();

        narrow(ref weights[0], ref source[0], ref previous[0], ref next256[0]);
        wide(ref weights[0], ref source[0], ref previous[0], ref next512[0]);

        Assert.Equal(next256.Select(BitConverter.SingleToInt32Bits), next512.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(start, next512);   // the step wrote its state
    }

    [AcceleratedVector512Theory]
    [InlineData(typeof(Lstm8x16), "")]
    [InlineData(typeof(Gru8x48), "")]
    [InlineData(typeof(Lstm64x128), "")]
    [InlineData(typeof(Gru64x128), "")]
    [InlineData(typeof(Lstm8x48), "BFloat16")]
    [InlineData(typeof(Gru8x16), "BFloat16")]
    [InlineData(typeof(Lstm64x128), "BFloat16")]
    [InlineData(typeof(Gru64x128), "BFloat16")]
    public void BatchedVector512BodyGivesThe256BitBodysFloatsBitForBit(Type cell, string format)
    {
        const int Streams = 7;   // Vector512: 4 + 3 (LSTM), 5 + 2 (GRU); Vector256: 3 + 3 + 1
        Type layer = cell.GetNestedType("Kernels", BindingFlags.NonPublic | BindingFlags.Public)!.GetNestedType("FirstLayer", BindingFlags.NonPublic | BindingFlags.Public)!;
        var wide = layer.GetMethod("BatchTiles512" + format, Private)!.CreateDelegate<BatchTiles>();
        var narrow = layer.GetMethod("BatchTiles256" + format, Private)!.CreateDelegate<BatchTiles>();
        int packedLength = (int)layer.GetField("PackedLength" + format)!.GetValue(null)!;
        int stateSize = (int)layer.GetField("StateSize")!.GetValue(null)!;
        int hidden = (int)layer.GetField("HiddenSize")!.GetValue(null)!;
        int inputSize = (int)layer.GetField("InputSize")!.GetValue(null)!;
        int scratch = (int)layer.GetField("FrozenScratchPerStream")!.GetValue(null)!;

        var random = new Random(packedLength + Streams);
        float[] Values(int length, float scale) => [.. Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextSingle() - 1))];
        float[] weights = format.Length > 0 ? [.. Values(packedLength, 4f).Select(upper => Pair(upper, 4f * (2 * random.NextSingle() - 1)))] : Values(packedLength, 4f);
        float[] x = Values(Streams * inputSize, 2f);
        float[] start = Values(Streams * stateSize, 1f);
        float[] h = new float[Streams * hidden];   // each stream's h before the step, as FrozenStepBatch copies it aside
        for (int b = 0; b < Streams; b++)
        {
            Array.Copy(start, b * stateSize, h, b * hidden, hidden);
        }

        float[] states256 = (float[])start.Clone(), states512 = (float[])start.Clone();
        float[] partial256 = new float[Streams * scratch], partial512 = new float[Streams * scratch];
        narrow(ref weights[0], ref x[0], inputSize, ref states256[0], ref h[0], ref partial256[0], Streams);
        wide(ref weights[0], ref x[0], inputSize, ref states512[0], ref h[0], ref partial512[0], Streams);

        Assert.Equal(states256.Select(BitConverter.SingleToInt32Bits), states512.Select(BitConverter.SingleToInt32Bits));
        Assert.NotEqual(start, states512);   // the step wrote every stream's state
    }

    /// <summary>A 32-bit slot holding two bfloat16 weights: <paramref name="upper"/>'s upper half, <paramref name="lower"/>'s upper half below it.</summary>
    private static float Pair(float upper, float lower) =>
        BitConverter.UInt32BitsToSingle((BitConverter.SingleToUInt32Bits(upper) & 0xFFFF0000u) | (BitConverter.SingleToUInt32Bits(lower) >> 16));
}
