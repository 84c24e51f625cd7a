using System.Numerics;
using RnnGen.Reference;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The <see cref="IRecurrentModel{T}"/> contract on the reference model of every shape: the inference, streaming and
/// taped passes agree bit for bit, Backward leaves its tape intact and accumulates, and every wrong argument (length,
/// tape, workspace, step count) throws naming it before anything is written.
/// </summary>
public sealed class ModelContractTests(ITestOutputHelper output)
{
    private const int Steps = 5;

    /// <summary>Shapes (by <see cref="ModelTestShapes"/> name, head) with every option, one and two directions.</summary>
    public static TheoryData<string, bool> Shapes => new()
    {
        { "lstm_l2", false },
        { "lstm_l3", true },
        { "gru_l3", false },
        { "gru_l2", true },
        { "lstm_proj_l2", true },
        { "lstm_nobias", true },
        { "gru_nobias", false },
        { "lstm_bi", false },
        { "gru_bi_l2", true },
        { "lstm_proj_bi_l2", true },
        { "lstm_nobias_proj_bi_l2", false },
    };

    public static TheoryData<string, bool> StreamingShapes => Filter(bidirectional: false);

    public static TheoryData<string, bool> BidirectionalShapes => Filter(bidirectional: true);

    // ---- The passes agree ----

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WorkspaceForwardEqualsTapedForwardBitForBitDouble(string configuration, bool head) =>
        WorkspaceForwardEqualsTapedForward<double>(ModelTestShapes.Create(configuration, head));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WorkspaceForwardEqualsTapedForwardBitForBitFloat(string configuration, bool head) =>
        WorkspaceForwardEqualsTapedForward<float>(ModelTestShapes.Create(configuration, head));

    [Theory]
    [MemberData(nameof(StreamingShapes))]
    public void ForwardEqualsOneStepPerTimeStepBitForBitDouble(string configuration, bool head) =>
        ForwardEqualsOneStepPerTimeStep<double>(ModelTestShapes.Create(configuration, head));

    [Theory]
    [MemberData(nameof(StreamingShapes))]
    public void ForwardEqualsOneStepPerTimeStepBitForBitFloat(string configuration, bool head) =>
        ForwardEqualsOneStepPerTimeStep<float>(ModelTestShapes.Create(configuration, head));

