using System.Reflection;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The <see cref="IRecurrentModel{T}"/> contract on whole generated models: argument checks that write nothing, tapes
/// and workspaces bound to one shape, one instance shared by threads, tensor views, the generated Shape, and weight files.
/// </summary>
public sealed class ModelContractTests
{
    private const int Steps = 5;

    // ---- Wrong lengths: the exception names the argument, and nothing is written ----

    [Theory]
    [InlineData(nameof(LstmL2Head))]
    [InlineData(nameof(LstmProjHead))]
    [InlineData(nameof(GruNoBias))]
    [InlineData(nameof(Gru8x24L2BiHead))]
    [InlineData(nameof(LstmProjL2Bi))]
    [InlineData(nameof(LstmDropout))]
    public void WrongLengthsNameTheArgumentAndWriteNothing(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        int i = model.InputSize, o = model.OutputSize, s = model.StateSize, p = model.ParameterCount;
        var random = new Random(2);
        float[] Fill(int n) => Models.Uniform(random, n);

        float[] inputs = Fill(Steps * i), outputs = Fill(Steps * o), state = Fill(s), output = Fill(o);
        float[] outputGradients = Fill(Steps * o), stateGradient = Fill(s), inputGradients = Fill(Steps * i), parameterGradients = Fill(p);
        Workspace<float> workspace = model.CreateWorkspace(Steps);
        Tape<float> tape = model.CreateTape(Steps);
        model.Forward(Fill(Steps * i), new float[Steps * o], Fill(s), tape);
        var record = new ModelTapeSnapshot(tape);

        // Every array a call may write, with what it held before: after the refused calls they must hold it still.
        var written = new List<(string What, float[] Array, float[] Before)>();
        float[] Watch(string what, float[] array)
        {
            written.Add((what, array, (float[])array.Clone()));
            return array;
        }

        Watch("outputs", outputs);
        Watch("state", state);
        Watch("output", output);
        Watch("stateGradient", stateGradient);
        Watch("inputGradients", inputGradients);
        Watch("parameterGradients", parameterGradients);
        float[] Wrong(string what, int length) => Watch("wrong " + what, Fill(length));

        var calls = new List<(string Parameter, int Length, Action Call)>
        {
            ("inputs", Steps * i + 1, () => model.Forward(Wrong("inputs", Steps * i + 1), outputs, state, workspace)),
            ("outputs", (Steps + 1) * o, () => model.Forward(inputs, Wrong("outputs", (Steps + 1) * o), state, workspace)),
            ("state", s - 1, () => model.Forward(inputs, outputs, Wrong("state", s - 1), workspace)),
            ("inputs", Steps * i - 1, () => model.Forward(Wrong("inputs", Steps * i - 1), outputs, state, tape)),
            ("outputs", Steps * o - 1, () => model.Forward(inputs, Wrong("outputs", Steps * o - 1), state, tape)),
            ("state", s + 1, () => model.Forward(inputs, outputs, Wrong("state", s + 1), tape)),
            ("outputGradients", Steps * o + 1, () => model.Backward(tape, Wrong("outputGradients", Steps * o + 1), stateGradient, inputGradients, parameterGradients)),
            ("stateGradient", s - 1, () => model.Backward(tape, outputGradients, Wrong("stateGradient", s - 1), inputGradients, parameterGradients)),
            ("inputGradients", Steps * i + 1, () => model.Backward(tape, outputGradients, stateGradient, Wrong("inputGradients", Steps * i + 1), parameterGradients)),
            ("parameterGradients", p - 1, () => model.Backward(tape, outputGradients, stateGradient, inputGradients, Wrong("parameterGradients", p - 1))),
            ("inputs", Steps * i + 1, () => frozen.Forward(Wrong("inputs", Steps * i + 1), outputs, state, workspace)),
            ("outputs", Steps * o + 1, () => frozen.Forward(inputs, Wrong("outputs", Steps * o + 1), state, workspace)),
            ("state", s + 2, () => frozen.Forward(inputs, outputs, Wrong("state", s + 2), workspace)),
        };
        if (model is IStreamingModel<float> streaming)
        {
            var frozenStreaming = (IFrozenStreamingModel<float>)frozen;
            calls.AddRange(
            [
                ("input", i + 1, () => streaming.Step(Wrong("input", i + 1), state, output)),
                ("state", s - 1, () => streaming.Step(inputs.AsSpan(0, i), Wrong("state", s - 1), output)),
                ("output", o + 1, () => streaming.Step(inputs.AsSpan(0, i), state, Wrong("output", o + 1))),
                ("inputs", Steps * i + 1, () => streaming.Forward(Wrong("inputs", Steps * i + 1), outputs, state)),
                ("outputs", (Steps + 1) * o, () => streaming.Forward(inputs, Wrong("outputs", (Steps + 1) * o), state)),
                ("state", s + 1, () => streaming.Forward(inputs, outputs, Wrong("state", s + 1))),
                ("input", i - 1, () => frozenStreaming.Step(Wrong("input", i - 1), state, output)),
                ("state", s + 1, () => frozenStreaming.Step(inputs.AsSpan(0, i), Wrong("state", s + 1), output)),
                ("output", o - 1, () => frozenStreaming.Step(inputs.AsSpan(0, i), state, Wrong("output", o - 1))),
                ("inputs", Steps * i - 1, () => frozenStreaming.Forward(Wrong("inputs", Steps * i - 1), outputs, state)),
                ("outputs", Steps * o - 1, () => frozenStreaming.Forward(inputs, Wrong("outputs", Steps * o - 1), state)),
                ("state", s - 1, () => frozenStreaming.Forward(inputs, outputs, Wrong("state", s - 1))),
            ]);
        }

        foreach ((string parameter, int length, Action call) in calls)
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
            Assert.True(parameter == e.ParamName, $"{name}: a wrong {parameter} was reported as '{e.ParamName}': {e.Message}");
            Assert.Contains(length.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        }

        foreach ((string what, float[] array, float[] before) in written)
        {
            Models.AssertBitwise(before, array, $"{name}: {what} after the refused calls");
        }

        record.AssertUnchanged(tape, name);

        // Null tape and workspace are refused by name as well.
        Assert.Equal("workspace", Assert.Throws<ArgumentNullException>(() => model.Forward(inputs, outputs, state, (Workspace<float>)null!)).ParamName);
        Assert.Equal("workspace", Assert.Throws<ArgumentNullException>(() => frozen.Forward(inputs, outputs, state, null!)).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => model.Forward(inputs, outputs, state, (Tape<float>)null!)).ParamName);
        Assert.Equal("tape", Assert.Throws<ArgumentNullException>(() => model.Backward(null!, outputGradients, stateGradient, inputGradients, parameterGradients)).ParamName);
    }

    // ---- Tapes and workspaces belong to one shape ----

    [Theory]
    [InlineData(nameof(LstmL2Head))]
    [InlineData(nameof(Gru8x24L2BiHead))]
    [InlineData(nameof(Lstm12x40P16L2BiHead))]
    [InlineData(nameof(LstmDropout))]
    public void ATapeOrWorkspaceOfAnotherShapeIsRefused(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        var random = new Random(2);
        float[] inputs = Models.Uniform(random, Steps * model.InputSize), outputs = Models.Uniform(random, Steps * model.OutputSize);
        float[] state = Models.Uniform(random, model.StateSize), outputGradients = Models.Uniform(random, Steps * model.OutputSize);
        float[] stateGradient = Models.Uniform(random, model.StateSize), inputGradients = Models.Uniform(random, Steps * model.InputSize);
        float[] parameterGradients = Models.Uniform(random, model.ParameterCount);
        float[][] all = [outputs, state, stateGradient, inputGradients, parameterGradients];
        float[][] before = [.. all.Select(a => (float[])a.Clone())];

        List<ModelShape> others = Variants(model.Shape);
        Assert.True(others.Count >= 8, $"only {others.Count} variants of {model.Shape}");
        foreach (ModelShape other in others)
        {
            Assert.NotEqual(model.Shape, other);
            string what = $"{name} given a tape or workspace of {other} (rnn '{other.RnnName}', head '{other.HeadName}')";

            // A tape really recorded by a model of the other shape, as a caller who mixed them up would hold.
            var recorder = new ReferenceModel<float>(other, new Random(3));
            Tape<float> tape = recorder.CreateTape(Steps);
            recorder.Forward(Models.Uniform(random, Steps * other.InputSize), new float[Steps * other.OutputSize], Models.Uniform(random, other.StateSize), tape);
            var record = new ModelTapeSnapshot(tape);
            var workspace = new Workspace<float>(other, Steps);

            AssertRefused("tape", what, () => model.Forward(inputs, outputs, state, tape));
            AssertRefused("tape", what, () => model.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients));
            AssertRefused("workspace", what, () => model.Forward(inputs, outputs, state, workspace));
            AssertRefused("workspace", what, () => frozen.Forward(inputs, outputs, state, workspace));
            record.AssertUnchanged(tape, what);
        }

        // The right shape but too few steps.
        AssertRefused("tape", $"{name}, short tape", () => model.Forward(inputs, outputs, state, model.CreateTape(Steps - 1)));
        AssertRefused("workspace", $"{name}, short workspace", () => model.Forward(inputs, outputs, state, model.CreateWorkspace(Steps - 1)));
        AssertRefused("workspace", $"{name}, short workspace", () => frozen.Forward(inputs, outputs, state, frozen.CreateWorkspace(Steps - 1)));

        for (int k = 0; k < all.Length; k++)
        {
            Models.AssertBitwise(before[k], all[k], $"{name}: argument {k} after the refused calls");
        }

        // Shapes are compared by value: a tape and a workspace made for an equal shape, built by hand, are accepted.
        ModelShape equal = Copy(model.Shape);
        model.Forward(inputs, outputs, state, new Tape<float>(equal, Steps));
        model.Forward(inputs, outputs, state, new Workspace<float>(equal, Steps));

        static void AssertRefused(string parameter, string what, Action call)
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
            Assert.True(parameter == e.ParamName, $"{what}: refused naming '{e.ParamName}', expected '{parameter}': {e.Message}");
        }
    }

    /// <summary>Shapes that differ from <paramref name="shape"/> in exactly one property.</summary>
    private static List<ModelShape> Variants(ModelShape s)
    {
        ModelShape With(
            CellKind? kind = null, int? input = null, int? hidden = null, int? layers = null, bool? bidirectional = null, int? projection = null,
            bool? bias = null, int? head = null, double? dropout = null, string? rnnName = null, string? headName = null) =>
            new(kind ?? s.Kind, input ?? s.InputSize, hidden ?? s.HiddenSize, layers ?? s.Layers, bidirectional ?? s.Bidirectional,
                projection ?? s.ProjectionSize, bias ?? s.Bias, head ?? s.HeadOutputs, dropout ?? s.Dropout, rnnName ?? s.RnnName, headName ?? s.HeadName);

        var variants = new List<ModelShape>
        {
            With(input: s.InputSize + 1),
            With(hidden: s.HiddenSize + 1),
            With(layers: s.Layers + 1),
            With(bidirectional: !s.Bidirectional),
            With(bias: !s.Bias),
            With(head: s.HeadOutputs + 1),
            With(dropout: s.Dropout > 0 ? 0 : 0.1),
            With(rnnName: s.RnnName + "x"),
            With(headName: s.HeadName + "x"),
        };
        if (s.ProjectionSize == 0)
        {
            variants.Add(With(kind: s.Kind == CellKind.Lstm ? CellKind.Gru : CellKind.Lstm));
        }

        if (s.Kind == CellKind.Lstm)
        {
            variants.Add(With(projection: s.ProjectionSize > 0 ? 0 : s.HiddenSize - 1));
        }

        if (s.HeadOutputs > 0)
        {
            variants.Add(With(head: 0, headName: ""));
        }

        return variants;
    }

    private static ModelShape Copy(ModelShape s) =>
        new(s.Kind, s.InputSize, s.HiddenSize, s.Layers, s.Bidirectional, s.ProjectionSize, s.Bias, s.HeadOutputs, s.Dropout, s.RnnName, s.HeadName);

    // ---- One instance, many threads ----

    /// <summary>
    /// Four threads share one model and one snapshot, each with its own state, workspace and tape: every thread gets what
    /// a single-threaded run of its sequence gives, bit for bit.
    /// </summary>
    [Theory]
    [InlineData(nameof(Lstm32x64L2Head))]
    [InlineData(nameof(Gru8x24L2BiHead))]
    [InlineData(nameof(LstmProjL2BiHead))]
    [InlineData(nameof(GruL3Head))]
    public void ThreadsSharingOneInstanceAgreeWithASingleThread(string name)
    {
        const int Threads = 4, Length = 24, Rounds = 3;
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        IFrozenModel<float> frozen = GeneratedModels.Freeze(model);
        ThreadRun[] expected = [.. Enumerable.Range(0, Threads).Select(k => ThreadRun.Of(model, frozen, 100 + k, Length))];

        var results = new ThreadRun[Threads, Rounds];
        using var start = new Barrier(Threads);
        Thread[] threads =
        [
            .. Enumerable.Range(0, Threads).Select(k => new Thread(() =>
            {
                start.SignalAndWait();
                for (int round = 0; round < Rounds; round++)
                {
                    results[k, round] = ThreadRun.Of(model, frozen, 100 + k, Length);
                }
            })),
        ];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "a thread did not finish");
        }

        for (int k = 0; k < Threads; k++)
        {
            for (int round = 0; round < Rounds; round++)
            {
                Assert.NotNull(results[k, round]);
                expected[k].AssertSame(results[k, round], $"{name}, thread {k}, round {round}");
            }
        }

        // The sequences differ, so agreeing is not trivially true.
        Assert.NotEqual(expected[0].Values[0], expected[1].Values[0]);
    }

    /// <summary>Everything one thread computes from its own sequence: named arrays, compared bit for bit.</summary>
    private sealed record ThreadRun(string[] Names, float[][] Values)
    {
        public static ThreadRun Of(IRecurrentModel<float> model, IFrozenModel<float> frozen, int seed, int steps)
        {
            var random = new Random(seed);
            float[] inputs = Models.Uniform(random, steps * model.InputSize), initial = Models.Uniform(random, model.StateSize);
            float[] outputGradients = Models.Uniform(random, steps * model.OutputSize), finalGradient = Models.Uniform(random, model.StateSize);
            var names = new List<string>();
            var values = new List<float[]>();
            void Add(string what, float[] array)
            {
                names.Add(what);
                values.Add(array);
            }

            float[] outputs = new float[steps * model.OutputSize], state = (float[])initial.Clone();
            model.Forward(inputs, outputs, state, model.CreateWorkspace(steps));
            Add("Forward(workspace) outputs", outputs);
            Add("Forward(workspace) state", state);

            outputs = new float[steps * model.OutputSize];
            state = (float[])initial.Clone();
            frozen.Forward(inputs, outputs, state, frozen.CreateWorkspace(steps));
            Add("frozen Forward(workspace) outputs", outputs);
            Add("frozen Forward(workspace) state", state);

            Tape<float> tape = model.CreateTape(steps);
            outputs = new float[steps * model.OutputSize];
            state = (float[])initial.Clone();
            model.Forward(inputs, outputs, state, tape);
            float[] stateGradient = (float[])finalGradient.Clone(), inputGradients = new float[steps * model.InputSize], parameterGradients = new float[model.ParameterCount];
            model.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            Add("Forward(tape) outputs", outputs);
            Add("state gradient", stateGradient);
            Add("input gradients", inputGradients);
            Add("parameter gradients", parameterGradients);

            if (model is IStreamingModel<float> streaming)
            {
                var frozenStreaming = (IFrozenStreamingModel<float>)frozen;
                int i = model.InputSize, o = model.OutputSize;
                float[] stepped = (float[])initial.Clone(), frozenStepped = (float[])initial.Clone();
                float[] stepOutputs = new float[steps * o], frozenOutputs = new float[steps * o];
                for (int t = 0; t < steps; t++)
                {
                    streaming.Step(inputs.AsSpan(t * i, i), stepped, stepOutputs.AsSpan(t * o, o));
                    frozenStreaming.Step(inputs.AsSpan(t * i, i), frozenStepped, frozenOutputs.AsSpan(t * o, o));
                }

                Add("Step outputs", stepOutputs);
                Add("Step state", stepped);
                Add("frozen Step outputs", frozenOutputs);
                Add("frozen Step state", frozenStepped);
            }

            return new ThreadRun([.. names], [.. values]);
        }

        public void AssertSame(ThreadRun actual, string what)
        {
            Assert.Equal(Names, actual.Names);
            for (int k = 0; k < Names.Length; k++)
            {
                Models.AssertBitwise(Values[k], actual.Values[k], $"{what}: {Names[k]}");
            }
        }
    }

    // ---- Tensor views ----

    [Fact]
    public void TensorIsAViewOfParameters()
    {
        var model = new Lstm32x64L2Head(new Random(1));
        ParameterTensor tensor = Lstm32x64L2Head.Shape.Tensor("rnn.weight_hh_l1");
        Assert.Equal(new[] { 4 * 64, 64 }, tensor.Shape);
        Span<float> view = model.Tensor("rnn.weight_hh_l1");
        Assert.Equal(tensor.Length, view.Length);
        Assert.True(model.Parameters.Overlaps(view, out int offset), "the view is not inside Parameters");
        Assert.Equal(tensor.Offset, offset);

        float[] inputs = Models.Uniform(new Random(2), 3 * Lstm32x64L2Head.InputSize);
        float[] before = Run(model, inputs);

        // Writes through the view reach Parameters (and the next call); writes through Parameters reach the view.
        view[0] = 123f;
        view[^1] = -7f;
        Assert.Equal(123f, model.Parameters[tensor.Offset]);
        Assert.Equal(-7f, model.Parameters[tensor.Offset + tensor.Length - 1]);
        model.Parameters[tensor.Offset + 1] = 42f;
        Assert.Equal(42f, model.Tensor("rnn.weight_hh_l1")[1]);
        Assert.NotEqual(before, Run(model, inputs));

        // Head and reverse/projection tensors of a bidirectional projected model.
        var projected = new Lstm12x40P16L2BiHead(new Random(3));
        foreach ((string name, int[] shape) in new[]
        {
            ("rnn.weight_hr_l1_reverse", new[] { 16, 40 }),
            ("rnn.weight_ih_l1_reverse", new[] { 160, 32 }),
            ("rnn.weight_hh_l0", new[] { 160, 16 }),
            ("head.weight", new[] { 6, 32 }),
            ("head.bias", new[] { 6 }),
        })
        {
            ParameterTensor t = Lstm12x40P16L2BiHead.Shape.Tensor(name);
            Assert.Equal(shape, t.Shape);
            Span<float> v = projected.Tensor(name);
            Assert.Equal(shape.Aggregate(1, (a, b) => a * b), v.Length);
            v.Fill(0.25f);
            Assert.All(projected.Parameters.Slice(t.Offset, t.Length).ToArray(), x => Assert.Equal(0.25f, x));
        }

        ArgumentException e = Assert.Throws<ArgumentException>(() => model.Tensor("rnn.weight_hh_l2"));
        Assert.Equal("name", e.ParamName);
        Assert.Contains("rnn.weight_hh_l1", e.Message, StringComparison.Ordinal);

        static float[] Run(Lstm32x64L2Head model, float[] inputs)
        {
            float[] outputs = new float[inputs.Length / Lstm32x64L2Head.InputSize * Lstm32x64L2Head.OutputSize];
            model.Forward(inputs, outputs, new float[Lstm32x64L2Head.StateSize]);
            return outputs;
        }
    }

    // ---- The generated Shape and constants ----

    /// <summary>Each class's shape written out by hand from its attribute arguments (names: rnn/head with a head, "" without).</summary>
    private static readonly Dictionary<string, ModelShape> HandBuilt = new(StringComparer.Ordinal)
    {
        [nameof(GruL2)] = new(CellKind.Gru, 5, 8, layers: 2),
        [nameof(GruL2Head)] = new(CellKind.Gru, 5, 8, layers: 2, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(GruL2Bi)] = new(CellKind.Gru, 5, 8, layers: 2, bidirectional: true),
        [nameof(GruL2BiHead)] = new(CellKind.Gru, 5, 8, layers: 2, bidirectional: true, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(GruL2Bi13)] = new(CellKind.Gru, 7, 13, layers: 2, bidirectional: true),
        [nameof(GruL2Bi13Head)] = new(CellKind.Gru, 7, 13, layers: 2, bidirectional: true, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(GruL3)] = new(CellKind.Gru, 5, 8, layers: 3),
        [nameof(GruL3Head)] = new(CellKind.Gru, 5, 8, layers: 3, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(GruNoBias)] = new(CellKind.Gru, 5, 8, bias: false),
        [nameof(GruNoBiasHead)] = new(CellKind.Gru, 5, 8, bias: false, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmL2)] = new(CellKind.Lstm, 5, 8, layers: 2),
        [nameof(LstmL2Head)] = new(CellKind.Lstm, 5, 8, layers: 2, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmL2Bi)] = new(CellKind.Lstm, 5, 8, layers: 2, bidirectional: true),
        [nameof(LstmL2BiHead)] = new(CellKind.Lstm, 5, 8, layers: 2, bidirectional: true, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmL3)] = new(CellKind.Lstm, 5, 8, layers: 3),
        [nameof(LstmL3Head)] = new(CellKind.Lstm, 5, 8, layers: 3, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmNoBias)] = new(CellKind.Lstm, 5, 8, layers: 2, bias: false),
        [nameof(LstmNoBiasHead)] = new(CellKind.Lstm, 5, 8, layers: 2, bias: false, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmProj)] = new(CellKind.Lstm, 5, 8, projectionSize: 5),
        [nameof(LstmProjHead)] = new(CellKind.Lstm, 5, 8, projectionSize: 5, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmProjBi)] = new(CellKind.Lstm, 5, 8, bidirectional: true, projectionSize: 5),
        [nameof(LstmProjBiHead)] = new(CellKind.Lstm, 5, 8, bidirectional: true, projectionSize: 5, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(LstmProjL2Bi)] = new(CellKind.Lstm, 5, 13, layers: 2, bidirectional: true, projectionSize: 5),
        [nameof(LstmProjL2BiHead)] = new(CellKind.Lstm, 5, 13, layers: 2, bidirectional: true, projectionSize: 5, headOutputs: 3, rnnName: "rnn", headName: "head"),
        [nameof(Lstm16x32L2)] = new(CellKind.Lstm, 16, 32, layers: 2),
        [nameof(Gru8x24L2BiHead)] = new(CellKind.Gru, 8, 24, layers: 2, bidirectional: true, headOutputs: 5, rnnName: "rnn", headName: "head"),
        [nameof(Lstm12x40P16L2BiHead)] = new(CellKind.Lstm, 12, 40, layers: 2, bidirectional: true, projectionSize: 16, headOutputs: 6, rnnName: "rnn", headName: "head"),
        [nameof(Lstm32x64L2Head)] = new(CellKind.Lstm, 32, 64, layers: 2, headOutputs: 10, rnnName: "rnn", headName: "head"),
        [nameof(LstmDropout)] = new(CellKind.Lstm, 16, 16, layers: 3, headOutputs: 4, dropout: 0.25, rnnName: "rnn", headName: "head"),
        [nameof(LstmDropoutTwin)] = new(CellKind.Lstm, 16, 16, layers: 3, headOutputs: 4, rnnName: "rnn", headName: "head"),
        [nameof(GruDropoutBi)] = new(CellKind.Gru, 6, 12, layers: 2, bidirectional: true, dropout: 0.4),
        [nameof(GruDropoutBiTwin)] = new(CellKind.Gru, 6, 12, layers: 2, bidirectional: true),
        [nameof(GruRb8x16)] = new(CellKind.Gru, 8, 16, resetAfter: false),
        [nameof(GruRb7x13)] = new(CellKind.Gru, 7, 13, resetAfter: false),
        [nameof(GruRb16x64L2)] = new(CellKind.Gru, 16, 64, layers: 2, resetAfter: false),
        [nameof(GruRbL2Bi13Head)] = new(CellKind.Gru, 7, 13, layers: 2, bidirectional: true, headOutputs: 3, rnnName: "rnn", headName: "head", resetAfter: false),
        [nameof(GruRbNoBias)] = new(CellKind.Gru, 5, 8, bias: false, resetAfter: false),
    };

    [Theory]
    [MemberData(nameof(GeneratedModels.AllNames), MemberType = typeof(GeneratedModels))]
    public void ShapeEqualsTheShapeBuiltByHand(string name)
    {
        Type type = typeof(GeneratedModels).Assembly.GetType($"{typeof(GeneratedModels).Namespace}.{name}", throwOnError: true)!;
        ModelShape expected = HandBuilt[name];
        var shape = (ModelShape)type.GetProperty("Shape", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

        Assert.Equal(expected, shape);
        Assert.Equal(expected.GetHashCode(), shape.GetHashCode());
        Assert.Equal(expected.ToString(), shape.ToString());
        Assert.Equal((expected.RnnName, expected.HeadName, expected.Dropout), (shape.RnnName, shape.HeadName, shape.Dropout));
        Assert.Equal(expected.Tensors.Select(t => (t.Name, t.Offset, string.Join("x", t.Shape))), shape.Tensors.Select(t => (t.Name, t.Offset, string.Join("x", t.Shape))));

        // The constants are the shape's.
        object Constant(string field) => type.GetField(field, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        Assert.Equal(expected.Kind, (CellKind)Constant("Kind"));
        Assert.Equal(
            (expected.InputSize, expected.HiddenSize, expected.Layers, expected.Directions, expected.ProjectionSize, expected.OutputSize, expected.StateSize, expected.ParameterCount),
            ((int)Constant("InputSize"), (int)Constant("HiddenSize"), (int)Constant("Layers"), (int)Constant("Directions"), (int)Constant("ProjectionSize"),
             (int)Constant("OutputSize"), (int)Constant("StateSize"), (int)Constant("ParameterCount")));

        // The factory finds the class by the hand-built shape; the instance reports the same numbers.
        IRecurrentModel<float> model = GeneratedModels.Create(expected, new Random(1));
        Assert.IsType(type, model);
        Assert.Equal(expected, model.Shape);
        Assert.Equal((expected.InputSize, expected.OutputSize, expected.StateSize, expected.ParameterCount), (model.InputSize, model.OutputSize, model.StateSize, model.ParameterCount));
        Assert.Equal(expected.ParameterCount, model.Parameters.Length);
        Assert.Equal(!expected.Bidirectional, model is IStreamingModel<float>);

        // Same seed, same parameters as the reference of the shape.
        var reference = new ReferenceModel<float>(expected, new Random(1));
        Models.AssertBitwise(reference.Parameters, model.Parameters, $"{name}: parameters from one seed");

        // LoadWeights and SaveWeights take a layer only when the model has one layer.
        foreach (MethodInfo method in type.GetMethods().Where(m => m.Name is "LoadWeights" or "SaveWeights"))
        {
            Assert.Equal(expected.Layers == 1, method.GetParameters().Any(p => p.Name == "layer"));
        }
    }

    // ---- Weight files ----

    [Theory]
    [InlineData(nameof(Lstm12x40P16L2BiHead))]
    [InlineData(nameof(LstmProjL2BiHead))]
    [InlineData(nameof(LstmProjBiHead))]
    public void WeightsRoundTripByFileAndStream(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        string[] names = [.. model.Shape.Tensors.Select(t => t.Name)];
        Assert.Contains("rnn.weight_hr_l0_reverse", names);
        Assert.Contains("rnn.bias_hh_l0_reverse", names);
        Assert.Contains("head.weight", names);
        Assert.Contains("head.bias", names);

        string path = Path.Combine(Path.GetTempPath(), $"rnngen-{name}-{Guid.NewGuid():N}.safetensors");
        try
        {
            Save(model, path);
            AssertFileHoldsTheModel(WeightFile.Load(path), model, "", $"{name} by file");
            IRecurrentModel<float> loaded = GeneratedModels.Create(name, new Random(2));
            Load(loaded, path);
            Models.AssertBitwise(model.Parameters, loaded.Parameters, $"{name}: parameters loaded from the file");
        }
        finally
        {
            File.Delete(path);
        }

        using var stream = new MemoryStream();
        Save(model, stream, "encoder.");
        stream.Position = 0;
        AssertFileHoldsTheModel(WeightFile.Load(stream), model, "encoder.", $"{name} by stream");
        stream.Position = 0;
        IRecurrentModel<float> fromStream = GeneratedModels.Create(name, new Random(3));
        Load(fromStream, stream, "encoder.");
        Models.AssertBitwise(model.Parameters, fromStream.Parameters, $"{name}: parameters loaded from the stream");
    }

    private static void AssertFileHoldsTheModel(WeightFile file, IRecurrentModel<float> model, string prefix, string what)
    {
        Assert.Equal(model.Shape.Tensors.Select(t => prefix + t.Name).Order(StringComparer.Ordinal), file.Names);
        foreach (ParameterTensor tensor in model.Shape.Tensors)
        {
            TensorInfo info = file.GetInfo(prefix + tensor.Name);
            Assert.Equal(SafeTensorsDType.F32, info.DType);
            Assert.Equal(tensor.Shape.Select(d => (long)d), info.Shape);
            Models.AssertBitwise(model.Parameters.Slice(tensor.Offset, tensor.Length), file.Read<float>(prefix + tensor.Name), $"{what}: {tensor.Name}");
        }
    }

    [Theory]
    [InlineData(nameof(Lstm12x40P16L2BiHead), "rnn.weight_hr_l1_reverse")]
    [InlineData(nameof(Lstm12x40P16L2BiHead), "head.bias")]
    [InlineData(nameof(GruL2Bi13Head), "rnn.bias_ih_l1_reverse")]
    [InlineData(nameof(LstmL2), "weight_hh_l1")]
    public void AFailedLoadLeavesTheParametersUnchanged(string name, string missing)
    {
        IRecurrentModel<float> source = GeneratedModels.Create(name, new Random(1)), model = GeneratedModels.Create(name, new Random(2));
        float[] before = model.Parameters.ToArray();

        var file = new WeightFile();
        ModelWeights.Save(source, file);
        Assert.True(file.Remove(missing), $"the saved file has no {missing}");
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => Call(model, "LoadWeights", file));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Models.AssertBitwise(before, model.Parameters, $"{name}: parameters after a load missing {missing}");

        // A tensor of another shape, placed after tensors that did fit: nothing of the earlier ones is written either.
        ModelWeights.Save(source, file);
        ParameterTensor last = model.Shape.Tensors[^1];
        file.Write<float>(last.Name, new float[last.Length + 1], [last.Length + 1]);
        Assert.Throws<InvalidDataException>(() => Call(model, "LoadWeights", file));
        Models.AssertBitwise(before, model.Parameters, $"{name}: parameters after a load with a misshapen {last.Name}");

        // Strict: an unused tensor is an error, and again nothing is written.
        ModelWeights.Save(source, file);
        file.Write<float>((model.Shape.RnnName.Length > 0 ? "rnn." : "") + "weight_ih_l9", new float[3], [3]);
        Assert.Throws<InvalidDataException>(() => Call(model, "LoadWeights", file, ("strict", true)));
        Models.AssertBitwise(before, model.Parameters, $"{name}: parameters after a strict load with an extra tensor");

        // And the complete file loads.
        Call(model, "LoadWeights", file);
        Models.AssertBitwise(source.Parameters, model.Parameters, $"{name}: parameters after a good load");
    }

    [Fact]
    public void ASingleLayerModelReadsAnotherLayerOfAStackedFile()
    {
        // A stacked file with layer 0 and layer 1 of a projected LSTM (input 5 → hidden 8, h of 5: layer 1 reads 5 too).
        var layer0 = new LstmProjHead(new Random(1));
        var layer1 = new LstmProjHead(new Random(2));
        layer0.Tensor("head.weight").CopyTo(layer1.Tensor("head.weight"));   // one head in the file, whichever layer is read
        layer0.Tensor("head.bias").CopyTo(layer1.Tensor("head.bias"));
        var file = new WeightFile();
        layer0.SaveWeights(file);
        layer1.SaveWeights(file, layer: 1);
        Assert.Contains("rnn.weight_ih_l1", file.Names);
        Assert.Contains("rnn.weight_hr_l1", file.Names);
        Assert.Contains("rnn.weight_hr_l0", file.Names);

        var model = new LstmProjHead(new Random(3));
        model.LoadWeights(file, layer: 1);
        Models.AssertBitwise(layer1.Parameters, model.Parameters, "parameters read from the _l1 tensors");
        Models.AssertBitwise(file.Read<float>("rnn.weight_hr_l1"), model.Tensor("rnn.weight_hr_l0"), "weight_hr_l1 as the model's weight_hr_l0");
        model.LoadWeights(file);
        Models.AssertBitwise(layer0.Parameters, model.Parameters, "parameters read from the _l0 tensors");

        // A bare single-layer GRU without biases, by stream: weight_ih_l1 and weight_hh_l1 only.
        var gru = new GruNoBias(new Random(4));
        using var stream = new MemoryStream();
        gru.SaveWeights(stream, layer: 1);
        stream.Position = 0;
        WeightFile saved = WeightFile.Load(stream);
        Assert.Equal(new[] { "weight_hh_l1", "weight_ih_l1" }, saved.Names);
        var loaded = new GruNoBias(new Random(5));
        float[] before = loaded.Parameters.ToArray();
        Assert.Throws<InvalidDataException>(() => loaded.LoadWeights(saved));   // layer 0 is not in the file
        Models.AssertBitwise(before, loaded.Parameters, "parameters after reading a missing layer 0");
        loaded.LoadWeights(saved, layer: 1);
        Models.AssertBitwise(gru.Parameters, loaded.Parameters, "GRU parameters read from the _l1 tensors");
    }

    [Fact]
    public void EmbeddedWeightsLoadTheRecurrentModuleAndTheHead()
    {
        Assert.Equal(new ModelShape(CellKind.Lstm, 7, 13, headOutputs: 4, rnnName: "rnn", headName: "head"), EmbeddedTaggerModel.Shape);
        EmbeddedTaggerModel model = EmbeddedTaggerModel.FromEmbeddedWeights();
        WeightFile file = WeightFile.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "safetensors", "tagger.safetensors"));
        Assert.Equal(EmbeddedTaggerModel.Shape.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Names);
        foreach (ParameterTensor tensor in EmbeddedTaggerModel.Shape.Tensors)
        {
            Models.AssertBitwise(file.Read<float>(tensor.Name), model.Tensor(tensor.Name), $"embedded {tensor.Name}");
        }

        // Loaded, not drawn: a second call gives the same parameters.
        Models.AssertBitwise(model.Parameters, EmbeddedTaggerModel.FromEmbeddedWeights().Parameters, "a second FromEmbeddedWeights");
    }

    // Calls through the generated members, whose overloads differ by layer count (the reflection test above checks which exist).
    private static void Save(IRecurrentModel<float> model, string path) => Call(model, "SaveWeights", path);

    private static void Save(IRecurrentModel<float> model, Stream stream, string prefix) => Call(model, "SaveWeights", stream, ("prefix", prefix));

    private static void Load(IRecurrentModel<float> model, string path) => Call(model, "LoadWeights", path, ("strict", true));

    private static void Load(IRecurrentModel<float> model, Stream stream, string prefix) => Call(model, "LoadWeights", stream, ("prefix", prefix), ("strict", true));

    /// <summary>The generated <paramref name="method"/> whose first parameter takes <paramref name="first"/>; other arguments by name, else their defaults.</summary>
    private static void Call(IRecurrentModel<float> model, string method, object first, params (string Name, object Value)[] named)
    {
        MethodInfo target = model.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Single(m => m.Name == method && m.GetParameters()[0].ParameterType.IsInstanceOfType(first));
        object?[] arguments = [.. target.GetParameters().Select(p =>
            p.Position == 0 ? first
            : named.Any(n => n.Name == p.Name) ? named.Single(n => n.Name == p.Name).Value
            : p.HasDefaultValue ? p.DefaultValue : throw new InvalidOperationException($"{method} has no default for {p.Name}"))];
        Assert.All(named, n => Assert.Contains(target.GetParameters(), p => p.Name == n.Name));
        try
        {
            target.Invoke(model, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
        }
    }
}

