using System.Reflection;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// A frozen snapshot's packed Vector512 bodies (tiles of 16 units: the single-stream step on float32 and on bfloat16
/// weights, and the hoisted step of a sequence) give their 256-bit bodies' floats bit for bit: same terms in the same order per lane (also where they
/// take two tiles per pass: 48 units are a pair and a last tile), so a snapshot's results
/// do not depend on whether the CPU has AVX-512, and its 256-bit batched kernels agree with its single step.
/// </summary>
public sealed class PackedVector512Tests
{
    private delegate void PackedStep(ref float w, ref float x, ref float previous, ref float next);

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

    /// <summary>A 32-bit slot holding two bfloat16 weights: <paramref name="upper"/>'s upper half, <paramref name="lower"/>'s upper half below it.</summary>
    private static float Pair(float upper, float lower) =>
        BitConverter.UInt32BitsToSingle((BitConverter.SingleToUInt32Bits(upper) & 0xFFFF0000u) | (BitConverter.SingleToUInt32Bits(lower) >> 16));
}
