using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Infrastructure.ContractHelpers;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The <see cref="IRecurrentCell{T}"/> contract, checked on generated cells of both kinds: the checks of
/// <see cref="CellContract"/> that <see cref="ReferenceContractTests"/> makes of the reference cells, plus what only fixed-size SIMD code can
/// get wrong (tail paths of each shape, a stale copy of the weights, a tape layout of its own, shared scratch).
/// </summary>
public sealed class GeneratedContractTests(ITestOutputHelper output)
{
    private const int Steps = 7;

    /// <summary>Below, at and above a vector's lanes, odd sizes, and the benchmark size.</summary>
    private static readonly (int Input, int Hidden)[] Shapes = [(1, 1), (1, 8), (3, 5), (16, 17), (64, 128)];

    public static TheoryData<CellKind, int, int> KindsAndShapes
    {
        get
        {
            var data = new TheoryData<CellKind, int, int>();
            foreach (CellKind kind in Enum.GetValues<CellKind>())
            {
                foreach (var (input, hidden) in Shapes)
                {
                    data.Add(kind, input, hidden);
                }
            }

            return data;
        }
    }

    public static TheoryData<CellKind, int, int, int> KindsShapesAndLengths
    {
        get
        {
            var data = new TheoryData<CellKind, int, int, int>();
            foreach (CellKind kind in Enum.GetValues<CellKind>())
            {
                foreach (var (input, hidden) in Shapes)
                {
                    foreach (int steps in new[] { 1, 7, 60 })
                    {
                        data.Add(kind, input, hidden, steps);
                    }
                }
            }

            return data;
        }
    }

    // ---- Forward, Step and the tape ----

    [Theory]
    [MemberData(nameof(KindsShapesAndLengths))]
    public void ForwardEqualsOneStepPerTimeStep(CellKind kind, int input, int hidden, int steps) =>
        CellContract.ForwardEqualsOneStepPerTimeStep(Cell(kind, input, hidden), steps);

    [Theory]
    [MemberData(nameof(KindsShapesAndLengths))]
    public void TapedForwardEqualsForwardAndRecordsTheSequence(CellKind kind, int input, int hidden, int steps) =>
        CellContract.TapedForwardEqualsForwardAndRecordsTheSequence(Cell(kind, input, hidden), steps);

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void BackwardTwiceOnTheSameTapeRepeatsAndAccumulates(CellKind kind, int input, int hidden)
    {
        // Measured: at most 1.2e-7 of the largest entry (float rounding of the re-added terms, every path);
        // 1e-6 leaves room, while a gradient added once or three times is off by 50 %.
        const double Bound = 1e-6;
        CellContract.BackwardTwiceOnTheSameTapeRepeatsAndAccumulates(Cell(kind, input, hidden), Steps, Bound, output);
    }

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void EmptyInputGradientsSkipOnlyThem(CellKind kind, int input, int hidden) =>
        CellContract.EmptyInputGradientsSkipOnlyThem(Cell(kind, input, hidden), Steps);

