using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// A batch of B streams is B independent single streams, for B = 1, 2, 3, 4, 6, 7, 32 and 33 (every remainder of the
/// packed kernels' register blocks: 3 streams on Vector256, 4 (LSTM) or 5 (GRU) on Vector512; one whole chunk of 32 and
/// one more), on stacked, bidirectional, projected, GRU and head-carrying models and on single cells (H of 13, 16, 65, 128):
/// <list type="bullet">
/// <item>Inference on the model's own weights is bit for bit: the live StepBatch, the streaming ForwardBatch and the
/// workspace ForwardBatch equal B separate Steps exactly, on every SIMD path (each stream's sums are taken in the
/// single-stream order); against B separate workspace Forwards of a unidirectional model, which hoist layer 0's input
/// projection, within the float-rounding rule (<see cref="Models.SequenceTolerance"/>), as is the streaming ForwardBatch
/// of B = 1 (a single-stream Forward) against Steps, and every ForwardBatch that packs the parameters for the frozen
/// kernels' Vector512 body (<see cref="Hoisting.PacksBatch"/>).</item>
/// <item>The frozen snapshot's StepBatch / ForwardBatch against B separate frozen Steps / Forwards over 200 steps, weights
/// ×1 and ×4 (B = 1, 2, 3, 4, 6, 7, 33): bit for bit for B = 1 and wherever the batched frozen step takes the single step's
/// order (<see cref="BatchSubjects.FrozenBatchReorders"/>); where it does not (GRUs and 8-unit tiles on the packed
/// Vector256 kernel) within the frozen-vs-model rule, elementwise 3e-5 × max(1, |single-stream value|) (observed ≤ 5e-6).</item>
/// <item>Training: the tape-taking ForwardBatch's outputs and final states equal single-stream tape Forwards bit for bit,
/// except where it runs on packed weights (<see cref="BatchSubjects.TrainingBatchPacks"/>: B &gt; 1 on the Vector256 path,
/// H a multiple of 8, no projection), then within 1e-5 × max(1, |value|);
/// BackwardBatch's per-stream state and input gradients are the single-stream Backward's within 1e-5 of each stream's
/// largest entry (the batched transposed products add in another order; observed ≤ 2.3e-6, bit for bit on the scalar
/// path and when B = 1), and its parameter gradients are the sum of the B single-stream parameter gradients within 2e-6
/// of the largest (observed ≤ 8e-7).</item>
/// </list>
/// </summary>
public sealed class BatchEquivalenceTests(ITestOutputHelper output)
{
    private const int Steps = 5, FrozenSteps = 200;

    // Training, relative to the largest entry: each stream's state and input gradients, and the summed parameter gradients.
    private const double StreamGradientBound = 1e-5, ParameterGradientBound = 2e-6;

    // The frozen rule (ModelFrozenTests): elementwise 3e-5 × max(1, |expected|).
    private const float FrozenTolerance = 3e-5f;

    private static readonly int[] BatchSizes = [1, 2, 3, 4, 6, 7, 32, 33];

    /// <summary>200 steps of every stream is the costly test (on the scalar path above all): without the whole chunk of 32.</summary>
    private static readonly int[] FrozenBatchSizes = [1, 2, 3, 4, 6, 7, 33];

    /// <summary>
    /// Models: stacked with a head (H 64), bidirectional with a head, projected bidirectional with a head, projected
    /// streaming, a GRU stack with a head, a bidirectional GRU of H 13, the dropout model's twin, and reset-before GRUs (a
    /// stack of H 64, a bidirectional stack of H 13 with a head), whose batched kernels run stream by stream.
    /// </summary>
    private static readonly string[] ModelNames =
    [
        nameof(Lstm32x64L2Head), nameof(Gru8x24L2BiHead), nameof(Lstm12x40P16L2BiHead), nameof(LstmProjHead),
        nameof(GruL3Head), nameof(GruL2Bi13), nameof(LstmDropoutTwin), nameof(GruRb16x64L2), nameof(GruRbL2Bi13Head),
    ];