    [Theory]
    [MemberData(nameof(BidirectionalShapes))]
    public void ABidirectionalModelHasNoStepOrStreamingForwardAndWritesNothing(string configuration, bool head)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var arguments = new ModelCallArguments<double>(shape, Steps, new Random(2));
        foreach (string method in new[] { "Step", "Forward" })
        {
            var e = Assert.Throws<InvalidOperationException>(arguments.Call(model, method, null!, null!));
            Assert.Contains("bidirectional", e.Message, StringComparison.Ordinal);
            Assert.Contains(shape.ToString(), e.Message, StringComparison.Ordinal);
            arguments.AssertUnchanged();
        }
    }

    // ---- Backward ----

    public static TheoryData<string, bool, double> BackwardShapes
    {
        get
        {
            var data = new TheoryData<string, bool, double>();
            foreach (var row in Shapes)
            {
                data.Add((string)row[0], (bool)row[1], 0);
            }

            data.Add("lstm_proj_bi_l3", true, 0.4);
            data.Add("gru_l3", false, 0.4);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BackwardShapes))]
    public void BackwardLeavesTheTapeIntactRepeatsAndAccumulates(string configuration, bool head, double dropout)
    {
        // A second call into the same parameter buffer adds the same gradients again: 2× the first to rounding
        // (each entry sums its terms onto the first call's value instead of onto 0). Measured ≤ 2.3e-16 of the largest entry.
        const double Bound = 1e-13;
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var random = new Random(2);
        Tape<double> tape = model.CreateTape(Steps, new Random(3));
        model.Forward(Uniform<double>(random, Steps * shape.InputSize, 1.5), new double[Steps * shape.OutputSize], Uniform<double>(random, shape.StateSize, 1.5), tape);
        var snapshot = new ModelTapeSnapshot<double>(tape);
        double[] outputGradients = Uniform<double>(random, Steps * shape.OutputSize, 1), finalStateGradient = Uniform<double>(random, shape.StateSize, 1);
        double[] outputGradientsCopy = (double[])outputGradients.Clone();

        var parameterGradients = new double[model.ParameterCount];
        Gradients<double> first = Backward(parameterGradients);
        double[] once = (double[])parameterGradients.Clone();
        snapshot.AssertUnchanged(tape);
        AssertBitwiseEqual<double>(outputGradientsCopy, outputGradients, "outputGradients (read only)");
        Assert.Contains(once, g => g != 0);

        Gradients<double> second = Backward(parameterGradients);
        snapshot.AssertUnchanged(tape);
        AssertBitwiseEqual<double>(first.Inputs, second.Inputs, "input gradients of the second call");
        AssertBitwiseEqual<double>(first.State, second.State, "initial-state gradient of the second call");
        double error = Error.Relative(parameterGradients, once.Select(g => 2 * g).ToArray());
        output.WriteLine($"{shape}: two calls vs 2 × one call, max|Δ| / max|2g| = {error:E2}");
        Assert.True(error <= Bound, $"parameter gradients after two calls are {error:E2} from twice one call");

        // Empty input gradients skip only them: the state and parameter gradients are bit for bit the same.
        double[] stateGradient = (double[])finalStateGradient.Clone(), skipped = new double[model.ParameterCount];
        model.Backward(tape, outputGradients, stateGradient, Span<double>.Empty, skipped);
        AssertBitwiseEqual<double>(first.State, stateGradient, "initial-state gradient without input gradients");
        AssertBitwiseEqual<double>(once, skipped, "parameter gradients without input gradients");
        snapshot.AssertUnchanged(tape);

        Gradients<double> Backward(double[] into)
        {
            double[] state = (double[])finalStateGradient.Clone(), inputs = new double[Steps * shape.InputSize];
            model.Backward(tape, outputGradients, state, inputs, into);
            return new Gradients<double>(inputs, state, into);
        }
    }

    [Theory]
    [InlineData("lstm_proj_bi_l2", true)]
    [InlineData("gru_l3", true)]
    public void AReusedTapeOrWorkspaceGivesWhatAFreshOneGives(string configuration, bool head)
    {
        // A 9-step sequence first, then a 5-step one: nothing of the longer record may leak into the shorter (a
        // reverse direction starts from row T, a head reads the top layer's outputs, Backward reads every row).
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var random = new Random(2);
        Tape<double> used = model.CreateTape(9), fresh = model.CreateTape(Steps);
        Workspace<double> usedWorkspace = model.CreateWorkspace(9), freshWorkspace = model.CreateWorkspace(Steps);
        double[] longInputs = Uniform<double>(random, 9 * shape.InputSize, 1.5), initial = Uniform<double>(random, shape.StateSize, 1.5);
        model.Forward(longInputs, new double[9 * shape.OutputSize], (double[])initial.Clone(), used);
        model.Forward(longInputs, new double[9 * shape.OutputSize], (double[])initial.Clone(), usedWorkspace);

        double[] inputs = Uniform<double>(random, Steps * shape.InputSize, 1.5);
        double[] outputGradients = Uniform<double>(random, Steps * shape.OutputSize, 1), finalStateGradient = Uniform<double>(random, shape.StateSize, 1);
        var a = Train(used);
        var b = Train(fresh);
        AssertBitwiseEqual<double>(b.Outputs, a.Outputs, "outputs");
        AssertBitwiseEqual<double>(b.State, a.State, "final state");
        AssertBitwiseEqual<double>(b.Gradients.Inputs, a.Gradients.Inputs, "input gradients");
        AssertBitwiseEqual<double>(b.Gradients.State, a.Gradients.State, "initial-state gradient");
        AssertBitwiseEqual<double>(b.Gradients.Parameters, a.Gradients.Parameters, "parameter gradients");

        double[] o1 = new double[Steps * shape.OutputSize], s1 = (double[])initial.Clone(), o2 = new double[o1.Length], s2 = (double[])initial.Clone();
        model.Forward(inputs, o1, s1, usedWorkspace);
        model.Forward(inputs, o2, s2, freshWorkspace);
        AssertBitwiseEqual<double>(o2, o1, "workspace outputs");
        AssertBitwiseEqual<double>(s2, s1, "workspace final state");

        (double[] Outputs, double[] State, Gradients<double> Gradients) Train(Tape<double> tape)
        {
            double[] outputs = new double[Steps * shape.OutputSize], state = (double[])initial.Clone();
            model.Forward(inputs, outputs, state, tape);
            Assert.Equal(Steps, tape.Steps);
            double[] stateGradient = (double[])finalStateGradient.Clone(), inputGradients = new double[inputs.Length], parameterGradients = new double[model.ParameterCount];
            model.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            return (outputs, state, new Gradients<double>(inputGradients, stateGradient, parameterGradients));
        }
    }

    // ---- Tapes and workspaces of the wrong shape or size ----

    public static TheoryData<string, bool, double, string, bool, double> OtherShapes => new()
    {
        { "lstm_proj_bi_l2", true, 0, "lstm_bi_l2", true, 0 },     // projection
        { "gru_l3", false, 0, "gru_l2", false, 0 },                // layers
        { "gru_l3", false, 0, "gru_l3", false, 0.2 },              // dropout only
        { "lstm_l2", false, 0, "lstm_l2", true, 0 },               // head
        { "lstm_bi", false, 0, "gru_bi", false, 0 },               // kind
    };

    [Theory]
    [MemberData(nameof(OtherShapes))]
    public void ATapeOfAnotherShapeThrowsNamingTapeAndBothShapesAndWritesNothing(string configuration, bool head, double dropout, string otherConfiguration, bool otherHead, double otherDropout)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout), other = ModelTestShapes.Create(otherConfiguration, otherHead, otherDropout);
        Assert.NotEqual(shape, other);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var otherModel = new ReferenceModel<double>(other, new Random(1));
        Tape<double> tape = otherModel.CreateTape(Steps);
        var random = new Random(2);
        otherModel.Forward(Uniform<double>(random, Steps * other.InputSize, 1), new double[Steps * other.OutputSize], new double[other.StateSize], tape);
        var snapshot = new ModelTapeSnapshot<double>(tape);
        var arguments = new ModelCallArguments<double>(shape, Steps, random);
        double[] parameters = model.Parameters.ToArray();

        foreach (string method in new[] { "ForwardTape", "Backward" })
        {
            var e = Assert.Throws<ArgumentException>(arguments.Call(model, method, null!, tape));
            Assert.Equal("tape", e.ParamName);
            Assert.Contains(shape.ToString(), e.Message, StringComparison.Ordinal);
            Assert.Contains(other.ToString(), e.Message, StringComparison.Ordinal);
            arguments.AssertUnchanged();
            snapshot.AssertUnchanged(tape);
            AssertBitwiseEqual<double>(parameters, model.Parameters, "parameters");
        }
    }

    [Theory]
    [MemberData(nameof(OtherShapes))]
    public void AWorkspaceOfAnotherShapeThrowsNamingWorkspaceAndWritesNothing(string configuration, bool head, double dropout, string otherConfiguration, bool otherHead, double otherDropout)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout), other = ModelTestShapes.Create(otherConfiguration, otherHead, otherDropout);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var arguments = new ModelCallArguments<double>(shape, Steps, new Random(2));
        var e = Assert.Throws<ArgumentException>(arguments.Call(model, "ForwardWorkspace", new Workspace<double>(other, Steps), null!));
        Assert.Equal("workspace", e.ParamName);
        Assert.Contains(shape.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(other.ToString(), e.Message, StringComparison.Ordinal);
        arguments.AssertUnchanged();
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TooManyStepsForTheTapeOrWorkspaceThrowAndWriteNothing(string configuration, bool head)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var random = new Random(2);
        Tape<double> tape = model.CreateTape(Steps - 1);
        model.Forward(Uniform<double>(random, (Steps - 1) * shape.InputSize, 1), new double[(Steps - 1) * shape.OutputSize], new double[shape.StateSize], tape);
        var snapshot = new ModelTapeSnapshot<double>(tape);
        var arguments = new ModelCallArguments<double>(shape, Steps, random);

        var e = Assert.Throws<ArgumentException>(arguments.Call(model, "ForwardTape", null!, tape));
        Assert.Equal("tape", e.ParamName);
        Assert.Contains($"{Steps} steps", e.Message, StringComparison.Ordinal);
        Assert.Contains($"at most {Steps - 1}", e.Message, StringComparison.Ordinal);
        arguments.AssertUnchanged();
        snapshot.AssertUnchanged(tape);

        e = Assert.Throws<ArgumentException>(arguments.Call(model, "ForwardWorkspace", model.CreateWorkspace(Steps - 1), null!));
        Assert.Equal("workspace", e.ParamName);
        Assert.Contains($"{Steps} steps", e.Message, StringComparison.Ordinal);
        Assert.Contains($"at most {Steps - 1}", e.Message, StringComparison.Ordinal);
        arguments.AssertUnchanged();
    }

    [Fact]
    public void NullTapesAndWorkspacesAndEmptyCapacitiesAreRefused()
    {
        ModelShape shape = ModelTestShapes.Create("lstm_proj_bi_l2", head: true);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var arguments = new ModelCallArguments<double>(shape, Steps, new Random(2));
        Assert.Equal("workspace", Assert.Throws<ArgumentNullException>(arguments.Call(model, "ForwardWorkspace", null!, null!)).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(arguments.Call(model, "ForwardTape", null!, null!)).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(arguments.Call(model, "Backward", null!, null!)).ParamName);
        arguments.AssertUnchanged();
        Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateTape(0)).ParamName);
        Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateWorkspace(0)).ParamName);
        Assert.Equal("maxSteps", Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateTape(-1, new Random(1))).ParamName);
    }

    // ---- Wrong lengths ----

    public static TheoryData<string, bool, string, string, int> WrongLengths
    {
        get
        {
            var data = new TheoryData<string, bool, string, string, int>();
            foreach ((string configuration, bool head) in new[] { ("lstm_l2", false), ("gru_l3", true), ("lstm_proj_bi_l2", true), ("gru_bi", false) })
            {
                foreach ((string method, string parameter) in ModelCallArguments<double>.SpanParameters(configuration.Contains("_bi", StringComparison.Ordinal)))
                {
                    data.Add(configuration, head, method, parameter, -1);
                    data.Add(configuration, head, method, parameter, +1);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(WrongLengths))]
    public void AWrongSpanLengthThrowsNamingTheParameterWithExpectedAndActualAndWritesNothing(string configuration, bool head, string method, string parameter, int delta)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var model = new ReferenceModel<double>(shape, new Random(1));
        var random = new Random(2);
        Tape<double> tape = model.CreateTape(Steps);
        model.Forward(Uniform<double>(random, Steps * shape.InputSize, 1), new double[Steps * shape.OutputSize], Uniform<double>(random, shape.StateSize, 1), tape);
        var snapshot = new ModelTapeSnapshot<double>(tape);
        double[] parameters = model.Parameters.ToArray();

        var arguments = new ModelCallArguments<double>(shape, Steps, random);
        int actual = arguments[parameter].Length + delta;
        string expected = arguments.Resize(parameter, delta, random);
        var e = Assert.Throws<ArgumentException>(arguments.Call(model, method, model.CreateWorkspace(Steps), tape));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains($"has length {actual}", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        arguments.AssertUnchanged();
        snapshot.AssertUnchanged(tape);
        AssertBitwiseEqual<double>(parameters, model.Parameters, "parameters");
    }

    private static void WorkspaceForwardEqualsTapedForward<T>(ModelShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = new ReferenceModel<T>(shape, new Random(1));
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, Steps * shape.InputSize, 1.5), initial = Uniform<T>(random, shape.StateSize, 1.5);
        T[] o1 = new T[Steps * shape.OutputSize], s1 = (T[])initial.Clone(), o2 = new T[o1.Length], s2 = (T[])initial.Clone();
        model.Forward(inputs, o1, s1, model.CreateWorkspace(Steps));
        model.Forward(inputs, o2, s2, model.CreateTape(Steps));
        AssertBitwiseEqual<T>(o1, o2, $"{shape}: taped outputs");
        AssertBitwiseEqual<T>(s1, s2, $"{shape}: taped final state");
        Assert.False(s1.AsSpan().SequenceEqual(initial), "the final state is the initial one");
    }

    private static void ForwardEqualsOneStepPerTimeStep<T>(ModelShape shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = new ReferenceModel<T>(shape, new Random(1));
        var random = new Random(2);
        int i = shape.InputSize, o = shape.OutputSize;
        T[] inputs = Uniform<T>(random, Steps * i, 1.5), initial = Uniform<T>(random, shape.StateSize, 1.5);
        T[] forwardOutputs = new T[Steps * o], forwardState = (T[])initial.Clone();
        model.Forward(inputs, forwardOutputs, forwardState);

        T[] stepOutputs = new T[Steps * o], stepState = (T[])initial.Clone();
        for (int t = 0; t < Steps; t++)
        {
            model.Step(inputs.AsSpan(t * i, i), stepState, stepOutputs.AsSpan(t * o, o));
        }

        AssertBitwiseEqual<T>(stepOutputs, forwardOutputs, $"{shape}: Forward outputs against T Steps");
        AssertBitwiseEqual<T>(stepState, forwardState, $"{shape}: Forward final state against T Steps");

        // And the streaming Forward is the workspace one (which is the taped one, above).
        T[] workspaceOutputs = new T[Steps * o], workspaceState = (T[])initial.Clone();
        model.Forward(inputs, workspaceOutputs, workspaceState, model.CreateWorkspace(Steps));
        AssertBitwiseEqual<T>(workspaceOutputs, forwardOutputs, $"{shape}: streaming Forward outputs against the workspace Forward");
        AssertBitwiseEqual<T>(workspaceState, forwardState, $"{shape}: streaming Forward final state against the workspace Forward");
    }

    private static TheoryData<string, bool> Filter(bool bidirectional)
    {
        var data = new TheoryData<string, bool>();
        foreach (var row in Shapes)
        {
            if (((string)row[0]).Contains("_bi", StringComparison.Ordinal) == bidirectional)
            {
                data.Add((string)row[0], (bool)row[1]);
            }
        }

        return data;
    }
}

