using Xunit;
using static RnnGen.Tests.Reference.ReferenceTestCells;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Generated cells allocate nothing on their hot paths: streaming Steps, a plain Forward, and a training
/// pass (Forward with a tape, then Backward). Measured exactly, in bytes, on the calling thread.
/// </summary>
public sealed class ZeroAllocationTests
{
    private const int StepCalls = 10_000, Steps = 100;

    public static TheoryData<CellKind, int, int> Cases => new()
    {
        { CellKind.Lstm, 64, 128 },
        { CellKind.Lstm, 3, 5 },
        { CellKind.Gru, 64, 128 },
        { CellKind.Gru, 3, 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void HotPathsAllocateNothing(CellKind kind, int input, int hidden)
    {
        var cell = GeneratedCells.Create(kind, input, hidden, new Random(1));
        var random = new Random(2);
        float[] inputs = Uniform<float>(random, Steps * input, 1), state = Uniform<float>(random, cell.StateSize, 1);
        float[] outputs = new float[Steps * hidden], outputGradients = Uniform<float>(random, Steps * hidden, 1);
        float[] stateGradient = new float[cell.StateSize], inputGradients = new float[Steps * input], parameterGradients = new float[cell.ParameterCount];
        var tape = cell.CreateTape(Steps);

        // Warm-up: the whole measured sequence once, so JIT, tiering and on-stack replacement of the loops
        // (which can allocate on first calls) are behind us; what is measured is the steady state.
        Measure();
        var (step, forward, training) = Measure();

        Assert.True(step == 0, $"{StepCalls} Steps allocated {step} bytes");
        Assert.True(forward == 0, $"Forward over {Steps} steps allocated {forward} bytes");
        Assert.True(training == 0, $"Forward with a tape and Backward over {Steps} steps allocated {training} bytes");

        (long Step, long Forward, long Training) Measure()
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls; i++)
            {
                cell.Step(inputs.AsSpan(0, input), state);
            }

            long afterStep = GC.GetAllocatedBytesForCurrentThread();
            cell.Forward(inputs, outputs, state);
            long afterForward = GC.GetAllocatedBytesForCurrentThread();
            cell.Forward(inputs, outputs, state, tape);
            cell.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            long afterTraining = GC.GetAllocatedBytesForCurrentThread();
            return (afterStep - start, afterForward - afterStep, afterTraining - afterForward);
        }
    }
}
