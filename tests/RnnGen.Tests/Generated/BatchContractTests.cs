using System.Globalization;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The batched passes' argument contract on generated models, their frozen snapshots and cells: every length is checked
/// before anything is written, and a refused call names the argument (<see cref="ArgumentException.ParamName"/>) and says
/// what it got and what it expected; a tape records one batch size, and a single-stream tape and a batch tape are refused
/// by each other's passes with a message that names the fix; a workspace must hold T steps of B streams. After every
/// refused call the outputs, states, gradients and the tape's record are what they were, bit for bit.
/// </summary>
public sealed class BatchContractTests
{
    private const int Steps = 5, Batch = 3;

    public static TheoryData<string> Names => new(
        [nameof(LstmL2Head), nameof(Gru8x24L2BiHead), nameof(LstmProjL2Bi), nameof(LstmProjHead), nameof(GruNoBias), nameof(LstmDropout)]);

    [Theory]
    [MemberData(nameof(Names))]
    public void WrongLengthsNameTheArgumentAndWriteNothing(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        int i = model.InputSize, o = model.OutputSize, s = model.StateSize, p = model.ParameterCount;
        int rows = Steps * Batch;
        var random = new Random(2);
        float[] Fill(int n) => Models.Uniform(random, n);

        float[] inputs = Fill(rows * i), outputs = Fill(rows * o), states = Fill(Batch * s), stepOutputs = Fill(Batch * o);
        float[] outputGradients = Fill(rows * o), stateGradients = Fill(Batch * s), inputGradients = Fill(rows * i), parameterGradients = Fill(p);
        Workspace<float> workspace = model.CreateWorkspace(Steps, Batch), frozenWorkspace = frozen.CreateWorkspace(Steps, Batch);
        Tape<float> tape = model.CreateTape(Steps, Batch);
        model.ForwardBatch(Fill(rows * i), new float[rows * o], Fill(Batch * s), tape);
        var record = new ModelTapeSnapshot(tape);

        var written = new List<(string What, float[] Array, float[] Before)>();
        float[] Watch(string what, float[] array)
        {
            written.Add((what, array, (float[])array.Clone()));
            return array;
        }

        Watch("outputs", outputs);
        Watch("states", states);
        Watch("step outputs", stepOutputs);
        Watch("stateGradients", stateGradients);
        Watch("inputGradients", inputGradients);
        Watch("parameterGradients", parameterGradients);
        float[] Wrong(string what, int length) => Watch("wrong " + what, Fill(length));

        // (the argument, its wrong length, what the message must say was expected, the call)
        var calls = new List<(string Parameter, int Length, string Expected, Action Call)>
        {
            ("inputs", rows * i + 1, $"multiple of {Batch * i}", () => model.ForwardBatch(Wrong("inputs", rows * i + 1), outputs, states, workspace)),
            ("outputs", rows * o - 1, $"{rows * o}", () => model.ForwardBatch(inputs, Wrong("outputs", rows * o - 1), states, workspace)),
            ("states", Batch * s + 1, $"multiple of {s}", () => model.ForwardBatch(inputs, outputs, Wrong("states", Batch * s + 1), workspace)),
            ("states", 0, $"{s}", () => model.ForwardBatch(inputs, outputs, Wrong("states", 0), workspace)),
            ("outputs", (Steps + 1) * Batch * o, $"{rows * o}", () => model.ForwardBatch(inputs, Wrong("outputs", (Steps + 1) * Batch * o), states, workspace)),
            ("inputs", rows * i - 1, $"multiple of {Batch * i}", () => model.ForwardBatch(Wrong("inputs", rows * i - 1), outputs, states, tape)),
            ("outputs", rows * o + 1, $"{rows * o}", () => model.ForwardBatch(inputs, Wrong("outputs", rows * o + 1), states, tape)),
            ("states", Batch * s - 1, $"multiple of {s}", () => model.ForwardBatch(inputs, outputs, Wrong("states", Batch * s - 1), tape)),
            ("outputGradients", rows * o + 1, $"{rows * o}", () => model.BackwardBatch(tape, Wrong("outputGradients", rows * o + 1), stateGradients, inputGradients, parameterGradients)),
            ("stateGradients", Batch * s + 1, $"multiple of {s}", () => model.BackwardBatch(tape, outputGradients, Wrong("stateGradients", Batch * s + 1), inputGradients, parameterGradients)),
            ("stateGradients", 0, $"{s}", () => model.BackwardBatch(tape, outputGradients, Wrong("stateGradients", 0), inputGradients, parameterGradients)),
            ("inputGradients", rows * i - 1, $"{rows * i} (or 0", () => model.BackwardBatch(tape, outputGradients, stateGradients, Wrong("inputGradients", rows * i - 1), parameterGradients)),
            ("parameterGradients", p + 1, $"{p}", () => model.BackwardBatch(tape, outputGradients, stateGradients, inputGradients, Wrong("parameterGradients", p + 1))),
            ("inputs", rows * i + 2, $"multiple of {Batch * i}", () => frozen.ForwardBatch(Wrong("inputs", rows * i + 2), outputs, states, frozenWorkspace)),
            ("outputs", rows * o + 1, $"{rows * o}", () => frozen.ForwardBatch(inputs, Wrong("outputs", rows * o + 1), states, frozenWorkspace)),
            ("states", Batch * s + 2, $"multiple of {s}", () => frozen.ForwardBatch(inputs, outputs, Wrong("states", Batch * s + 2), frozenWorkspace)),
        };
        if (model is IStreamingModel<float> streaming)
        {
            var frozenStreaming = (IFrozenStreamingModel<float>)frozen;
            ReadOnlySpan<float> First() => inputs.AsSpan(0, Batch * i);
            calls.AddRange(
            [
                ("inputs", Batch * i + 1, $"{Batch * i}", () => streaming.StepBatch(Wrong("inputs", Batch * i + 1), states, stepOutputs)),
                ("inputs", (Batch + 1) * i, $"{Batch * i}", () => streaming.StepBatch(Wrong("inputs", (Batch + 1) * i), states, stepOutputs)),
                ("states", Batch * s - 1, $"multiple of {s}", () => streaming.StepBatch(First(), Wrong("states", Batch * s - 1), stepOutputs)),
                ("outputs", Batch * o + 1, $"{Batch * o}", () => streaming.StepBatch(First(), states, Wrong("outputs", Batch * o + 1))),
                ("inputs", rows * i + 1, $"multiple of {Batch * i}", () => streaming.ForwardBatch(Wrong("inputs", rows * i + 1), outputs, states)),
                ("outputs", rows * o - 1, $"{rows * o}", () => streaming.ForwardBatch(inputs, Wrong("outputs", rows * o - 1), states)),
                ("states", Batch * s + 1, $"multiple of {s}", () => streaming.ForwardBatch(inputs, outputs, Wrong("states", Batch * s + 1))),
                ("inputs", Batch * i - 1, $"{Batch * i}", () => frozenStreaming.StepBatch(Wrong("inputs", Batch * i - 1), states, stepOutputs)),
                ("states", 0, $"{s}", () => frozenStreaming.StepBatch(First(), Wrong("states", 0), stepOutputs)),
                ("outputs", Batch * o - 1, $"{Batch * o}", () => frozenStreaming.StepBatch(First(), states, Wrong("outputs", Batch * o - 1))),
                ("inputs", rows * i - 1, $"multiple of {Batch * i}", () => frozenStreaming.ForwardBatch(Wrong("inputs", rows * i - 1), outputs, states)),
                ("outputs", rows * o + 1, $"{rows * o}", () => frozenStreaming.ForwardBatch(inputs, Wrong("outputs", rows * o + 1), states)),
                ("states", Batch * s - 1, $"multiple of {s}", () => frozenStreaming.ForwardBatch(inputs, outputs, Wrong("states", Batch * s - 1))),
            ]);
        }

        foreach ((string parameter, int length, string expected, Action call) in calls)
        {
            ArgumentException e = Assert.Throws<ArgumentException>(call);
            Assert.True(parameter == e.ParamName, $"{name}: a wrong {parameter} was reported as '{e.ParamName}': {e.Message}");
            Assert.Contains($"length {length.ToString(CultureInfo.InvariantCulture)}", e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }

        foreach ((string what, float[] array, float[] before) in written)
        {
            Models.AssertBitwise(before, array, $"{name}: {what} after the refused calls");
        }

        record.AssertUnchanged(tape, name);

        Assert.Equal("workspace", Assert.Throws<ArgumentNullException>(() => model.ForwardBatch(inputs, outputs, states, (Workspace<float>)null!)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentNullException>(() => frozen.ForwardBatch(inputs, outputs, states, null!)).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => model.ForwardBatch(inputs, outputs, states, (Tape<float>)null!)).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => model.BackwardBatch(null!, outputGradients, stateGradients, inputGradients, parameterGradients)).ParamName);
    }