/// <summary>Sequences of no steps: nothing to compute, so the state passes through unchanged, forward and backward.</summary>
public sealed class ModelEmptySequenceTests
{
    [Theory]
    [InlineData("lstm_proj_bi_l2", true, 0.0)]
    [InlineData("gru_l3", false, 0.3)]
    [InlineData("lstm_l2", true, 0.0)]
    public void AnEmptySequenceLeavesTheStateAndPassesTheStateGradientThrough(string configuration, bool head, double dropout)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout);
        var model = new ReferenceModel<double>(shape, new Random(1));
        double[] initial = Uniform<double>(new Random(2), shape.StateSize, 1.5);

        double[] state = (double[])initial.Clone();
        model.Forward([], [], state, model.CreateWorkspace(1));
        AssertBitwiseEqual<double>(initial, state, "state after an empty workspace Forward");

        Tape<double> tape = model.CreateTape(1, new Random(3));
        model.Forward([], [], state, tape);
        Assert.Equal(0, tape.Steps);
        AssertBitwiseEqual<double>(initial, state, "state after an empty taped Forward");

        if (!shape.Bidirectional)
        {
            model.Forward([], [], state);
            AssertBitwiseEqual<double>(initial, state, "state after an empty streaming Forward");
        }

        double[] finalStateGradient = Uniform<double>(new Random(4), shape.StateSize, 1), stateGradient = (double[])finalStateGradient.Clone();
        var parameterGradients = new double[shape.ParameterCount];
        model.Backward(tape, [], stateGradient, [], parameterGradients);
        AssertBitwiseEqual<double>(finalStateGradient, stateGradient, "state gradient through no steps");
        Assert.All(parameterGradients, g => Assert.Equal(0.0, g));
    }
}