    // ---- Parameters: initialisation and views ----

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void SameSeedGivesTheReferenceCellsParameters(CellKind kind, int input, int hidden)
    {
        const int Seed = 5;
        var cell = GeneratedCells.Create(kind, input, hidden, new Random(Seed));
        ReferenceCell<float> reference = Create<float>(kind, input, hidden, Seed);
        Assert.Equal(reference.ParameterCount, cell.ParameterCount);
        AssertBitwiseEqual<float>(reference.Parameters, cell.Parameters, "parameters from the same seed");
        Assert.False(
            cell.Parameters.SequenceEqual(GeneratedCells.Create(kind, input, hidden, new Random(Seed + 1)).Parameters),
            "another seed gave the same parameters");

        // Without a Random the cell draws from Random.Shared: still PyTorch's range, and not a fixed sequence.
        float bound = (float)(1 / Math.Sqrt(hidden));
        var unseeded = GeneratedCells.Create(kind, input, hidden);
        Assert.All(unseeded.Parameters.ToArray(), p => Assert.True(Math.Abs(p) <= bound, $"{p} outside [−{bound}, {bound}]"));
        Assert.False(unseeded.Parameters.SequenceEqual(GeneratedCells.Create(kind, input, hidden).Parameters), "two unseeded cells drew the same parameters");
    }

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void WritesThroughParametersAndViewsTakeEffectAtTheNextCall(CellKind kind, int input, int hidden)
    {
        int rows = CellShape.GateCount(kind) * hidden;
        var views = new (string Name, int Offset, int Length, ViewOf View)[]
        {
            ("Parameters", 0, rows * (input + hidden + 2), c => c.Parameters),
            ("ParameterMemory", 0, rows * (input + hidden + 2), c => c.ParameterMemory.Span),   // what optimizers keep
            ("WeightIh", 0, rows * input, c => c.WeightIh),
            ("WeightHh", rows * input, rows * hidden, c => c.WeightHh),
            ("BiasIh", rows * (input + hidden), rows, c => c.BiasIh),
            ("BiasHh", rows * (input + hidden + 1), rows, c => c.BiasHh),
        };

        var random = new Random(2);
        float[] inputs = Uniform<float>(random, Steps * input, 1.5), initial = Uniform<float>(random, StateSize(kind, hidden), 1.5);
        float[] outputGradients = Uniform<float>(random, Steps * hidden, 1), finalStateGradient = Uniform<float>(random, StateSize(kind, hidden), 1);
        foreach (var (name, offset, length, view) in views)
        {
            var cell = Cell(kind, input, hidden);
            CellContract.AssertView(cell, view(cell), offset, length, name);

            // Run every entry point once (so anything a kernel might cache is cached), then write through the view.
            var before = Run(cell, inputs, initial, outputGradients, finalStateGradient);
            int k = length / 2;
            view(cell)[k] += 0.5f;

            // A fresh cell given the same parameters before its first call is what the written cell must now compute.
            var fresh = GeneratedCells.Create(kind, input, hidden);
            cell.Parameters.CopyTo(fresh.Parameters);
            var expected = Run(fresh, inputs, initial, outputGradients, finalStateGradient);
            var after = Run(cell, inputs, initial, outputGradients, finalStateGradient);
            string what = $"after {name}[{k}] += 0.5";
            Assert.False(before.StepState.AsSpan().SequenceEqual(after.StepState), $"{what}: Step gives the same state as before the write");
            AssertBitwiseEqual<float>(expected.StepState, after.StepState, $"{what}: Step");
            AssertBitwiseEqual<float>(expected.Outputs, after.Outputs, $"{what}: Forward outputs");
            AssertBitwiseEqual<float>(expected.TapedOutputs, after.TapedOutputs, $"{what}: Forward (tape) outputs");
            AssertBitwiseEqual<float>(expected.Gradients.Inputs, after.Gradients.Inputs, $"{what}: input gradients");
            AssertBitwiseEqual<float>(expected.Gradients.State, after.Gradients.State, $"{what}: state gradient");
            AssertBitwiseEqual<float>(expected.Gradients.Parameters, after.Gradients.Parameters, $"{what}: parameter gradients");
        }
    }