    /// <summary>
    /// A tape belongs to one batch size: a batch tape is refused by the single-stream Forward and Backward (the message says
    /// to use the batched passes), a single-stream tape by a ForwardBatch of several streams (the message says how to make a
    /// batch tape), and BackwardBatch of another B than the tape recorded; a tape or workspace too short, or a workspace for
    /// fewer streams, is refused with the call that makes one big enough.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void TapesAndWorkspacesMustFitTheBatch(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        int i = model.InputSize, o = model.OutputSize, s = model.StateSize, p = model.ParameterCount;
        var random = new Random(2);
        float[] Fill(int n) => Models.Uniform(random, n);

        // Single-stream arrays, and batch arrays of Batch streams and of Batch − 1.
        float[] input1 = Fill(Steps * i), output1 = Fill(Steps * o), state1 = Fill(s), outputGradient1 = Fill(Steps * o), stateGradient1 = Fill(s), inputGradient1 = Fill(Steps * i);
        float[] inputs = Fill(Steps * Batch * i), outputs = Fill(Steps * Batch * o), states = Fill(Batch * s);
        float[] outputGradients = Fill(Steps * Batch * o), stateGradients = Fill(Batch * s), inputGradients = Fill(Steps * Batch * i);
        float[] fewerInputs = Fill(Steps * (Batch - 1) * i), fewerOutputs = Fill(Steps * (Batch - 1) * o), fewerStates = Fill((Batch - 1) * s);
        float[] fewerOutputGradients = Fill(Steps * (Batch - 1) * o), fewerStateGradients = Fill((Batch - 1) * s), parameterGradients = Fill(p);
        float[][] all = [input1, output1, state1, outputGradient1, stateGradient1, inputGradient1, outputs, states, outputGradients, stateGradients, inputGradients, fewerOutputs, fewerStates, fewerStateGradients, parameterGradients];
        float[][] before = [.. all.Select(a => (float[])a.Clone())];

