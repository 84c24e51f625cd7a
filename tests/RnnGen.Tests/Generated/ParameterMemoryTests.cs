using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// ParameterMemory is the parameter buffer itself, not a copy: optimizers keep it at construction and update the
/// parameters in place, so a write through it must change what the next call computes.
/// </summary>
public class ParameterMemoryTests
{
    public static TheoryData<string> Cells => new() { "generated lstm", "generated gru", "reference lstm", "reference gru" };

    [Theory]
    [MemberData(nameof(Cells))]
    public void IsTheSameStorageAsParameters(string which)
    {
        IRecurrentCell<float> cell = which switch
        {
            "generated lstm" => new Lstm3x5(new Random(1)),
            "generated gru" => new Gru3x5(new Random(1)),
            "reference lstm" => new ReferenceLstm<float>(3, 5, new Random(1)),
            _ => new ReferenceGru<float>(3, 5, new Random(1)),
        };

        Memory<float> memory = cell.ParameterMemory;
        Assert.Equal(cell.ParameterCount, memory.Length);
        Assert.True(MemoryMarshal.TryGetArray<float>(memory, out ArraySegment<float> segment) && segment.Count == cell.ParameterCount, "backed by the parameter array");
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(memory.Span), ref MemoryMarshal.GetReference(cell.Parameters)));

        float[] input = [0.5f, -1, 2], before = new float[cell.StateSize], after = new float[cell.StateSize];
        cell.Step(input, before);
        memory.Span.Clear();                                 // all weights and biases zero ...
        cell.Step(input, after);
        Assert.NotEqual(before, after);
        Assert.All(after[..cell.HiddenSize], h => Assert.Equal(0f, h));   // ... so h' = 0 for both kinds from a zero state
    }
}
