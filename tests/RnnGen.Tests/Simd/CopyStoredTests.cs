using RnnGen.Simd;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// VectorMath.CopyStored, which every state copy of the runner and the frozen steps goes through: on each path CI
/// forces (256-bit, 128-bit, scalar) it copies exactly the floats asked for, bit for bit, and nothing past them, even
/// for a count that is not a multiple of the store width it is told.
/// </summary>
public sealed class CopyStoredTests
{
    [Theory]
    [InlineData(8, 8)]
    [InlineData(8, 40)]
    [InlineData(8, 64)]
    [InlineData(8, 1024)]
    [InlineData(4, 4)]
    [InlineData(4, 12)]
    [InlineData(1, 1)]
    [InlineData(1, 13)]
    [InlineData(1, 0)]
    [InlineData(8, 12)]
    [InlineData(4, 6)]
    public void CopiesExactlyCountFloatsBitForBit(int stored, int count)
    {
        float[] source = new float[count + 8];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = BitConverter.Int32BitsToSingle(unchecked((int)(0x9E3779B9u * (uint)(i + 1))));   // NaN payloads, subnormals, −0 among them
        }

        float[] destination = new float[count + 8];
        Array.Fill(destination, 42f);

        VectorMath.CopyStored(ref source[0], ref destination[0], count, stored);

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(source[i]), BitConverter.SingleToInt32Bits(destination[i]));
        }

        Assert.All(destination[count..], value => Assert.Equal(42f, value));
    }
}
