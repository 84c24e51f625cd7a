using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Minibatches against PyTorch 1.13 (tests/fixtures/batches): B sequences at once, full length or ragged through
/// pack_padded_sequence, on stacked, bidirectional, projected and saturated (weights ×4) models with and without a head.
/// The generated model's tape-taking ForwardBatch (with the fixture's lengths) and BackwardBatch must be PyTorch's float64
/// result within the single-stream model rule (<see cref="ModelParityTests"/>: max(2 × PyTorch's own float32 error on the
/// tensor, 2e-6), relative to the tensor's largest entry); <see cref="ReferenceModel{T}"/> in double within 1e-10 and in
/// float within max(4 × PyTorch's float32 error, 1e-6), as <c>ReferenceModelVsPyTorchTests</c> holds the single-stream
/// reference. Full-length batches also go through the inference ForwardBatch (workspace), the streaming ForwardBatch and
/// the frozen snapshot's ForwardBatch.
/// </summary>
public sealed class BatchParityTests(ITestOutputHelper output)
{
    // The acceptance rule of the single-stream models: within max(2 × PyTorch's own float32 error on the tensor, 2e-6) of float64.
    private const double Floor = 2e-6;

    // The reference in double: PyTorch's float64 to 1e-10 relative (ReferenceModelVsPyTorchTests).
    private const double DoubleBound = 1e-10;

    // The frozen snapshot against the model: elementwise 3e-5 × max(1, |model's value|) (ModelFrozenTests).
    private const float FrozenTolerance = 3e-5f;