        Tape<float> batchTape = model.CreateTape(Steps, Batch), singleTape = model.CreateTape(Steps);
        Assert.Equal((Batch, Steps), (batchTape.BatchSize, batchTape.MaxSteps));
        Assert.Equal(1, singleTape.BatchSize);
        model.ForwardBatch(Fill(Steps * Batch * i), new float[Steps * Batch * o], Fill(Batch * s), batchTape, [Steps, 1, 3]);
        model.Forward(Fill(Steps * i), new float[Steps * o], Fill(s), singleTape);
        var batchRecord = new ModelTapeSnapshot(batchTape);
        var singleRecord = new ModelTapeSnapshot(singleTape);

        string batched = "use the batched passes (ForwardBatch, BackwardBatch)";
        AssertRefused("tape", [batched, $"batches of {Batch} streams", "CreateTape(maxSteps)"], () => model.Forward(input1, output1, state1, batchTape));
        AssertRefused("tape", [batched], () => model.Backward(batchTape, outputGradient1, stateGradient1, inputGradient1, parameterGradients));
        AssertRefused("tape", [$"CreateTape(maxSteps, batchSize: {Batch})", "one stream"], () => model.ForwardBatch(inputs, outputs, states, singleTape));
        AssertRefused("tape", [$"CreateTape(maxSteps, batchSize: {Batch})"], () => model.BackwardBatch(singleTape, outputGradients, stateGradients, inputGradients, parameterGradients));
        AssertRefused("tape", [$"batches of {Batch} streams", $"runs {Batch - 1}"], () => model.ForwardBatch(fewerInputs, fewerOutputs, fewerStates, batchTape));
        AssertRefused("tape", [$"batches of {Batch} streams", $"runs {Batch - 1}"], () => model.BackwardBatch(batchTape, fewerOutputGradients, fewerStateGradients, Span<float>.Empty, parameterGradients));
        AssertRefused("tape", [$"{Steps} steps", $"at most {Steps - 1}", $"CreateTape({Steps})"], () => model.ForwardBatch(inputs, outputs, states, model.CreateTape(Steps - 1, Batch)));

