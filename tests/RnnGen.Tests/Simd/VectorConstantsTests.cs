using System.Runtime.Intrinsics.X86;
using RnnGen.Simd;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The constants block the activations read on x86 without AVX-512 (VectorConstants): where it is used, its layout,
/// and that each slot holds what the inline formulation uses, so both give the same bits.
/// </summary>
public sealed unsafe class VectorConstantsTests
{
    [Fact]
    public void TheBlockIsUsedExactlyOnX86WithoutAvx512UnderTheJit()
    {
        bool expected = X86Base.IsSupported && !Avx512F.VL.IsSupported;   // tests run under the JIT
        Assert.True(VectorConstants.Jit.Compiles);
        Assert.Equal(expected, VectorConstants.InMemory);
    }

    [Fact]
    public void TheBlockIsCacheLineAlignedAndEverySlotHoldsEightCopiesOfItsConstant()
    {
        float* k = VectorConstants.Block;
        Assert.Equal(0, (nint)k % 64);
        (int Slot, float Value)[] expected =
        [
            (VectorConstants.Slot.NegativeOne, -1f), (VectorConstants.Slot.NegativeTwo, -2f),
            (VectorConstants.Slot.NegativeLog2E, -1.44269504088896341f), (VectorConstants.Slot.NegativeTwoLog2E, -2.88539008177792682f),
            (VectorConstants.Slot.RoundingMagic, 12582912f), (VectorConstants.Slot.NegativeLn2Hi, -0.693359375f),
            (VectorConstants.Slot.NegativeLn2Lo, 2.12194440e-4f), (VectorConstants.Slot.C2, 1f / 2), (VectorConstants.Slot.C3, 1f / 6),
            (VectorConstants.Slot.C4, 1f / 24), (VectorConstants.Slot.C5, 1f / 120), (VectorConstants.Slot.C6, 1f / 720),
            (VectorConstants.Slot.C7, 1f / 5040), (VectorConstants.Slot.One, 1f), (VectorConstants.Slot.Two, 2f), (VectorConstants.Slot.SignBit, -0f),
            (VectorConstants.Slot.NegativeSigmoidClamp, -80f), (VectorConstants.Slot.SigmoidClamp, 80f), (VectorConstants.Slot.TanhClamp, 9f),
            (VectorConstants.Slot.FlushThreshold, 1e-30f),
        ];
        foreach ((int slot, float value) in expected)
        {
            for (int lane = 0; lane < 8; lane++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(k[slot + lane]));
            }
        }

        for (int lane = 0; lane < 8; lane++)
        {
            Assert.Equal(int.MaxValue, BitConverter.SingleToInt32Bits(k[VectorConstants.Slot.MagnitudeBits + lane]));
        }
    }

    [Fact]
    public void TheExponentBiasTurnsTheRoundedSumIntoTheBiasedExponent()
    {
        // The inline form computes bits(t) − bits(magic) + 127, the block form bits(t) + ExponentBias: equal mod 2^32.
        int bias = BitConverter.SingleToInt32Bits(VectorConstants.Block[VectorConstants.Slot.ExponentBias]);
        for (int n = -126; n <= 127; n++)
        {
            int t = BitConverter.SingleToInt32Bits(12582912f + n);
            Assert.Equal(n + 127, unchecked(t + bias));
            Assert.Equal(unchecked(t - BitConverter.SingleToInt32Bits(12582912f) + 127), unchecked(t + bias));
        }
    }
}