    [Theory]
    [MemberData(nameof(BatchFixture.Cases), MemberType = typeof(BatchFixture))]
    public void MatchesPyTorch(string name)
    {
        BatchFixture fixture = BatchFixture.Load(name);
        IRecurrentModel<float> model = Load(fixture);
        CellResults actual = BatchData.From(fixture).Run(model);

        Assert.Contains(actual.Outputs, v => v != 0);
        Assert.Contains(actual.ParameterGradients, v => v != 0);
        Assert.Contains(actual.InputGradients, v => v != 0);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double pyTorch = fixture.PyTorchFloat32Error(tensor), error = Error.Relative(actual[tensor], fixture.Float64[tensor]);
            output.WriteLine($"{name} {tensor}: generated {error:E2}, PyTorch float32 {pyTorch:E2}");
            Error.AssertWithin(actual[tensor], fixture.Float64[tensor], Math.Max(2 * pyTorch, Floor), $"{name} ({fixture.Shape}, lengths {Lengths(fixture)}): {tensor}");
        }
    }

    [Theory]
    [MemberData(nameof(BatchFixture.Cases), MemberType = typeof(BatchFixture))]
    public void DoubleReferenceMatchesPyTorchFloat64(string name)
    {
        BatchFixture fixture = BatchFixture.Load(name);
        var reference = new ReferenceModel<double>(fixture.Shape);
        FixtureRunner.Convert<double>(fixture.Parameters).CopyTo(reference.Parameters);
        CellResults actual = BatchData.From(fixture).Run(reference);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{name} {tensor}: reference double {Error.Relative(actual[tensor], fixture.Float64[tensor]):E2}");
            Error.AssertWithin(actual[tensor], fixture.Float64[tensor], DoubleBound, $"{name}: reference double {tensor}");
        }
    }

    [Theory]
    [MemberData(nameof(BatchFixture.Cases), MemberType = typeof(BatchFixture))]
    public void FloatReferenceIsWithinFourTimesPyTorchsOwnFloat32Error(string name)
    {
        BatchFixture fixture = BatchFixture.Load(name);
        var reference = new ReferenceModel<float>(fixture.Shape);
        FixtureRunner.Convert<float>(fixture.Parameters).CopyTo(reference.Parameters);
        CellResults actual = BatchData.From(fixture).Run(reference);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double bound = Math.Max(4 * fixture.PyTorchFloat32Error(tensor), 1e-6);
            output.WriteLine($"{name} {tensor}: reference float {Error.Relative(actual[tensor], fixture.Float64[tensor]):E2} (bound {bound:E2})");
            Error.AssertWithin(actual[tensor], fixture.Float64[tensor], bound, $"{name}: reference float {tensor}");
        }
    }

    /// <summary>
    /// A full-length batch through the inference passes: ForwardBatch through a workspace and, for a model that streams,
    /// the streaming ForwardBatch and one StepBatch per step, give the same bits as each other, and the tape-taking
    /// ForwardBatch's outputs and final states bit for bit or, where that pass runs on packed weights, within 1e-5 relative
    /// (so they match PyTorch as it does); the frozen snapshot's ForwardBatch is within the frozen rule of them.
    /// </summary>
    [Theory]
    [MemberData(nameof(FullLengthCases))]
    public void InferenceOfAFullLengthBatchMatches(string name)
    {
        BatchFixture fixture = BatchFixture.Load(name);
        Assert.Null(fixture.Lengths);
        IRecurrentModel<float> model = Load(fixture);
        var data = BatchData.From(fixture);
        (float[] outputs, float[] states) = data.Record(model, model.CreateTape(data.Steps, data.Batch));
        foreach ((ResultTensor tensor, float[] values) in new[] { (ResultTensor.Outputs, outputs), (ResultTensor.FinalState, states) })
        {
            Error.AssertWithin(FixtureRunner.Widen<float>(values), fixture.Float64[tensor], Math.Max(2 * fixture.PyTorchFloat32Error(tensor), Floor), $"{name}: tape ForwardBatch {tensor}");
        }

        // The inference passes run the single-stream kernel's arithmetic per stream; the tape pass may run packed.
        bool packed = BatchSubjects.TrainingBatchPacks(fixture.Shape, data.Batch);
        (float[] wsOutputs, float[] wsStates) = data.Infer(model);
        BatchSubjects.AssertSameOrRounded(outputs, wsOutputs, packed, $"{name}: ForwardBatch(workspace) outputs");
        BatchSubjects.AssertSameOrRounded(states, wsStates, packed, $"{name}: ForwardBatch(workspace) final states");

        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        (float[] frozenOutputs, float[] frozenStates) = data.Infer(frozen);
        Models.AssertClose(outputs, frozenOutputs, FrozenTolerance, $"{name}: frozen ForwardBatch(workspace) outputs");
        Models.AssertClose(states, frozenStates, FrozenTolerance, $"{name}: frozen ForwardBatch(workspace) final states");
        output.WriteLine($"{name}: frozen ForwardBatch(workspace) worst {Math.Max(Batches.Worst(outputs, frozenOutputs), Batches.Worst(states, frozenStates)):E2}");

        if (fixture.Shape.Bidirectional)
        {
            return;
        }

        var streaming = Assert.IsAssignableFrom<IStreamingModel<float>>(model);
        (float[] streamOutputs, float[] streamStates) = data.Stream(streaming);
        Models.AssertBitwise(wsOutputs, streamOutputs, $"{name}: streaming ForwardBatch outputs");
        Models.AssertBitwise(wsStates, streamStates, $"{name}: streaming ForwardBatch final states");
        (float[] stepOutputs, float[] stepStates) = data.StepByStep(streaming);
        Models.AssertBitwise(wsOutputs, stepOutputs, $"{name}: StepBatch outputs");
        Models.AssertBitwise(wsStates, stepStates, $"{name}: StepBatch final states");

        var frozenStreaming = Assert.IsAssignableFrom<IFrozenStreamingModel<float>>(frozen);
        (float[] frozenStreamOutputs, float[] frozenStreamStates) = data.Stream(frozenStreaming);
        Models.AssertClose(outputs, frozenStreamOutputs, FrozenTolerance, $"{name}: frozen streaming ForwardBatch outputs");
        Models.AssertClose(states, frozenStreamStates, FrozenTolerance, $"{name}: frozen streaming ForwardBatch final states");
    }

    /// <summary>The fixtures whose streams all run the whole T steps (lengths null).</summary>
    public static TheoryData<string> FullLengthCases()
    {
        string[] names = [.. BatchFixture.Names.Where(n => BatchFixture.Load(n).Lengths is null)];
        Assert.NotEmpty(names);
        return new TheoryData<string>(names);
    }

    /// <summary>The fixtures cover what the batched passes must get right: ragged, bidirectional, projected, saturated, with a head.</summary>
    [Fact]
    public void TheFixturesCoverTheCases()
    {
        BatchFixture[] all = [.. BatchFixture.Names.Select(BatchFixture.Load)];
        Assert.Equal(5, all.Length);
        Assert.Contains(all, f => f.Lengths is null);
        Assert.Contains(all, f => f.Lengths is not null && f.Shape.Bidirectional);
        Assert.Contains(all, f => f.Lengths is not null && f.Shape.ProjectionSize > 0 && f.Shape.HeadOutputs > 0);
        Assert.Contains(all, f => f.Lengths is not null && f.WeightScale > 1);
        Assert.Contains(all, f => f.Lengths is not null && f.Lengths.Contains(1) && f.Lengths.Contains(f.Steps));
        Assert.Contains(all, f => f.Lengths is not null && !f.Lengths.SequenceEqual(f.Lengths.OrderDescending()));   // unsorted
        Assert.All(all, f => Assert.True(f.Batch > 1, $"{f.Name}: B = {f.Batch}"));
    }

    /// <summary>The generated model of the fixture's shape (names included) with the fixture's parameters.</summary>
    internal static IRecurrentModel<float> Load(BatchFixture fixture)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(fixture.Shape);
        Assert.Equal(fixture.Shape, model.Shape);
        Assert.Equal(fixture.ParameterNames, model.Shape.Tensors.Select(t => t.Name));
        FixtureRunner.Convert<float>(fixture.Parameters).CopyTo(model.Parameters);
        return model;
    }

    private static string Lengths(BatchFixture fixture) => fixture.Lengths is null ? "all T" : $"[{string.Join(", ", fixture.Lengths)}]";
}