        AssertRefused("workspace", [$"{Batch} streams", $"at most {Batch - 1}", $"CreateWorkspace(maxSteps, batchSize: {Batch})"], () => model.ForwardBatch(inputs, outputs, states, model.CreateWorkspace(Steps, Batch - 1)));
        AssertRefused("workspace", [$"at most 1", $"CreateWorkspace(maxSteps, batchSize: {Batch})"], () => model.ForwardBatch(inputs, outputs, states, model.CreateWorkspace(Steps)));
        AssertRefused("workspace", [$"{Steps} steps", $"at most {Steps - 1}", $"CreateWorkspace({Steps})"], () => model.ForwardBatch(inputs, outputs, states, model.CreateWorkspace(Steps - 1, Batch)));
        AssertRefused("workspace", [$"CreateWorkspace(maxSteps, batchSize: {Batch})"], () => frozen.ForwardBatch(inputs, outputs, states, frozen.CreateWorkspace(Steps, Batch - 1)));
        AssertRefused("workspace", [$"CreateWorkspace({Steps})"], () => frozen.ForwardBatch(inputs, outputs, states, frozen.CreateWorkspace(Steps - 1, Batch)));

        // Another shape's tape or workspace, made for the batch.
        ModelShape other = new(model.Shape.Kind, model.Shape.InputSize, model.Shape.HiddenSize + 1, model.Shape.Layers, model.Shape.Bidirectional,
            model.Shape.ProjectionSize, model.Shape.Bias, model.Shape.HeadOutputs, model.Shape.Dropout, model.Shape.RnnName, model.Shape.HeadName);
        AssertRefused("tape", ["CreateTape"], () => model.ForwardBatch(inputs, outputs, states, new Tape<float>(other, Steps, Batch, null)));
        AssertRefused("workspace", ["CreateWorkspace"], () => model.ForwardBatch(inputs, outputs, states, new Workspace<float>(other, Steps, Batch)));
        AssertRefused("workspace", ["CreateWorkspace"], () => frozen.ForwardBatch(inputs, outputs, states, new Workspace<float>(other, Steps, Batch)));

        for (int k = 0; k < all.Length; k++)
        {
            Models.AssertBitwise(before[k], all[k], $"{name}: argument {k} after the refused calls");
        }

        batchRecord.AssertUnchanged(batchTape, $"{name}: the batch tape");
        singleRecord.AssertUnchanged(singleTape, $"{name}: the single-stream tape");

        // What does fit: a batch of one on a single-stream tape is that stream's Forward, bit for bit; a roomier batch workspace serves one stream.
        // (A model with dropout draws its masks from the tape's random source: both tapes seeded alike.)
        Tape<float> Fresh() => model.Shape.Dropout > 0 ? GeneratedModels.CreateTape(model, Steps, new Random(5)) : model.CreateTape(Steps);
        float[] expected = new float[Steps * o], expectedState = (float[])state1.Clone();
        model.Forward(input1, expected, expectedState, Fresh());
        float[] actual = new float[Steps * o], actualState = (float[])state1.Clone();
        model.ForwardBatch(input1, actual, actualState, Fresh());
        Models.AssertBitwise(expected, actual, $"{name}: ForwardBatch of one stream on a single-stream tape");
        Models.AssertBitwise(expectedState, actualState, $"{name}: ForwardBatch of one stream on a single-stream tape, final state");
        float[] viaBatchWorkspace = new float[Steps * o], viaBatchWorkspaceState = (float[])state1.Clone();
        model.Forward(input1, viaBatchWorkspace, viaBatchWorkspaceState, model.CreateWorkspace(Steps + 2, Batch));
        float[] viaWorkspace = new float[Steps * o], viaWorkspaceState = (float[])state1.Clone();
        model.Forward(input1, viaWorkspace, viaWorkspaceState, model.CreateWorkspace(Steps));
        Models.AssertBitwise(viaWorkspace, viaBatchWorkspace, $"{name}: Forward through a batch workspace");
        Models.AssertBitwise(viaWorkspaceState, viaBatchWorkspaceState, $"{name}: Forward through a batch workspace, final state");

