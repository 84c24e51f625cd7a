using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Ragged minibatches (each stream its own length, padded at the end, as pack_padded_sequence): lengths of 0, 1 and T, in
/// no particular order, on bidirectional and projected models with and without a head.
/// <list type="bullet">
/// <item>The generated tape-taking ForwardBatch and BackwardBatch match <see cref="ReferenceModel{T}"/> in double within 2e-6
/// of each tensor's largest entry (the single-stream reference rule, <see cref="ModelReferenceTests"/>).</item>
/// <item>Each stream is the stream run alone for its own length with a single-stream tape: outputs and final states bit for
/// bit, or within 1e-5 relative where the batched pass runs on packed weights (the reverse direction starts at the
/// stream's own last step), state and input gradients within 1e-5 of the stream's
/// largest entry, parameter gradients the sum of the streams' within 2e-6 of the largest, plus, for a head, what the
/// padded rows' output gradients give its bias. Past a stream's end its RNN outputs are exactly +0 (a head gives exactly
/// its bias), its input gradients exactly +0, and its final state and initial-state gradient are carried bit for bit.</item>
/// <item>What the padding holds is never read: NaN padding gives the bits zero padding gives.</item>
/// <item>Lengths out of 0..T or of another count than B throw <see cref="ArgumentException"/> naming <c>lengths</c>, before
/// anything is written (the interface's promise: every length is checked first), in the generated and reference models.</item>
/// </list>
/// </summary>
public sealed class BatchRaggedTests(ITestOutputHelper output)
{
    private const int Steps = 6;

    // The single-stream reference rule, and the batch-vs-single-streams gradient rules of BatchEquivalenceTests.
    private const double ReferenceBound = 2e-6, StreamGradientBound = 1e-5, ParameterGradientBound = 2e-6;