/// <summary>What a tape records for every layer and direction, to show a refused call left it alone.</summary>
internal sealed class ModelTapeSnapshot
{
    private readonly int _steps;
    private readonly List<float[]> _sections = [];

    public ModelTapeSnapshot(Tape<float> tape)
    {
        _steps = tape.Steps;
        foreach (float[] section in Sections(tape))
        {
            _sections.Add(section);
        }
    }

    public void AssertUnchanged(Tape<float> tape, string what)
    {
        Assert.Equal(_steps, tape.Steps);
        List<float[]> now = [.. Sections(tape)];
        Assert.Equal(_sections.Count, now.Count);
        for (int k = 0; k < now.Count; k++)
        {
            Models.AssertBitwise(_sections[k], now[k], $"{what}: tape section {k}");
        }
    }

    private static IEnumerable<float[]> Sections(Tape<float> tape)
    {
        ModelShape shape = tape.Shape;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            yield return tape.Inputs(layer).ToArray();
            for (int direction = 0; direction < shape.Directions; direction++)
            {
                yield return tape.States(layer, direction).ToArray();
                yield return tape.Activations(layer, direction).ToArray();
            }

            if (layer < shape.Layers - 1 && shape.Dropout > 0)
            {
                yield return tape.Mask(layer).ToArray();
            }
        }

        if (shape.HeadOutputs > 0)
        {
            yield return tape.LayerOutputs.ToArray();
        }
    }
}