        static void AssertRefused(string parameter, string[] mentions, Action call)
        {
            ArgumentException e = Assert.Throws<ArgumentException>(call);
            Assert.True(parameter == e.ParamName, $"refused naming '{e.ParamName}', expected '{parameter}': {e.Message}");
            foreach (string mention in mentions)
            {
                Assert.Contains(mention, e.Message, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Batch sizes must be positive: the tape's and workspace's constructors (and the models' factories) say which argument.</summary>
    [Fact]
    public void BatchSizesMustBePositive()
    {
        var model = new LstmL2Head(new Random(1));
        foreach (int size in new[] { 0, -1 })
        {
            Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateTape(Steps, size)).ParamName);
            Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateWorkspace(Steps, size)).ParamName);
            Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => model.Freeze().CreateWorkspace(Steps, size)).ParamName);
            Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Tape<float>(LstmL2Head.Shape, Steps, size, null)).ParamName);
            Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Workspace<float>(LstmL2Head.Shape, Steps, size)).ParamName);
            Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateTape(size, Batch)).ParamName);
            Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateWorkspace(size, Batch)).ParamName);
        }

        Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateTape(int.MaxValue / 4, 1 << 20)).ParamName);
        Workspace<float> workspace = model.CreateWorkspace(Steps, Batch);
        Assert.Equal((Steps, Batch, LstmL2Head.Shape), (workspace.MaxSteps, workspace.BatchSize, workspace.Shape));
    }

    /// <summary>A cell's StepBatch(inputs, states), live and frozen: B from the states, the inputs checked against it, nothing written when refused.</summary>
    [Theory]
    [InlineData(CellKind.Lstm, 7, 13)]
    [InlineData(CellKind.Gru, 8, 16)]
    public void CellStepBatchChecksItsArguments(CellKind kind, int input, int hidden)
    {
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, new Random(1));
        IFrozenCell<float> frozen = GeneratedCells.Freeze(cell);
        int s = cell.StateSize;
        float[] inputs = Models.Uniform(new Random(2), Batch * input), states = Models.Uniform(new Random(3), Batch * s), before = (float[])states.Clone();
        foreach ((string who, Action<float[], float[]> stepBatch) in new (string, Action<float[], float[]>)[]
        {
            ("cell", (x, st) => cell.StepBatch(x, st)),
            ("frozen cell", (x, st) => frozen.StepBatch(x, st)),
        })
        {
            foreach ((string parameter, float[] x, float[] st, string expected) in new[]
            {
                ("inputs", new float[Batch * input + 1], states, $"{Batch * input}"),
                ("inputs", new float[(Batch - 1) * input], states, $"{Batch * input}"),
                ("states", inputs, new float[Batch * s - 1], $"multiple of {s}"),
                ("states", inputs, Array.Empty<float>(), "B ≥ 1"),
            })
            {
                ArgumentException e = Assert.Throws<ArgumentException>(() => stepBatch(x, st));
                Assert.True(parameter == e.ParamName, $"{who} {kind} {input}x{hidden}: refused naming '{e.ParamName}', expected '{parameter}': {e.Message}");
                Assert.Contains(expected, e.Message, StringComparison.Ordinal);
            }

            Models.AssertBitwise(before, states, $"{who}: states after the refused calls");
        }
    }

    /// <summary>The reference model's batched passes check the same arguments the same way (it is the generated models' oracle).</summary>
    [Theory]
    [InlineData(nameof(LstmProjHead))]
    [InlineData(nameof(Gru8x24L2BiHead))]
    public void TheReferenceChecksTheSameArguments(string name)
    {
        ModelShape shape = GeneratedModels.ByName[name];
        var reference = new ReferenceModel<float>(shape, new Random(1));
        int i = shape.InputSize, o = shape.OutputSize, s = shape.StateSize, rows = Steps * Batch;
        float[] inputs = new float[rows * i], outputs = Models.Uniform(new Random(2), rows * o), states = Models.Uniform(new Random(3), Batch * s);
        float[] outputsBefore = (float[])outputs.Clone(), statesBefore = (float[])states.Clone();
        Tape<float> batchTape = reference.CreateTape(Steps, Batch), singleTape = reference.CreateTape(Steps);

        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => reference.ForwardBatch(new float[rows * i + 1], outputs, states, reference.CreateWorkspace(Steps, Batch))).ParamName);
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => reference.ForwardBatch(inputs, new float[rows * o - 1], states, batchTape)).ParamName);
        Assert.Equal("states", Assert.Throws<ArgumentException>(() => reference.ForwardBatch(inputs, outputs, new float[Batch * s + 1], batchTape)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => reference.ForwardBatch(inputs, outputs, states, reference.CreateWorkspace(Steps, Batch - 1))).ParamName);
        Assert.Contains("ForwardBatch", Assert.Throws<ArgumentException>(() => reference.Forward(new float[Steps * i], new float[Steps * o], new float[s], batchTape)).Message, StringComparison.Ordinal);
        Assert.Equal("tape", Assert.Throws<ArgumentException>(() => reference.ForwardBatch(inputs, outputs, states, singleTape)).ParamName);
        Models.AssertBitwise(outputsBefore, outputs, $"{name}: reference outputs after the refused calls");
        Models.AssertBitwise(statesBefore, states, $"{name}: reference states after the refused calls");
    }
}