    /// <summary>Bidirectional with a head, projected bidirectional with a head, projected bidirectional without, projected streaming with a head, a GRU stack without.</summary>
    public static TheoryData<string> Names => new(
        [nameof(Gru8x24L2BiHead), nameof(Lstm12x40P16L2BiHead), nameof(LstmProjL2Bi), nameof(LstmProjHead), nameof(GruL3)]);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in (string[])[nameof(Gru8x24L2BiHead), nameof(Lstm12x40P16L2BiHead), nameof(LstmProjL2Bi), nameof(LstmProjHead), nameof(GruL3)])
        {
            foreach (string lengths in LengthSets.Keys)
            {
                data.Add(name, lengths);
            }
        }

        return data;
    }

    /// <summary>Unsorted lengths with 0, 1 and T; a batch of 33 (a whole chunk and one more); every stream shorter than T; all T.</summary>
    private static readonly Dictionary<string, int[]> LengthSets = new(StringComparer.Ordinal)
    {
        ["mixed"] = [Steps, 0, 1, 4, Steps, 2, 3],
        ["33"] = [.. Enumerable.Range(0, 33).Select(b => (b * 5 + 3) % (Steps + 1))],
        ["short"] = [2, 5, 1],
        ["zeros"] = [0, 0],
        ["full"] = [Steps, Steps, Steps, Steps],
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDoubleReference(string name, string lengths)
    {
        (IRecurrentModel<float> model, BatchData data) = Setup(name, lengths);
        var reference = new ReferenceModel<double>(model.Shape);
        FixtureRunner.Widen<float>(model.Parameters).CopyTo(reference.Parameters);

        CellResults expected = data.Run(reference), actual = data.Run(model);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{name} lengths {lengths} {tensor}: {Error.Relative(actual[tensor], expected[tensor]):E2}");
            Error.AssertWithin(actual[tensor], expected[tensor], ReferenceBound, $"{name} lengths [{string.Join(", ", data.Lengths!)}]: {tensor}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachStreamIsTheStreamAloneForItsOwnLength(string name, string lengths)
    {
        (IRecurrentModel<float> model, BatchData data) = Setup(name, lengths);
        ModelShape shape = model.Shape;
        int batch = data.Batch, i = model.InputSize, o = model.OutputSize, s = model.StateSize;
        string what = $"{name} lengths [{string.Join(", ", data.Lengths!)}]";

        Tape<float> tape = model.CreateTape(Steps, batch);
        (float[] outputs, float[] states) = data.Record(model, tape);
        (float[] stateGradients, float[] inputGradients, float[] parameterGradients) = data.Differentiate(model, tape);

        float[] headBias = shape.HeadOutputs > 0 ? model.Parameters.Slice(shape.Tensor($"{shape.HeadName}.bias").Offset, o).ToArray() : new float[o];
        var summed = new double[model.ParameterCount];
        double worstState = 0, worstInput = 0;
        for (int b = 0; b < batch; b++)
        {
            int length = data.LengthOf(b);
            ModelData alone = data.Stream(b, shape);
            Tape<float> single = model.CreateTape(Steps);
            (float[] aloneOutputs, float[] aloneState) = alone.Record(model, single);
            (float[] aloneStateGradient, float[] aloneInputGradients, float[] aloneParameterGradients) = alone.Differentiate(model, single);

            float[] rows = Batches.Rows<float>(outputs, batch, b, o), inputRows = Batches.Rows<float>(inputGradients, batch, b, i);
            bool packed = BatchSubjects.TrainingBatchPacks(shape, batch);
            BatchSubjects.AssertSameOrRounded(aloneOutputs, rows.AsSpan(0, length * o), packed, $"{what}: outputs of stream {b}");
            BatchSubjects.AssertSameOrRounded(aloneState, states.AsSpan(b * s, s), packed, $"{what}: final state of stream {b}");
            for (int t = length; t < Steps; t++)
            {
                // Padding: the RNN's output is +0, which a head maps to its bias; nothing flows back to the inputs.
                Models.AssertBitwise(headBias, rows.AsSpan(t * o, o), $"{what}: padded output of stream {b} at step {t}");
                Models.AssertBitwise(new float[i], inputRows.AsSpan(t * i, i), $"{what}: input gradients of stream {b} at padded step {t}");
            }

            if (length == 0)
            {
                Models.AssertBitwise(FixtureRunner.Convert<float>(alone.InitialState), states.AsSpan(b * s, s), $"{what}: an empty stream's state is carried");
                Models.AssertBitwise(FixtureRunner.Convert<float>(alone.StateGradient), stateGradients.AsSpan(b * s, s), $"{what}: an empty stream's state gradient passes through");
            }

            double[] expectedState = FixtureRunner.Widen<float>(aloneStateGradient), actualState = FixtureRunner.Widen<float>(stateGradients.AsSpan(b * s, s));
            double[] expectedInputs = FixtureRunner.Widen<float>(aloneInputGradients), actualInputs = FixtureRunner.Widen<float>(inputRows.AsSpan(0, length * i));
            Error.AssertWithin(actualState, expectedState, StreamGradientBound, $"{what}: initial-state gradient of stream {b}");
            Error.AssertWithin(actualInputs, expectedInputs, StreamGradientBound, $"{what}: input gradients of stream {b}");
            worstState = Math.Max(worstState, Error.Relative(actualState, expectedState));
            worstInput = Math.Max(worstInput, Error.Relative(actualInputs, expectedInputs));
            for (int k = 0; k < summed.Length; k++)
            {
                summed[k] += aloneParameterGradients[k];
            }

            if (shape.HeadOutputs > 0)
            {
                // The padded outputs are the head's bias, so their gradients reach it (and only it: the head read zeros there).
                int biasOffset = shape.Tensor($"{shape.HeadName}.bias").Offset;
                for (int t = length; t < Steps; t++)
                {
                    for (int k = 0; k < o; k++)
                    {
                        summed[biasOffset + k] += data.OutputGradients[(t * batch + b) * o + k];
                    }
                }
            }
        }

        double[] actual = FixtureRunner.Widen<float>(parameterGradients);
        Error.AssertWithin(actual, summed, ParameterGradientBound, $"{what}: parameter gradients against the streams run alone");
        output.WriteLine($"{what}: state gradients {worstState:E2}, input gradients {worstInput:E2}, parameter gradients {Error.Relative(actual, summed):E2}");
    }

    /// <summary>
    /// What the padding holds is never read, forward or backward: inputs padded with NaN give exactly what inputs padded with
    /// zeros give, and, without a head (whose bias does take them), NaN output gradients on padded steps go nowhere.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void PaddingIsNeverRead(string name)
    {
        (IRecurrentModel<float> model, BatchData zeros) = Setup(name, "mixed");
        int i = model.InputSize, o = model.OutputSize;
        double[] inputs = (double[])zeros.Inputs.Clone(), nanInputs = (double[])zeros.Inputs.Clone();
        double[] outputGradients = (double[])zeros.OutputGradients.Clone();
        for (int b = 0; b < zeros.Batch; b++)
        {
            for (int t = zeros.LengthOf(b); t < Steps; t++)
            {
                Array.Clear(inputs, (t * zeros.Batch + b) * i, i);
                Array.Fill(nanInputs, double.NaN, (t * zeros.Batch + b) * i, i);
                if (model.Shape.HeadOutputs == 0)
                {
                    Array.Fill(outputGradients, double.NaN, (t * zeros.Batch + b) * o, o);
                }
            }
        }

        CellResults clean = (zeros with { Inputs = inputs }).Run(model);
        var failures = new List<string>();
        foreach ((string padding, BatchData data) in new[]
        {
            ("NaN inputs", zeros with { Inputs = nanInputs }),
            ("NaN output gradients", zeros with { Inputs = inputs, OutputGradients = outputGradients }),
        })
        {
            if (padding == "NaN output gradients" && model.Shape.HeadOutputs > 0)
            {
                continue;
            }

            CellResults padded = data.Run(model);
            foreach (ResultTensor tensor in CellResults.Tensors)
            {
                int bad = Enumerable.Range(0, clean[tensor].Length).Count(k => BitConverter.DoubleToInt64Bits(clean[tensor][k]) != BitConverter.DoubleToInt64Bits(padded[tensor][k]));
                if (bad > 0)
                {
                    int first = Enumerable.Range(0, clean[tensor].Length).First(k => BitConverter.DoubleToInt64Bits(clean[tensor][k]) != BitConverter.DoubleToInt64Bits(padded[tensor][k]));
                    failures.Add($"{padding}: {tensor} differs from zero padding in {bad} of {clean[tensor].Length} values, first [{first}]: {padded[tensor][first]:R}, expected {clean[tensor][first]:R}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{name}, lengths [{string.Join(", ", zeros.Lengths!)}]:\n{string.Join("\n", failures)}");
    }

    /// <summary>Lengths all T are no lengths, and a tape that recorded a ragged batch records a full one as a fresh tape does.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void FullLengthsAreNoLengthsAndATapeForgetsThem(string name)
    {
        (IRecurrentModel<float> model, BatchData ragged) = Setup(name, "mixed");
        BatchData full = ragged.FullLength, allT = ragged with { Lengths = [.. Enumerable.Repeat(Steps, ragged.Batch)] };
        CellResults fresh = full.Run(model);

        AssertSame(fresh, allT.Run(model), $"{name}: lengths all T against none");

        Tape<float> tape = model.CreateTape(Steps + 2, ragged.Batch);
        ragged.Run(model, tape);
        AssertSame(fresh, full.Run(model, tape), $"{name}: a full batch on a tape that recorded a ragged one");

        static void AssertSame(CellResults expected, CellResults actual, string what)
        {
            foreach (ResultTensor tensor in CellResults.Tensors)
            {
                Models.AssertBitwise([.. expected[tensor].Select(v => (float)v)], [.. actual[tensor].Select(v => (float)v)], $"{what}: {tensor}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void BadLengthsNameTheArgumentAndWriteNothing(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        var reference = new ReferenceModel<float>(model.Shape);
        model.Parameters.CopyTo(reference.Parameters);
        const int Batch = 3;
        var random = new Random(2);
        float[] inputs = Models.Uniform(random, Steps * Batch * model.InputSize);
        foreach (IRecurrentModel<float> subject in new[] { model, reference })
        {
            string who = $"{name} ({(subject == model ? "generated" : "reference")})";
            Tape<float> tape = subject.CreateTape(Steps, Batch);
            subject.ForwardBatch(inputs, new float[Steps * Batch * model.OutputSize], Models.Uniform(random, Batch * model.StateSize), tape, [Steps, 2, 0]);
            var record = new ModelTapeSnapshot(tape);
            float[] outputs = Models.Uniform(random, Steps * Batch * model.OutputSize), states = Models.Uniform(random, Batch * model.StateSize);
            float[] outputsBefore = (float[])outputs.Clone(), statesBefore = (float[])states.Clone();

            foreach ((int[] lengths, string[] mentions) in new (int[], string[])[]
            {
                ([Steps, -1, 2], ["lengths[1]", "-1", $"{Steps}"]),
                ([Steps + 1, 2, 2], ["lengths[0]", $"{Steps + 1}", $"{Steps}"]),
                ([0, 2, int.MinValue], ["lengths[2]", $"{int.MinValue}"]),
                ([Steps, Steps], ["2", $"{Batch}"]),
                ([1, 1, 1, 1], ["4", $"{Batch}"]),
            })
            {
                ArgumentException e = Assert.Throws<ArgumentException>(() => subject.ForwardBatch(inputs, outputs, states, tape, lengths));
                Assert.True(e.ParamName == "lengths", $"{who}: lengths [{string.Join(", ", lengths)}] refused naming '{e.ParamName}': {e.Message}");
                foreach (string mention in mentions)
                {
                    Assert.Contains(mention, e.Message, StringComparison.Ordinal);
                }
            }

            Models.AssertBitwise(outputsBefore, outputs, $"{who}: outputs after the refused calls");
            Models.AssertBitwise(statesBefore, states, $"{who}: states after the refused calls");
            record.AssertUnchanged(tape, $"{who}: the tape after the refused calls");
            Assert.Equal(Steps, tape.Steps);
            Assert.Equal([Steps, 2, 0], tape.Lengths.ToArray());
        }
    }

    private static (IRecurrentModel<float> Model, BatchData Data) Setup(string name, string lengths)
    {
        int[] set = LengthSets[lengths];
        int seed = name.Length * 100 + set.Length;
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(seed));
        return (model, BatchData.Random(new Random(seed + 1), model.Shape, Steps, set.Length, set));
    }
}
