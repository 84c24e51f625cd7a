using System.Numerics;
using System.Runtime.InteropServices;
using RnnGen.Reference;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>Builds reference cells by kind and the data the reference tests feed them.</summary>
internal static class ReferenceTestCells
{
    public static TheoryData<CellKind> Kinds => new() { CellKind.Lstm, CellKind.Gru };

    public static ReferenceCell<T> Create<T>(CellKind kind, int inputSize, int hiddenSize, int seed)
        where T : IFloatingPointIeee754<T> => kind switch
        {
            CellKind.Lstm => new ReferenceLstm<T>(inputSize, hiddenSize, new Random(seed)),
            CellKind.Gru => new ReferenceGru<T>(inputSize, hiddenSize, new Random(seed)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

    /// <summary>Values uniform on (−magnitude, magnitude).</summary>
    public static T[] Uniform<T>(Random random, int length, double magnitude)
        where T : IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked(magnitude * (2 * random.NextDouble() - 1));
        }

        return values;
    }

    /// <summary>Asserts equality of the bit patterns (so −0 ≠ +0 and NaN payloads count).</summary>
    public static void AssertBitwiseEqual<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        ReadOnlySpan<byte> e = MemoryMarshal.AsBytes(expected), a = MemoryMarshal.AsBytes(actual);
        if (!e.SequenceEqual(a))
        {
            int size = e.Length / Math.Max(1, expected.Length);
            int first = e.CommonPrefixLength(a) / size;
            Assert.Fail($"{what}: first difference at [{first}]: {actual[first]} != expected {expected[first]}");
        }
    }

    /// <summary>max |a − b| / max |b|: the error relative to the reference tensor's largest entry.</summary>
    public static double RelativeToMax(ReadOnlySpan<float> actual, ReadOnlySpan<double> reference)
    {
        Assert.Equal(reference.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - reference[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        }

        Assert.True(maxRef > 0, "the reference tensor is all zeros, so the comparison would say nothing");
        return maxDiff / maxRef;
    }
}