    /// <summary>
    /// Cells: H not a multiple of 8 (13, 65, 180), H of 16 (one packed frozen tile), H of 128; LSTM (64,128) and GRU
    /// (100,180) step their live batches gate by gate on Vector512 (8-stream chunks: 7 is one short chunk, 33 ends in one).
    /// </summary>
    private static readonly string[] CellNames =
    [
        "cell Lstm 7 13", "cell Gru 7 13", "cell Lstm 8 16", "cell Gru 33 65", "cell Lstm 64 128", "cell Gru 64 128", "cell Gru 100 180",
    ];

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in ModelNames.Concat(CellNames))
        {
            foreach (int batch in BatchSizes)
            {
                data.Add(name, batch);
            }
        }

        return data;
    }

    /// <summary>The dropout model too: inference has no dropout, so its batches must be its single streams as well.</summary>
    public static TheoryData<string, int> InferenceCases()
    {
        TheoryData<string, int> data = Cases();
        foreach (int batch in BatchSizes)
        {
            data.Add(nameof(LstmDropout), batch);
        }

        return data;
    }

    /// <summary>The models, the 8-unit tiles of <see cref="LstmL2"/>, and cells of H 13, 65 (≥ 64, not a multiple of 8) and 16 (one packed tile).</summary>
    public static TheoryData<string, double> FrozenCases()
    {
        var data = new TheoryData<string, double>();
        foreach (string name in ModelNames.Append(nameof(LstmL2)).Concat(["cell Lstm 7 13", "cell Gru 33 65", "cell Lstm 8 16", "cell Gru 8 16"]))
        {
            data.Add(name, 1.0);
            data.Add(name, 4.0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InferenceCases))]
    public void InferenceEqualsSingleStreamsBitForBit(string name, int batch)
    {
        IRecurrentModel<float> model = BatchSubjects.Create(name, new Random(batch));
        var data = BatchData.Random(new Random(100 + batch), model.Shape, Steps, batch);
        int o = model.OutputSize;
        ModelData[] streams = [.. Enumerable.Range(0, batch).Select(b => data.Stream(b, model.Shape))];

        // Through a workspace (the only pass of a bidirectional model), one roomier than needed. A pass that packs the
        // parameters (Hoisting.PacksBatch) sums in the frozen kernels' order: the rounding rule, as against hoisting Forwards.
        bool packs = Hoisting.PacksBatch(model.Shape, Steps, batch);
        (float[] outputs, float[] states) = data.Infer(model, model.CreateWorkspace(Steps + 3, batch + 5));
        var single = streams.Select(s => s.Infer(model)).ToArray();
        float tolerance = model.Shape.Bidirectional && !packs ? 0 : Models.SequenceTolerance;
        AssertStreams(single.Select(r => r.Outputs), outputs, batch, o, $"{name} B={batch}: ForwardBatch(workspace) outputs", tolerance);
        AssertSame([.. single.SelectMany(r => r.State)], states, tolerance, $"{name} B={batch}: ForwardBatch(workspace) final states");
        Assert.Contains(outputs, v => v != 0);

        if (model is not IStreamingModel<float> streaming)
        {
            Assert.True(model.Shape.Bidirectional);
            return;
        }

        var stepped = streams.Select(s => s.StepByStep(streaming)).ToArray();
        (float[] streamOutputs, float[] streamStates) = data.Stream(streaming);
        // One stream's ForwardBatch is its Forward, which hoists the input projection: the rounding rule; B > 1 steps exactly
        // unless it packs.
        float streamTolerance = batch == 1 || packs ? Models.SequenceTolerance : 0;
        AssertStreams(stepped.Select(r => r.Outputs), streamOutputs, batch, o, $"{name} B={batch}: streaming ForwardBatch outputs", streamTolerance);
        AssertSame([.. stepped.SelectMany(r => r.State)], streamStates, streamTolerance, $"{name} B={batch}: streaming ForwardBatch final states");
        (float[] stepOutputs, float[] stepStates) = data.StepByStep(streaming);
        AssertStreams(stepped.Select(r => r.Outputs), stepOutputs, batch, o, $"{name} B={batch}: StepBatch outputs");
        Models.AssertBitwise([.. stepped.SelectMany(r => r.State)], stepStates, $"{name} B={batch}: StepBatch final states");

        if (model is IRecurrentCell<float> cell)
        {
            // A cell's own StepBatch(inputs, states): each new h is the first H values of its state.
            int i = cell.InputSize, s = cell.StateSize;
            float[] inputs = FixtureRunner.Convert<float>(data.Inputs), batched = FixtureRunner.Convert<float>(data.InitialStates), separate = (float[])batched.Clone();
            for (int t = 0; t < Steps; t++)
            {
                cell.StepBatch(inputs.AsSpan(t * batch * i, batch * i), batched);
                for (int b = 0; b < batch; b++)
                {
                    cell.Step(inputs.AsSpan((t * batch + b) * i, i), separate.AsSpan(b * s, s));
                }

                Models.AssertBitwise(separate, batched, $"{name} B={batch}: cell StepBatch states after step {t}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FrozenCases))]
    public void FrozenBatchEqualsFrozenSingleStreams(string name, double scale)
    {
        IRecurrentModel<float> model = Models.Scaled(BatchSubjects.Create(name, new Random(7)), scale);
        IFrozenModel<float> frozen = BatchSubjects.Freeze(model);
        bool reorders = BatchSubjects.FrozenBatchReorders(model.Shape);
        int input = frozen.InputSize, o = frozen.OutputSize, s = frozen.StateSize;
        double worst = 0;
        foreach (int batch in FrozenBatchSizes)
        {
            bool bitwise = batch == 1 || !reorders;
            string what = $"{name} ×{scale} B={batch}";
            var data = BatchData.Random(new Random(200 + batch), model.Shape, FrozenSteps, batch);
            float[] inputs = FixtureRunner.Convert<float>(data.Inputs);

            // Through a workspace, every model: B frozen Forwards against one ForwardBatch.
            float[] expectedOutputs = new float[FrozenSteps * batch * o], expectedStates = FixtureRunner.Convert<float>(data.InitialStates);
            Workspace<float> workspace = frozen.CreateWorkspace(FrozenSteps);
            for (int b = 0; b < batch; b++)
            {
                float[] outputs = new float[FrozenSteps * o];
                frozen.Forward(Batches.Rows<float>(inputs, batch, b, input), outputs, expectedStates.AsSpan(b * s, s), workspace);
                Batches.SetRows<float>(expectedOutputs, batch, b, o, outputs);
            }

            (float[] actualOutputs, float[] actualStates) = data.Infer(frozen);
            Check(expectedOutputs, actualOutputs, "frozen ForwardBatch(workspace) outputs");
            Check(expectedStates, actualStates, "frozen ForwardBatch(workspace) final states");

            if (frozen is not IFrozenStreamingModel<float> streaming)
            {
                continue;
            }

            // Step by step, compared after every step: an error that grows is caught where it starts.
            float[] separate = FixtureRunner.Convert<float>(data.InitialStates), together = (float[])separate.Clone();
            float[] separateOutputs = new float[batch * o], togetherOutputs = new float[FrozenSteps * batch * o];
            for (int t = 0; t < FrozenSteps; t++)
            {
                for (int b = 0; b < batch; b++)
                {
                    streaming.Step(inputs.AsSpan((t * batch + b) * input, input), separate.AsSpan(b * s, s), separateOutputs.AsSpan(b * o, o));
                }

                Span<float> stepOutputs = togetherOutputs.AsSpan(t * batch * o, batch * o);
                streaming.StepBatch(inputs.AsSpan(t * batch * input, batch * input), together, stepOutputs);
                Check(separateOutputs, stepOutputs.ToArray(), $"frozen StepBatch outputs of step {t}");
                Check(separate, together, $"frozen StepBatch states after step {t}");
            }

            // The streaming ForwardBatch is StepBatch repeated, bit for bit.
            (float[] streamOutputs, float[] streamStates) = data.Stream(streaming);
            Models.AssertBitwise(togetherOutputs, streamOutputs, $"{what}: frozen streaming ForwardBatch outputs against StepBatch");
            Models.AssertBitwise(together, streamStates, $"{what}: frozen streaming ForwardBatch final states against StepBatch");
            Check(expectedOutputs, streamOutputs, "frozen streaming ForwardBatch outputs against frozen Forward(workspace)");

            if (frozen is IFrozenCell<float> cell)
            {
                float[] cellStates = FixtureRunner.Convert<float>(data.InitialStates), cellSeparate = (float[])cellStates.Clone();
                for (int t = 0; t < FrozenSteps; t++)
                {
                    cell.StepBatch(inputs.AsSpan(t * batch * input, batch * input), cellStates);
                    for (int b = 0; b < batch; b++)
                    {
                        cell.Step(inputs.AsSpan((t * batch + b) * input, input), cellSeparate.AsSpan(b * s, s));
                    }
                }

                Check(cellSeparate, cellStates, "frozen cell StepBatch(inputs, states) final states");
            }

            void Check(float[] expected, float[] actual, string part)
            {
                if (bitwise)
                {
                    Models.AssertBitwise(expected, actual, $"{what}: {part}");
                }
                else
                {
                    Models.AssertClose(expected, actual, FrozenTolerance, $"{what}: {part}");
                    worst = Math.Max(worst, Batches.Worst(expected, actual));
                }
            }
        }

        output.WriteLine($"{name} ×{scale}: {(reorders ? $"sums reordered, worst {worst:E2}" : "bit for bit")}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainingEqualsSingleStreams(string name, int batch)
    {
        foreach (double scale in new[] { 1.0, 4.0 })
        {
            string what = $"{name} ×{scale} B={batch}";
            IRecurrentModel<float> model = Models.Scaled(BatchSubjects.Create(name, new Random(batch)), scale);
            Assert.Equal(0, model.Shape.Dropout);
            var data = BatchData.Random(new Random(300 + batch), model.Shape, Steps, batch);
            int i = model.InputSize, o = model.OutputSize, s = model.StateSize;

            Tape<float> tape = model.CreateTape(Steps, batch);
            Assert.Equal(batch, tape.BatchSize);
            (float[] outputs, float[] states) = data.Record(model, tape);
            (float[] stateGradients, float[] inputGradients, float[] parameterGradients) = data.Differentiate(model, tape);

            var summed = new double[model.ParameterCount];
            double worstState = 0, worstInput = 0;
            for (int b = 0; b < batch; b++)
            {
                ModelData stream = data.Stream(b, model.Shape);
                Tape<float> single = model.CreateTape(Steps);
                (float[] streamOutputs, float[] streamState) = stream.Record(model, single);
                bool reordered = BatchSubjects.TrainingBatchPacks(model.Shape, batch) || (batch > 1 && BatchSubjects.SingleStreamTapeHoists(model.Shape));
                BatchSubjects.AssertSameOrRounded(streamOutputs, Batches.Rows<float>(outputs, batch, b, o), reordered, $"{what}: tape ForwardBatch outputs of stream {b}");
                BatchSubjects.AssertSameOrRounded(streamState, states.AsSpan(b * s, s), reordered, $"{what}: tape ForwardBatch final state of stream {b}");

                (float[] stateGradient, float[] streamInputGradients, float[] streamParameterGradients) = stream.Differentiate(model, single);
                double[] expectedState = FixtureRunner.Widen<float>(stateGradient), expectedInputs = FixtureRunner.Widen<float>(streamInputGradients);
                double[] actualState = FixtureRunner.Widen<float>(stateGradients.AsSpan(b * s, s)), actualInputs = FixtureRunner.Widen<float>(Batches.Rows<float>(inputGradients, batch, b, i));
                if (batch == 1)
                {
                    Models.AssertBitwise(stateGradient, stateGradients, $"{what}: BackwardBatch state gradients");
                    Models.AssertBitwise(streamInputGradients, inputGradients, $"{what}: BackwardBatch input gradients");
                    Models.AssertBitwise(streamParameterGradients, parameterGradients, $"{what}: BackwardBatch parameter gradients");
                }

                Error.AssertWithin(actualState, expectedState, StreamGradientBound, $"{what}: BackwardBatch state gradient of stream {b}");
                Error.AssertWithin(actualInputs, expectedInputs, StreamGradientBound, $"{what}: BackwardBatch input gradients of stream {b}");
                worstState = Math.Max(worstState, Error.Relative(actualState, expectedState));
                worstInput = Math.Max(worstInput, Error.Relative(actualInputs, expectedInputs));
                for (int k = 0; k < summed.Length; k++)
                {
                    summed[k] += streamParameterGradients[k];
                }
            }

            double[] actual = FixtureRunner.Widen<float>(parameterGradients);
            Assert.Contains(actual, v => v != 0);
            Error.AssertWithin(actual, summed, ParameterGradientBound, $"{what}: BackwardBatch parameter gradients against the sum of {batch} single-stream Backwards");
            output.WriteLine($"{what}: state gradients {worstState:E2}, input gradients {worstInput:E2}, parameter gradients {Error.Relative(actual, summed):E2}");
        }
    }

    /// <summary>Bit for bit when <paramref name="tolerance"/> is 0, else within it × max(1, |expected|).</summary>
    private static void AssertSame(float[] expected, float[] actual, float tolerance, string what)
    {
        if (tolerance == 0)
        {
            Models.AssertBitwise(expected, actual, what);
        }
        else
        {
            Models.AssertClose(expected, actual, tolerance, what);
        }
    }

    /// <summary>Each stream's [T, O] outputs against its rows of the batch's [T, B, O] outputs, bit for bit (or within <paramref name="tolerance"/>).</summary>
    private static void AssertStreams(IEnumerable<float[]> streams, float[] batchOutputs, int batch, int width, string what, float tolerance = 0)
    {
        int b = 0;
        foreach (float[] stream in streams)
        {
            AssertSame(stream, Batches.Rows<float>(batchOutputs, batch, b, width), tolerance, $"{what}, stream {b}");
            b++;
        }

        Assert.Equal(batch, b);
    }
}
