using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Whole generated models allocate nothing on their hot paths once warm: Step, Forward, Forward through a workspace,
/// the training pass (tape Forward + Backward) and the frozen snapshot's passes. Measured exactly, in bytes, on the
/// calling thread, in the steady state (<see cref="SteadyState"/>).
/// </summary>
public sealed class ModelZeroAllocationTests
{
    private const int StepCalls = 1_000, Steps = 50;

    [Theory]
    [InlineData(nameof(Lstm32x64L2Head))]        // stacked with a head
    [InlineData(nameof(Gru8x24L2BiHead))]        // bidirectional with a head
    [InlineData(nameof(Lstm12x40P16L2BiHead))]   // projected, bidirectional, with a head
    [InlineData(nameof(LstmProjHead))]           // projected and streaming
    [InlineData(nameof(LstmDropout))]            // dropout masks drawn in training
    [InlineData(nameof(GruRb16x64L2))]           // reset-before GRU, stacked and streaming
    [InlineData(nameof(GruRbL2Bi13Head))]        // reset-before GRU, bidirectional with a head
    public void HotPathsAllocateNothing(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        var streaming = model as IStreamingModel<float>;
        var frozenStreaming = frozen as IFrozenStreamingModel<float>;
        Assert.Equal(model.Shape.Bidirectional, streaming is null);
        Assert.Equal(model.Shape.Bidirectional, frozenStreaming is null);

        var random = new Random(2);
        float[] inputs = Models.Uniform(random, Steps * model.InputSize), outputs = new float[Steps * model.OutputSize];
        float[] state = Models.Uniform(random, model.StateSize, 0.5), output = new float[model.OutputSize];
        float[] outputGradients = Models.Uniform(random, Steps * model.OutputSize), stateGradient = new float[model.StateSize];
        float[] inputGradients = new float[Steps * model.InputSize], parameterGradients = new float[model.ParameterCount];
        Workspace<float> workspace = model.CreateWorkspace(Steps), frozenWorkspace = frozen.CreateWorkspace(Steps);
        Tape<float> tape = model.Shape.Dropout > 0 ? GeneratedModels.CreateTape(model, Steps, new Random(3)) : model.CreateTape(Steps);
        string[] parts = ["Step", "Forward", "Forward(workspace)", "Forward(tape)", "Backward", "frozen Step", "frozen Forward", "frozen Forward(workspace)"];

        long[] bytes = SteadyState.Allocations(Measure);
        Assert.True(bytes.All(b => b == 0), $"{name} allocated: {string.Join(", ", parts.Zip(bytes, (p, b) => $"{p} {b} B"))}");

        long[] Measure()
        {
            var readings = new long[parts.Length + 1];
            readings[0] = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls && streaming is not null; i++)
            {
                streaming.Step(inputs.AsSpan(0, model.InputSize), state, output);
            }

            readings[1] = GC.GetAllocatedBytesForCurrentThread();
            streaming?.Forward(inputs, outputs, state);
            readings[2] = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(inputs, outputs, state, workspace);
            readings[3] = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(inputs, outputs, state, tape);
            readings[4] = GC.GetAllocatedBytesForCurrentThread();
            model.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            readings[5] = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StepCalls && frozenStreaming is not null; i++)
            {
                frozenStreaming.Step(inputs.AsSpan(0, model.InputSize), state, output);
            }

            readings[6] = GC.GetAllocatedBytesForCurrentThread();
            frozenStreaming?.Forward(inputs, outputs, state);
            readings[7] = GC.GetAllocatedBytesForCurrentThread();
            frozen.Forward(inputs, outputs, state, frozenWorkspace);
            readings[8] = GC.GetAllocatedBytesForCurrentThread();

            // Keep the state bounded and the gradients finite round after round; the result array after the last reading.
            state.AsSpan().Clear();
            stateGradient.AsSpan().Clear();
            parameterGradients.AsSpan().Clear();
            return [.. readings.Zip(readings.Skip(1), (a, b) => b - a)];
        }
    }
}