/// <summary>The reference model allocates nothing after construction (its scratch is preallocated), as the docs promise for every hot path.</summary>
public sealed class ModelAllocationTests
{
    [Theory]
    [InlineData("lstm_proj_bi_l2", true, 0.3)]
    [InlineData("gru_l3", true, 0.3)]
    [InlineData("lstm_nobias_proj_bi_l2", false, 0.0)]
    [InlineData("lstm_l2", false, 0.0)]
    public void HotPathsAllocateNothing(string configuration, bool head, double dropout)
    {
        const int T = 50;
        ModelShape shape = ModelTestShapes.Create(configuration, head, dropout);
        var model = new ReferenceModel<float>(shape, new Random(1));
        var random = new Random(2);
        float[] inputs = Uniform<float>(random, T * shape.InputSize, 1), state = Uniform<float>(random, shape.StateSize, 1), outputs = new float[T * shape.OutputSize];
        float[] outputGradients = Uniform<float>(random, T * shape.OutputSize, 1), stateGradient = new float[shape.StateSize];
        float[] inputGradients = new float[T * shape.InputSize], parameterGradients = new float[shape.ParameterCount];
        Workspace<float> workspace = model.CreateWorkspace(T);
        Tape<float> tape = model.CreateTape(T, new Random(3));

        long[] bytes = SteadyState.Allocations(() =>
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            if (!shape.Bidirectional)
            {
                for (int t = 0; t < T; t++)
                {
                    model.Step(inputs.AsSpan(t * shape.InputSize, shape.InputSize), state, outputs.AsSpan(t * shape.OutputSize, shape.OutputSize));
                }

                model.Forward(inputs, outputs, state);
            }

            long afterStreaming = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(inputs, outputs, state, workspace);
            long afterWorkspace = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(inputs, outputs, state, tape);
            model.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            long afterTraining = GC.GetAllocatedBytesForCurrentThread();
            return [afterStreaming - start, afterWorkspace - afterStreaming, afterTraining - afterWorkspace];
        });

        Assert.True(bytes[0] == 0, $"{shape}: Step and the streaming Forward allocated {bytes[0]} bytes");
        Assert.True(bytes[1] == 0, $"{shape}: the workspace Forward allocated {bytes[1]} bytes");
        Assert.True(bytes[2] == 0, $"{shape}: the taped Forward and Backward allocated {bytes[2]} bytes");
    }
}
