using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Generated whole models against PyTorch 1.13 (tests/fixtures/models): stacked, bidirectional, projected, bias-free,
/// with and without a head. Each fixture's shape is a class of <see cref="GeneratedModels"/> built with the same
/// attribute arguments, loaded with the fixture's parameters.
/// </summary>
public sealed class ModelParityTests(ITestOutputHelper output)
{
    // The acceptance rule of the cells: within max(2 × PyTorch's own float32 error on the tensor, 2e-6) of float64.
    private const double Floor = 2e-6;

    [Theory]
    [MemberData(nameof(ModelFixture.Cases), MemberType = typeof(ModelFixture))]
    public void MatchesPyTorch(string name)
    {
        ModelFixture fixture = ModelFixture.Load(name);
        IRecurrentModel<float> model = Load(fixture);
        CellResults actual = ModelData.From(fixture).Run(model);

        Assert.Contains(actual.Outputs, v => v != 0);
        Assert.Contains(actual.ParameterGradients, v => v != 0);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double pyTorch = fixture.PyTorchFloat32Error(tensor), error = Error.Relative(actual[tensor], fixture.Float64[tensor]);
            output.WriteLine($"{name} {tensor}: generated {error:E2}, PyTorch float32 {pyTorch:E2}");
            Error.AssertWithin(actual[tensor], fixture.Float64[tensor], Math.Max(2 * pyTorch, Floor), $"{name} ({fixture.Shape}): {tensor}");
        }
    }

    /// <summary>
    /// Inference is the training pass without the record: Forward through a workspace and, for a model that streams,
    /// Forward without one and one Step per time step give the tape-taking Forward's outputs and final state: Step bit for
    /// bit; the Forwards of a unidirectional model within the float-rounding rule (they hoist layer 0's input projection),
    /// a bidirectional model's workspace Forward bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(ModelFixture.Cases), MemberType = typeof(ModelFixture))]
    public void InferenceEqualsTheTapedForwardBitForBit(string name)
    {
        ModelFixture fixture = ModelFixture.Load(name);
        IRecurrentModel<float> model = Load(fixture);
        var data = ModelData.From(fixture);
        (float[] outputs, float[] state) = data.Record(model, model.CreateTape(data.Steps));

        (float[] wsOutputs, float[] wsState) = data.Infer(model);
        if (fixture.Shape.Bidirectional)
        {
            Models.AssertBitwise(outputs, wsOutputs, $"{name}: Forward(workspace) outputs");
            Models.AssertBitwise(state, wsState, $"{name}: Forward(workspace) final state");
            Assert.IsNotAssignableFrom<IStreamingModel<float>>(model);
            return;
        }

        Models.AssertClose(outputs, wsOutputs, Models.SequenceTolerance, $"{name}: Forward(workspace) outputs");
        Models.AssertClose(state, wsState, Models.SequenceTolerance, $"{name}: Forward(workspace) final state");

        var streaming = Assert.IsAssignableFrom<IStreamingModel<float>>(model);
        (float[] streamOutputs, float[] streamState) = data.Stream(streaming);
        Models.AssertClose(outputs, streamOutputs, Models.SequenceTolerance, $"{name}: Forward outputs");
        Models.AssertClose(state, streamState, Models.SequenceTolerance, $"{name}: Forward final state");

        (float[] stepOutputs, float[] stepState) = data.StepByStep(streaming);
        Models.AssertBitwise(outputs, stepOutputs, $"{name}: Step outputs");
        Models.AssertBitwise(state, stepState, $"{name}: Step final state");
    }

    /// <summary>The generated model of the fixture's shape (names included) with the fixture's parameters.</summary>
    internal static IRecurrentModel<float> Load(ModelFixture fixture)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(fixture.Shape);
        Assert.Equal(fixture.Shape, model.Shape);
        Assert.Equal(fixture.ParameterNames, model.Shape.Tensors.Select(t => t.Name));
        FixtureRunner.Convert<float>(fixture.Parameters).CopyTo(model.Parameters);
        return model;
    }
}