    // ---- Tapes ----

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void TapeOfAnotherShapeThrowsAndWritesNothing(CellKind kind, int input, int hidden) =>
        CellContract.TapeOfAnotherShapeThrowsAndWritesNothing(Cell(kind, input, hidden), Steps);

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void TapeWithTooFewStepsThrowsAndWritesNothing(CellKind kind, int input, int hidden) =>
        CellContract.TapeWithTooFewStepsThrowsAndWritesNothing(Cell(kind, input, hidden), Steps);

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void TapesAreInterchangeableWithTheReferenceCell(CellKind kind, int input, int hidden)
    {
        // Measured: the two float implementations differ by at most 1.0e-6 of a tensor's largest entry (GRU
        // (64,128) state gradient, every path: other summation orders, other activation code); a tape read
        // in another layout is off by O(1).
        const double Bound = 1e-5;
        var cell = Cell(kind, input, hidden);
        ReferenceCell<float> reference = Create<float>(kind, input, hidden, seed: 1);
        var random = new Random(2);
        float[] inputs = Uniform<float>(random, Steps * input, 1.5), initial = Uniform<float>(random, cell.StateSize, 1.5);
        float[] outputGradients = Uniform<float>(random, Steps * hidden, 1), finalStateGradient = Uniform<float>(random, cell.StateSize, 1);

        // Each cell records into a tape the other created, exactly as into its own.
        var generatedRecord = Taped(cell, reference.CreateTape(Steps));
        var ownGenerated = Taped(cell, cell.CreateTape(Steps));
        var referenceRecord = Taped(reference, cell.CreateTape(Steps));
        var ownReference = Taped(reference, reference.CreateTape(Steps));
        AssertSameRecord(ownGenerated, generatedRecord, "generated cell, reference-made tape");
        AssertSameRecord(ownReference, referenceRecord, "reference cell, generated-made tape");

        // Both record the same values in the same places: inputs and the initial state exactly, the rest to float rounding.
        AssertBitwiseEqual<float>(referenceRecord.Tape.Inputs(0), generatedRecord.Tape.Inputs(0), "recorded inputs");
        AssertBitwiseEqual<float>(referenceRecord.Tape.States(0, 0)[..cell.StateSize], generatedRecord.Tape.States(0, 0)[..cell.StateSize], "recorded initial state");
        AssertClose(generatedRecord.Tape.States(0, 0), referenceRecord.Tape.States(0, 0), Bound, "recorded states");
        AssertClose(generatedRecord.Tape.Activations(0, 0), referenceRecord.Tape.Activations(0, 0), Bound, "recorded activations");

        // Each Backward reads the other's record: gradients from one tape agree to float rounding.
        foreach (var (name, tape) in new[] { ("a tape the generated cell recorded", generatedRecord.Tape), ("a tape the reference cell recorded", referenceRecord.Tape) })
        {
            var g = RunBackward(cell, tape, outputGradients, finalStateGradient, new float[cell.ParameterCount]);
            var r = RunBackward(reference, tape, outputGradients, finalStateGradient, new float[cell.ParameterCount]);
            AssertClose(g.Inputs, r.Inputs, Bound, $"input gradients from {name}");
            AssertClose(g.State, r.State, Bound, $"state gradient from {name}");
            AssertClose(g.Parameters, r.Parameters, Bound, $"parameter gradients from {name}");
        }

        (float[] Outputs, float[] State, Tape<float> Tape) Taped(IRecurrentCell<float> c, Tape<float> tape)
        {
            var outputs = new float[Steps * hidden];
            var state = (float[])initial.Clone();
            c.Forward(inputs, outputs, state, tape);
            return (outputs, state, tape);
        }

        void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double bound, string what)
        {
            double[] a = FixtureRunner.Widen<float>(actual), e = FixtureRunner.Widen<float>(expected);
            output.WriteLine($"{kind} ({input},{hidden}) {what}: generated vs reference {Error.Relative(a, e):E2}");
            Error.AssertWithin(a, e, bound, $"{kind} ({input},{hidden}) {what}");
        }

