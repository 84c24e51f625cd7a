using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The batched hot paths allocate nothing once warm: StepBatch, the streaming ForwardBatch, ForwardBatch through a
/// workspace, the training ForwardBatch with and without lengths, BackwardBatch, the frozen snapshot's StepBatch and
/// ForwardBatch (both), and a cell's StepBatch(inputs, states), live and frozen. Measured exactly, in bytes, on the calling
/// thread, in the steady state (<see cref="SteadyState"/>), for 7 streams (one chunk with a remainder) and 33 (two chunks).
/// </summary>
public sealed class BatchZeroAllocationTests
{
    private const int StepCalls = 50, Steps = 12;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in (string[])[nameof(Lstm32x64L2Head), nameof(Gru8x24L2BiHead), nameof(Lstm12x40P16L2BiHead), nameof(LstmProjHead), nameof(LstmDropout), nameof(GruRb16x64L2), nameof(GruRbL2Bi13Head)])
        {
            data.Add(name, 7);
            data.Add(name, 33);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BatchedHotPathsAllocateNothing(string name, int batch)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        var streaming = model as IStreamingModel<float>;
        var frozenStreaming = frozen as IFrozenStreamingModel<float>;
        Assert.Equal(model.Shape.Bidirectional, streaming is null);

        var random = new Random(2);
        int rows = Steps * batch;
        float[] inputs = Models.Uniform(random, rows * model.InputSize), outputs = new float[rows * model.OutputSize];
        float[] states = Models.Uniform(random, batch * model.StateSize, 0.5), stepOutputs = new float[batch * model.OutputSize];
        float[] outputGradients = Models.Uniform(random, rows * model.OutputSize), stateGradients = new float[batch * model.StateSize];
        float[] inputGradients = new float[rows * model.InputSize], parameterGradients = new float[model.ParameterCount];
        int[] lengths = [.. Enumerable.Range(0, batch).Select(b => b * 7 % (Steps + 1))];
        Workspace<float> workspace = model.CreateWorkspace(Steps, batch), frozenWorkspace = frozen.CreateWorkspace(Steps, batch);
        Tape<float> tape = model is LstmDropout dropout ? dropout.CreateTape(Steps, batch, new Random(3)) : model.CreateTape(Steps, batch);
        string[] parts =
        [
            "StepBatch", "ForwardBatch", "ForwardBatch(workspace)", "ForwardBatch(tape)", "BackwardBatch", "ForwardBatch(tape, lengths)",
            "BackwardBatch (ragged)", "frozen StepBatch", "frozen ForwardBatch", "frozen ForwardBatch(workspace)",
        ];

        long[] bytes = SteadyState.Allocations(Measure);
        Assert.True(bytes.All(b => b == 0), $"{name} B={batch} allocated: {string.Join(", ", parts.Zip(bytes, (p, b) => $"{p} {b} B"))}");

        long[] Measure()
        {
            var readings = new long[parts.Length + 1];
            readings[0] = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls && streaming is not null; i++)
            {
                streaming.StepBatch(inputs.AsSpan(0, batch * model.InputSize), states, stepOutputs);
            }

            readings[1] = GC.GetAllocatedBytesForCurrentThread();
            streaming?.ForwardBatch(inputs, outputs, states);
            readings[2] = GC.GetAllocatedBytesForCurrentThread();
            model.ForwardBatch(inputs, outputs, states, workspace);
            readings[3] = GC.GetAllocatedBytesForCurrentThread();
            model.ForwardBatch(inputs, outputs, states, tape);
            readings[4] = GC.GetAllocatedBytesForCurrentThread();
            model.BackwardBatch(tape, outputGradients, stateGradients, inputGradients, parameterGradients);
            readings[5] = GC.GetAllocatedBytesForCurrentThread();
            model.ForwardBatch(inputs, outputs, states, tape, lengths);
            readings[6] = GC.GetAllocatedBytesForCurrentThread();
            model.BackwardBatch(tape, outputGradients, stateGradients, inputGradients, parameterGradients);
            readings[7] = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls && frozenStreaming is not null; i++)
            {
                frozenStreaming.StepBatch(inputs.AsSpan(0, batch * model.InputSize), states, stepOutputs);
            }

            readings[8] = GC.GetAllocatedBytesForCurrentThread();
            frozenStreaming?.ForwardBatch(inputs, outputs, states);
            readings[9] = GC.GetAllocatedBytesForCurrentThread();
            frozen.ForwardBatch(inputs, outputs, states, frozenWorkspace);
            readings[10] = GC.GetAllocatedBytesForCurrentThread();

            // Keep the states bounded and the gradients finite round after round; the result array after the last reading.
            states.AsSpan().Clear();
            stateGradients.AsSpan().Clear();
            parameterGradients.AsSpan().Clear();
            return [.. readings.Zip(readings.Skip(1), (a, b) => b - a)];
        }
    }

    [Theory]
    [InlineData(CellKind.Lstm, 64, 128, 33)]
    [InlineData(CellKind.Lstm, 3, 5, 7)]
    [InlineData(CellKind.Gru, 64, 128, 7)]
    [InlineData(CellKind.Gru, 3, 5, 33)]
    public void CellStepBatchAllocatesNothing(CellKind kind, int input, int hidden, int batch)
    {
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, new Random(1));
        IFrozenCell<float> frozen = GeneratedCells.Freeze(cell);
        float[] inputs = Models.Uniform(new Random(2), batch * input), states = Models.Uniform(new Random(3), batch * cell.StateSize, 0.5);
        long[] bytes = SteadyState.Allocations(() =>
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls; i++)
            {
                cell.StepBatch(inputs, states);
            }

            long live = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls; i++)
            {
                frozen.StepBatch(inputs, states);
            }

            long end = GC.GetAllocatedBytesForCurrentThread();
            return [live - start, end - live];
        });
        Assert.True(bytes.All(b => b == 0), $"{kind} {input}x{hidden} B={batch} allocated: StepBatch {bytes[0]} B, frozen StepBatch {bytes[1]} B");
    }
}
