using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Whole models' <c>Freeze()</c> snapshots: every layer kernel's frozen (packed, where packed) form and the head compute
/// the model's inference passes to float rounding; Forward is Step repeated bit for bit; the snapshot is a copy.
/// </summary>
public sealed class ModelFrozenTests(ITestOutputHelper output)
{
    /// <summary>The cells' bound: elementwise 3e-5 × max(1, |model's value|) (the same sums in another order).</summary>
    private const float Tolerance = 3e-5f;

    private const int Steps = 200;

    public static TheoryData<string, double> Cases()
    {
        var cases = new TheoryData<string, double>();
        foreach (string name in GeneratedModels.ByName.Keys)
        {
            cases.Add(name, 1.0);
            cases.Add(name, 4.0);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FrozenMatchesTheModel(string name, double scale)
    {
        IRecurrentModel<float> model = Models.Scaled(GeneratedModels.Create(name, new Random(11)), scale);
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        Assert.Equal(model.Shape, frozen.Shape);
        Assert.Equal((model.InputSize, model.OutputSize, model.StateSize), (frozen.InputSize, frozen.OutputSize, frozen.StateSize));

        int input = model.InputSize, outputSize = model.OutputSize;
        float[] inputs = Models.Uniform(new Random(12), Steps * input);
        float[] initial = Models.Uniform(new Random(13), model.StateSize);

        // The whole sequence through a workspace (the only pass of a bidirectional model).
        float[] expectedOutputs = new float[Steps * outputSize], expectedState = (float[])initial.Clone();
        model.Forward(inputs, expectedOutputs, expectedState, model.CreateWorkspace(Steps));
        float[] actualOutputs = new float[Steps * outputSize], actualState = (float[])initial.Clone();
        frozen.Forward(inputs, actualOutputs, actualState, frozen.CreateWorkspace(Steps));
        Models.AssertClose(expectedOutputs, actualOutputs, Tolerance, $"{name} ×{scale}: frozen Forward(workspace) outputs");
        Models.AssertClose(expectedState, actualState, Tolerance, $"{name} ×{scale}: frozen Forward(workspace) final state");
        output.WriteLine($"{name} ×{scale}: worst frozen error over {Steps} steps {Math.Max(Worst(expectedOutputs, actualOutputs), Worst(expectedState, actualState)):E2}");
        Assert.Contains(expectedOutputs, v => v != 0);

        if (model is not IStreamingModel<float> streaming)
        {
            Assert.IsNotAssignableFrom<IFrozenStreamingModel<float>>(frozen);
            return;
        }

        // Step by step, compared after every step: an error that grows is caught where it starts.
        var frozenStreaming = Assert.IsAssignableFrom<IFrozenStreamingModel<float>>(frozen);
        float[] modelState = (float[])initial.Clone(), frozenState = (float[])initial.Clone();
        float[] modelOutput = new float[outputSize], frozenOutput = new float[outputSize];
        for (int t = 0; t < Steps; t++)
        {
            streaming.Step(inputs.AsSpan(t * input, input), modelState, modelOutput);
            frozenStreaming.Step(inputs.AsSpan(t * input, input), frozenState, frozenOutput);
            Models.AssertClose(modelOutput, frozenOutput, Tolerance, $"{name} ×{scale}: output of step {t}");
            Models.AssertClose(modelState, frozenState, Tolerance, $"{name} ×{scale}: state after step {t}");
        }
    }

    [Theory]
    [MemberData(nameof(GeneratedModels.StreamingNames), MemberType = typeof(GeneratedModels))]
    public void FrozenForwardIsStepRepeatedBitForBit(string name)
    {
        var frozen = (IFrozenStreamingModel<float>)GeneratedModels.Freeze(Models.Scaled(GeneratedModels.Create(name, new Random(21)), 2));
        const int steps = 37;
        int input = frozen.InputSize, output = frozen.OutputSize;
        float[] inputs = Models.Uniform(new Random(22), steps * input), start = Models.Uniform(new Random(23), frozen.StateSize);

        float[] stepped = (float[])start.Clone(), steppedOutputs = new float[steps * output];
        for (int t = 0; t < steps; t++)
        {
            frozen.Step(inputs.AsSpan(t * input, input), stepped, steppedOutputs.AsSpan(t * output, output));
        }

        float[] forwarded = (float[])start.Clone(), outputs = new float[steps * output];
        frozen.Forward(inputs, outputs, forwarded);
        Models.AssertBitwise(steppedOutputs, outputs, $"{name}: frozen Forward outputs");
        Models.AssertBitwise(stepped, forwarded, $"{name}: frozen Forward final state");

        // Through a (roomier) workspace a streaming snapshot still steps: the same bits again.
        float[] viaWorkspace = (float[])start.Clone(), workspaceOutputs = new float[steps * output];
        frozen.Forward(inputs, workspaceOutputs, viaWorkspace, frozen.CreateWorkspace(steps + 5));
        Models.AssertBitwise(steppedOutputs, workspaceOutputs, $"{name}: frozen Forward(workspace) outputs");
        Models.AssertBitwise(stepped, viaWorkspace, $"{name}: frozen Forward(workspace) final state");
    }

    /// <summary>A bidirectional snapshot's Forward(workspace) depends on nothing a workspace kept from an earlier, longer sequence.</summary>
    [Theory]
    [MemberData(nameof(GeneratedModels.BidirectionalNames), MemberType = typeof(GeneratedModels))]
    public void FrozenBidirectionalForwardReusesAWorkspace(string name)
    {
        IFrozenModel<float> frozen = GeneratedModels.Freeze(GeneratedModels.Create(name, new Random(24)));
        int input = frozen.InputSize, output = frozen.OutputSize;
        float[] inputs = Models.Uniform(new Random(25), 19 * input), start = Models.Uniform(new Random(26), frozen.StateSize);

        float[] fresh = (float[])start.Clone(), freshOutputs = new float[19 * output];
        frozen.Forward(inputs, freshOutputs, fresh, frozen.CreateWorkspace(19));

        Workspace<float> used = frozen.CreateWorkspace(50);
        frozen.Forward(Models.Uniform(new Random(27), 50 * input), new float[50 * output], Models.Uniform(new Random(28), frozen.StateSize), used);
        float[] reused = (float[])start.Clone(), reusedOutputs = Enumerable.Repeat(float.NaN, 19 * output).ToArray();
        frozen.Forward(inputs, reusedOutputs, reused, used);

        Models.AssertBitwise(freshOutputs, reusedOutputs, $"{name}: outputs through a reused workspace");
        Models.AssertBitwise(fresh, reused, $"{name}: final state through a reused workspace");
    }

    [Theory]
    [InlineData(nameof(Lstm12x40P16L2BiHead))]
    [InlineData(nameof(Lstm32x64L2Head))]
    [InlineData(nameof(Gru8x24L2BiHead))]
    [InlineData(nameof(GruL2Bi13Head))]
    [InlineData(nameof(LstmProjHead))]
    [InlineData(nameof(GruNoBias))]
    public void ASnapshotKeepsTheWeightsItWasTakenWith(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(31));
        IFrozenModel<float> before = GeneratedModels.Freeze(model);
        float[] inputs = Models.Uniform(new Random(32), 10 * model.InputSize);
        float[] outputsBefore = Run(before, inputs);

        // Optimizer-like writes through the memory the model hands out, and one through the span (the last parameter).
        foreach (ref float p in model.ParameterMemory.Span)
        {
            p *= -1.5f;
        }

        model.Parameters[^1] += 1f;

        Models.AssertBitwise(outputsBefore, Run(before, inputs), $"{name}: the old snapshot after writes to the model");

        IFrozenModel<float> after = GeneratedModels.Freeze(model);
        float[] outputsAfter = Run(after, inputs), modelOutputs = new float[outputsAfter.Length];
        model.Forward(inputs, modelOutputs, new float[model.StateSize], model.CreateWorkspace(10));
        Assert.NotEqual(outputsBefore, outputsAfter);
        Models.AssertClose(modelOutputs, outputsAfter, Tolerance, $"{name}: a new snapshot against the changed model");
    }

    /// <summary>max |a − e| ÷ max(1, |e|), the measure <see cref="Models.AssertClose"/> bounds.</summary>
    private static double Worst(float[] expected, float[] actual) =>
        expected.Zip(actual, (e, a) => Math.Abs((double)a - e) / Math.Max(1, Math.Abs((double)e))).Max();

    private static float[] Run(IFrozenModel<float> frozen, float[] inputs)
    {
        int steps = inputs.Length / frozen.InputSize;
        float[] outputs = new float[steps * frozen.OutputSize];
        frozen.Forward(inputs, outputs, new float[frozen.StateSize], frozen.CreateWorkspace(steps));
        return outputs;
    }
}