        static void AssertSameRecord((float[] Outputs, float[] State, Tape<float> Tape) own, (float[] Outputs, float[] State, Tape<float> Tape) other, string what)
        {
            AssertBitwiseEqual<float>(own.Outputs, other.Outputs, $"{what}: outputs");
            AssertBitwiseEqual<float>(own.State, other.State, $"{what}: final state");
            new TapeSnapshot<float>(own.Tape).AssertUnchanged(other.Tape);
        }
    }

    // ---- Argument checks ----

    public static TheoryData<CellKind, int, int, string, string, int> WrongLengths
    {
        get
        {
            // Shapes with I > 1: with I = 1 every length of inputs is a whole number of rows.
            var data = new TheoryData<CellKind, int, int, string, string, int>();
            foreach (CellKind kind in Enum.GetValues<CellKind>())
            {
                foreach (var (input, hidden) in Shapes.Where(s => s.Input > 1))
                {
                    foreach (var (method, parameter) in CallArguments<float>.SpanParameters)
                    {
                        data.Add(kind, input, hidden, method, parameter, -1);
                        data.Add(kind, input, hidden, method, parameter, +1);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(WrongLengths))]
    public void WrongSpanLengthThrowsNamingTheParameterAndWritesNothing(CellKind kind, int input, int hidden, string method, string parameter, int delta) =>
        CellContract.WrongSpanLengthThrowsNamingTheParameterAndWritesNothing(Cell(kind, input, hidden), Steps, method, parameter, delta);

    // ---- Threads ----

    [Theory]
    [MemberData(nameof(KindsAndShapes))]
    public void OneInstanceServesFourThreadsAsIfSequential(CellKind kind, int input, int hidden)
    {
        // Step and Forward keep their scratch on the stack, so one cell may serve independent streams at once.
        const int Threads = 4, Rounds = 50;
        var cell = Cell(kind, input, hidden);
        var streams = new (float[] Inputs, float[] Initial)[Threads];
        for (int s = 0; s < Threads; s++)
        {
            var random = new Random(10 + s);
            streams[s] = (Uniform<float>(random, Steps * input, 1.5), Uniform<float>(random, cell.StateSize, 1.5));
        }

        var sequential = new float[Threads][];
        for (int s = 0; s < Threads; s++)
        {
            sequential[s] = RunStream(streams[s].Inputs, streams[s].Initial);
        }

        var concurrent = new float[Threads][];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(s => new Thread(() =>
        {
            start.SignalAndWait();
            concurrent[s] = RunStream(streams[s].Inputs, streams[s].Initial);
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        for (int s = 0; s < Threads; s++)
        {
            Assert.NotNull(concurrent[s]);
            AssertBitwiseEqual<float>(sequential[s], concurrent[s], $"stream {s}: results on 4 threads against alone");
        }

        // Rounds of Steps and Forwards interleaved, every intermediate state and output kept, so a moment of
        // shared scratch anywhere shows up as a difference.
        float[] RunStream(float[] inputs, float[] initial)
        {
            var trace = new List<float>();
            var state = (float[])initial.Clone();
            var outputs = new float[Steps * hidden];
            for (int round = 0; round < Rounds; round++)
            {
                for (int t = 0; t < Steps; t++)
                {
                    cell.Step(inputs.AsSpan(t * input, input), state);
                    trace.AddRange(state);
                }

                cell.Forward(inputs, outputs, state);
                trace.AddRange(outputs);
                trace.AddRange(state);
            }

            return trace.ToArray();
        }
    }

    /// <summary>The generated cell of this kind and shape, its parameters drawn from <c>new Random(1)</c>.</summary>
    private static IRecurrentCell<float> Cell(CellKind kind, int input, int hidden) => GeneratedCells.Create(kind, input, hidden, new Random(1));

    private delegate Span<float> ViewOf(IRecurrentCell<float> cell);

    private static int StateSize(CellKind kind, int hidden) => CellShape.StateSize(kind, hidden);

    /// <summary>Every entry point once from the same data: Step, Forward, Forward with a tape, Backward.</summary>
    private static (float[] StepState, float[] Outputs, float[] TapedOutputs, Gradients<float> Gradients) Run(
        IRecurrentCell<float> cell, float[] inputs, float[] initial, float[] outputGradients, float[] finalStateGradient)
    {
        var stepState = (float[])initial.Clone();
        cell.Step(inputs.AsSpan(0, cell.InputSize), stepState);
        var outputs = new float[outputGradients.Length];
        cell.Forward(inputs, outputs, (float[])initial.Clone());
        var tapedOutputs = new float[outputGradients.Length];
        var tape = cell.CreateTape(outputGradients.Length / cell.HiddenSize);
        cell.Forward(inputs, tapedOutputs, (float[])initial.Clone(), tape);
        var gradients = RunBackward(cell, tape, outputGradients, finalStateGradient, new float[cell.ParameterCount]);
        return (stepState, outputs, tapedOutputs, gradients);
    }
}
