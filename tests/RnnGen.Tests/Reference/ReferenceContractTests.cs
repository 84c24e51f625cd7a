using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RnnGen.Reference;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Reference.ContractHelpers;
using static RnnGen.Tests.Reference.ReferenceTestCells;

namespace RnnGen.Tests.Reference;

/// <summary>The <see cref="IRecurrentCell{T}"/> contract, checked on the reference LSTM and GRU.</summary>
public sealed class ReferenceContractTests(ITestOutputHelper output)
{
    private const int InputSize = 3, HiddenSize = 4, Steps = 5;

    public static TheoryData<CellKind> AllKinds => Kinds;

    // ---- Forward, Step and the tape ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ForwardEqualsOneStepPerTimeStepDouble(CellKind kind) => ForwardEqualsOneStepPerTimeStep<double>(kind);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ForwardEqualsOneStepPerTimeStepFloat(CellKind kind) => ForwardEqualsOneStepPerTimeStep<float>(kind);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapedForwardEqualsForwardAndRecordsTheSequenceDouble(CellKind kind) => TapedForwardEqualsForwardAndRecordsTheSequence<double>(kind);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapedForwardEqualsForwardAndRecordsTheSequenceFloat(CellKind kind) => TapedForwardEqualsForwardAndRecordsTheSequence<float>(kind);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void BackwardLeavesTheTapeIntactAndAccumulatesParameterGradients(CellKind kind)
    {
        var cell = Create<double>(kind, InputSize, HiddenSize, seed: 1);
        var random = new Random(2);
        var tape = Record(cell, random);
        double[] outputGradients = Uniform<double>(random, Steps * HiddenSize, 1);
        double[] finalStateGradient = Uniform<double>(random, cell.StateSize, 1);
        double[] recordedInputs = tape.Inputs.ToArray(), recordedStates = tape.States.ToArray(), recordedActivations = tape.Activations.ToArray();

        var first = RunBackward(cell, tape, outputGradients, finalStateGradient, new double[cell.ParameterCount]);
        AssertBitwiseEqual<double>(recordedInputs, tape.Inputs, "tape inputs after Backward");
        AssertBitwiseEqual<double>(recordedStates, tape.States, "tape states after Backward");
        AssertBitwiseEqual<double>(recordedActivations, tape.Activations, "tape activations after Backward");

        var second = RunBackward(cell, tape, outputGradients, finalStateGradient, new double[cell.ParameterCount]);
        AssertBitwiseEqual<double>(first.State, second.State, "state gradient, second call");
        AssertBitwiseEqual<double>(first.Inputs, second.Inputs, "input gradients, second call");
        AssertBitwiseEqual<double>(first.Parameters, second.Parameters, "parameter gradients, second call");

        // Into the same buffer the second call adds the same terms again: twice the first, up to rounding.
        double[] accumulated = (double[])first.Parameters.Clone();
        var third = RunBackward(cell, tape, outputGradients, finalStateGradient, accumulated);
        AssertBitwiseEqual<double>(first.State, third.State, "state gradient is overwritten, not accumulated");
        AssertBitwiseEqual<double>(first.Inputs, third.Inputs, "input gradients are overwritten, not accumulated");
        double scale = first.Parameters.Max(Math.Abs);
        Assert.True(scale > 0);
        for (int k = 0; k < accumulated.Length; k++)
        {
            Assert.True(
                Math.Abs(accumulated[k] - 2 * first.Parameters[k]) <= 1e-12 * scale,
                $"parameter gradient [{k}]: {accumulated[k]:R} after two calls, expected 2 × {first.Parameters[k]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void EmptyInputGradientsSkipOnlyThem(CellKind kind)
    {
        var cell = Create<double>(kind, InputSize, HiddenSize, seed: 1);
        var random = new Random(2);
        var tape = Record(cell, random);
        double[] outputGradients = Uniform<double>(random, Steps * HiddenSize, 1);
        double[] finalStateGradient = Uniform<double>(random, cell.StateSize, 1);

        var full = RunBackward(cell, tape, outputGradients, finalStateGradient, new double[cell.ParameterCount]);

        // NaN in the buffer must not leak through: input gradients are overwritten.
        double[] dirty = new double[Steps * InputSize];
        dirty.AsSpan().Fill(double.NaN);
        double[] stateGradient = (double[])finalStateGradient.Clone();
        cell.Backward(tape, outputGradients, stateGradient, dirty, new double[cell.ParameterCount]);
        AssertBitwiseEqual<double>(full.Inputs, dirty, "input gradients written over NaN");

        stateGradient = (double[])finalStateGradient.Clone();
        double[] parameterGradients = new double[cell.ParameterCount];
        cell.Backward(tape, outputGradients, stateGradient, Span<double>.Empty, parameterGradients);
        AssertBitwiseEqual<double>(full.State, stateGradient, "state gradient without input gradients");
        AssertBitwiseEqual<double>(full.Parameters, parameterGradients, "parameter gradients without input gradients");
        Assert.Contains(full.Inputs, v => v != 0);
    }

    // ---- Argument checks ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapeOfAnotherShapeThrowsAndWritesNothing(CellKind kind)
    {
        var cell = Create<double>(kind, InputSize, HiddenSize, seed: 1);
        CellKind other = kind == CellKind.Lstm ? CellKind.Gru : CellKind.Lstm;
        var random = new Random(2);
        foreach (var (tapeKind, i, h) in new[] { (other, InputSize, HiddenSize), (kind, InputSize + 1, HiddenSize), (kind, InputSize, HiddenSize + 1) })
        {
            // A tape really recorded by a cell of its own shape, as a caller mixing up tapes would hold.
            var foreign = Create<double>(tapeKind, i, h, seed: 3);
            var tape = Record(foreign, random);
            var snapshot = new TapeSnapshot<double>(tape);
            var arrays = new CallArguments<double>(cell, Steps, random);

            var forward = Assert.Throws<ArgumentException>(() => cell.Forward(arrays.Inputs, arrays.Outputs, arrays.State, tape));
            Assert.Equal("tape", forward.ParamName);
            var backward = Assert.Throws<ArgumentException>(() => cell.Backward(
                tape, arrays.OutputGradients, arrays.StateGradient, arrays.InputGradients, arrays.ParameterGradients));
            Assert.Equal("tape", backward.ParamName);

            arrays.AssertUnchanged();
            snapshot.AssertUnchanged(tape);
        }
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapeWithTooFewStepsThrowsAndWritesNothing(CellKind kind)
    {
        var cell = Create<double>(kind, InputSize, HiddenSize, seed: 1);
        var random = new Random(2);
        var tape = cell.CreateTape(Steps - 1);
        var shortInputs = Uniform<double>(random, (Steps - 1) * InputSize, 1.5);
        cell.Forward(shortInputs, new double[(Steps - 1) * HiddenSize], new double[cell.StateSize], tape);
        var snapshot = new TapeSnapshot<double>(tape);
        var arrays = new CallArguments<double>(cell, Steps, random);

        var ex = Assert.Throws<ArgumentException>(() => cell.Forward(arrays.Inputs, arrays.Outputs, arrays.State, tape));
        Assert.Equal("tape", ex.ParamName);
        arrays.AssertUnchanged();
        snapshot.AssertUnchanged(tape);
    }

    public static TheoryData<CellKind, string, string, int> WrongLengths
    {
        get
        {
            var data = new TheoryData<CellKind, string, string, int>();
            foreach (CellKind kind in Enum.GetValues<CellKind>())
            {
                foreach (var (method, parameter) in CallArguments<double>.SpanParameters)
                {
                    data.Add(kind, method, parameter, -1);
                    data.Add(kind, method, parameter, +1);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(WrongLengths))]
    public void WrongSpanLengthThrowsNamingTheParameterAndWritesNothing(CellKind kind, string method, string parameter, int delta)
    {
        var cell = Create<double>(kind, InputSize, HiddenSize, seed: 1);
        var random = new Random(2);
        var tape = Record(cell, random);
        var snapshot = new TapeSnapshot<double>(tape);
        double[] parameters = cell.Parameters.ToArray();
        var arrays = new CallArguments<double>(cell, Steps, random);
        int expected = arrays.Resize(parameter, delta, random);
        int actual = arrays[parameter].Length;

        var ex = Assert.Throws<ArgumentException>(arrays.Call(cell, method, tape));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Matches($@"\b{actual}\b", ex.Message);
        Assert.Matches($@"\b{expected}\b", ex.Message);
        arrays.AssertUnchanged();
        snapshot.AssertUnchanged(tape);
        AssertBitwiseEqual<double>(parameters, cell.Parameters, "parameters");
    }

    // ---- Parameters: initialisation, count, layout ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void SameSeedGivesTheSameParametersDrawnByUniformRecurrent(CellKind kind)
    {
        const int I = 16, H = 24, Seed = 5;
        var a = Create<double>(kind, I, H, Seed);
        var b = Create<double>(kind, I, H, Seed);
        AssertBitwiseEqual<double>(a.Parameters, b.Parameters, "same seed");
        Assert.False(a.Parameters.SequenceEqual(Create<double>(kind, I, H, Seed + 1).Parameters), "another seed gave the same parameters");

        var random = new Random(Seed);
        for (int k = 0; k < a.ParameterCount; k++)
        {
            Assert.Equal((2 * random.NextDouble() - 1) / Math.Sqrt(H), a.Parameters[k]);
        }

        var f = Create<float>(kind, I, H, Seed);
        Assert.Equal((float)((2 * new Random(Seed).NextDouble() - 1) / Math.Sqrt(H)), f.Parameters[0]);
        for (int k = 0; k < f.ParameterCount; k++)
        {
            Assert.Equal((float)a.Parameters[k], f.Parameters[k]);
        }
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ParametersLieInsideTheOpenInitialisationRange(CellKind kind)
    {
        const int I = 16, H = 24;
        double bound = 1 / Math.Sqrt(H);
        var d = Create<double>(kind, I, H, seed: 7);
        Assert.All(d.Parameters.ToArray(), p => Assert.True(Math.Abs(p) < bound, $"{p} outside (−{bound}, {bound})"));

        // Thousands of draws reach close to both ends: catches a wrong scale such as 1/H.
        Assert.True(d.Parameters.ToArray().Max() > 0.95 * bound && d.Parameters.ToArray().Min() < -0.95 * bound);

        // Rounding to float may land on the rounded bound itself.
        float floatBound = (float)bound;
        var f = Create<float>(kind, I, H, seed: 7);
        Assert.All(f.Parameters.ToArray(), p => Assert.True(Math.Abs(p) <= floatBound, $"{p} outside [−{floatBound}, {floatBound}]"));
    }

    [Theory]
    [InlineData(CellKind.Lstm, 3, 4, 144, 8)]      // 4·4·(3+4+2)
    [InlineData(CellKind.Gru, 3, 4, 108, 4)]       // 3·4·(3+4+2)
    [InlineData(CellKind.Lstm, 16, 24, 4032, 48)]  // 4·24·(16+24+2)
    [InlineData(CellKind.Gru, 16, 24, 3024, 24)]   // 3·24·(16+24+2)
    [InlineData(CellKind.Lstm, 1, 1, 16, 2)]
    [InlineData(CellKind.Gru, 1, 1, 12, 1)]
    public void SizesFollowTheKind(CellKind kind, int input, int hidden, int parameterCount, int stateSize)
    {
        var cell = Create<float>(kind, input, hidden, seed: 1);
        Assert.Equal(kind, cell.Kind);
        Assert.Equal(input, cell.InputSize);
        Assert.Equal(hidden, cell.HiddenSize);
        Assert.Equal(parameterCount, cell.ParameterCount);
        Assert.Equal(parameterCount, cell.Parameters.Length);
        Assert.Equal(stateSize, cell.StateSize);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ViewsAliasTheirRangesOfParameters(CellKind kind)
    {
        var cell = Create<double>(kind, InputSize, HiddenSize, seed: 1);
        int rows = (kind == CellKind.Lstm ? 4 : 3) * HiddenSize;
        AssertView(cell, cell.WeightIh, 0, rows * InputSize, "WeightIh");
        AssertView(cell, cell.WeightHh, rows * InputSize, rows * HiddenSize, "WeightHh");
        AssertView(cell, cell.BiasIh, rows * (InputSize + HiddenSize), rows, "BiasIh");
        AssertView(cell, cell.BiasHh, rows * (InputSize + HiddenSize + 1), rows, "BiasHh");
        Assert.Equal(cell.ParameterCount, rows * (InputSize + HiddenSize + 2));

        // Writes through a view take effect at the next call.
        var input = Uniform<double>(new Random(2), InputSize, 1.5);
        double[] before = new double[cell.StateSize], after = new double[cell.StateSize];
        cell.Step(input, before);
        cell.BiasHh[0] += 1;
        cell.Step(input, after);
        Assert.NotEqual(before[0], after[0]);
    }

    private static void AssertView(ReferenceCell<double> cell, Span<double> view, int offset, int length, string name)
    {
        Assert.True(length == view.Length, $"{name} has {view.Length} values, expected {length}");
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(view), ref cell.Parameters[offset]), $"{name} does not start at Parameters[{offset}]");
    }

    // ---- Allocation and precision ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void HotPathsAllocateNothingDouble(CellKind kind) => HotPathsAllocateNothing<double>(kind);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void HotPathsAllocateNothingFloat(CellKind kind) => HotPathsAllocateNothing<float>(kind);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void FloatAgreesWithDoubleToFloatPrecision(CellKind kind)
    {
        // Measured: at most 3e-7 (LSTM input gradients) for these sizes, a few float ulps; 1e-5 leaves room
        // for other summation orders yet fails if a float path loses a couple of digits.
        const int I = 16, H = 24, N = 50;
        const double Bound = 1e-5;
        var f = Create<float>(kind, I, H, seed: 13);
        var d = Create<double>(kind, I, H, seed: 13);
        for (int k = 0; k < f.ParameterCount; k++)
        {
            d.Parameters[k] = f.Parameters[k];     // both cells hold exactly the same numbers
        }

        var random = new Random(14);
        float[] inputs = Uniform<float>(random, N * I, 1.5), initial = Uniform<float>(random, f.StateSize, 1.5);
        float[] outputGradients = Uniform<float>(random, N * H, 1), finalStateGradient = Uniform<float>(random, f.StateSize, 1);

        var single = Run(f, inputs, initial, outputGradients, finalStateGradient);
        var exact = Run(d, Widen(inputs), Widen(initial), Widen(outputGradients), Widen(finalStateGradient));

        (string Name, double Error)[] errors =
        [
            ("outputs", RelativeToMax(single.Outputs, exact.Outputs)),
            ("final state", RelativeToMax(single.FinalState, exact.FinalState)),
            ("input gradients", RelativeToMax(single.Gradients.Inputs, exact.Gradients.Inputs)),
            ("initial-state gradient", RelativeToMax(single.Gradients.State, exact.Gradients.State)),
            ("parameter gradients", RelativeToMax(single.Gradients.Parameters, exact.Gradients.Parameters)),
        ];
        foreach (var (name, error) in errors)
        {
            output.WriteLine($"{kind} float vs double, {name}: max|f − d| / max|d| = {error:E2}");
        }

        Assert.All(errors, e => Assert.True(e.Error <= Bound, $"{e.Name}: {e.Error:E2} > {Bound:E0}"));

        static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);
    }

    private static (T[] Outputs, T[] FinalState, Gradients<T> Gradients) Run<T>(
        ReferenceCell<T> cell, T[] inputs, T[] initial, T[] outputGradients, T[] finalStateGradient)
        where T : IFloatingPointIeee754<T>
    {
        var outputs = new T[outputGradients.Length];
        var state = (T[])initial.Clone();
        var tape = cell.CreateTape(outputs.Length / cell.HiddenSize);
        cell.Forward(inputs, outputs, state, tape);
        return (outputs, state, RunBackward(cell, tape, outputGradients, finalStateGradient, new T[cell.ParameterCount]));
    }

    private static void ForwardEqualsOneStepPerTimeStep<T>(CellKind kind)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cell = Create<T>(kind, InputSize, HiddenSize, seed: 1);
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, Steps * InputSize, 1.5), initial = Uniform<T>(random, cell.StateSize, 1.5);

        var outputs = new T[Steps * HiddenSize];
        var state = (T[])initial.Clone();
        cell.Forward(inputs, outputs, state);

        var stepOutputs = new T[Steps * HiddenSize];
        var stepState = (T[])initial.Clone();
        for (int t = 0; t < Steps; t++)
        {
            cell.Step(inputs.AsSpan(t * InputSize, InputSize), stepState);
            stepState.AsSpan(0, HiddenSize).CopyTo(stepOutputs.AsSpan(t * HiddenSize));
        }

        AssertBitwiseEqual<T>(stepOutputs, outputs, "outputs");
        AssertBitwiseEqual<T>(stepState, state, "final state");
        Assert.Contains(outputs, v => v != T.Zero);
    }

    private static void TapedForwardEqualsForwardAndRecordsTheSequence<T>(CellKind kind)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cell = Create<T>(kind, InputSize, HiddenSize, seed: 1);
        int s = cell.StateSize;
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, Steps * InputSize, 1.5), initial = Uniform<T>(random, s, 1.5);

        var outputs = new T[Steps * HiddenSize];
        var state = (T[])initial.Clone();
        cell.Forward(inputs, outputs, state);

        // A roomier tape that already holds a longer, different sequence: the new record must replace it.
        var tape = cell.CreateTape(Steps + 3);
        cell.Forward(Uniform<T>(random, (Steps + 3) * InputSize, 1.5), new T[(Steps + 3) * HiddenSize], Uniform<T>(random, s, 1.5), tape);

        var tapedOutputs = new T[Steps * HiddenSize];
        var tapedState = (T[])initial.Clone();
        cell.Forward(inputs, tapedOutputs, tapedState, tape);

        AssertBitwiseEqual<T>(outputs, tapedOutputs, "outputs with a tape");
        AssertBitwiseEqual<T>(state, tapedState, "final state with a tape");
        Assert.Equal(Steps, tape.Steps);
        AssertBitwiseEqual<T>(initial, tape.States[..s], "tape.States[..S], the initial state");
        AssertBitwiseEqual<T>(state, tape.States[(Steps * s)..], "tape's last state row");
        AssertBitwiseEqual<T>(inputs, tape.Inputs, "tape.Inputs");
        for (int t = 0; t < Steps; t++)
        {
            AssertBitwiseEqual<T>(outputs.AsSpan(t * HiddenSize, HiddenSize), tape.States.Slice((t + 1) * s, HiddenSize), $"tape h after step {t}");
        }
    }

    private static void HotPathsAllocateNothing<T>(CellKind kind)
        where T : IFloatingPointIeee754<T>
    {
        const int I = 16, H = 24, N = 50;
        var cell = Create<T>(kind, I, H, seed: 1);
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, N * I, 1), state = Uniform<T>(random, cell.StateSize, 1);
        T[] outputs = new T[N * H], outputGradients = Uniform<T>(random, N * H, 1);
        T[] stateGradient = new T[cell.StateSize], inputGradients = new T[N * I], parameterGradients = new T[cell.ParameterCount];
        var tape = cell.CreateTape(N);

        // Warm-up: first calls may JIT and run static constructors.
        cell.Step(inputs.AsSpan(0, I), state);
        cell.Forward(inputs, outputs, state);
        cell.Forward(inputs, outputs, state, tape);
        cell.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);

        long start = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            cell.Step(inputs.AsSpan(0, I), state);
        }

        long afterStep = GC.GetAllocatedBytesForCurrentThread();
        cell.Forward(inputs, outputs, state);
        long afterForward = GC.GetAllocatedBytesForCurrentThread();
        cell.Forward(inputs, outputs, state, tape);
        cell.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
        long afterTraining = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, afterStep - start);
        Assert.Equal(0, afterForward - afterStep);
        Assert.Equal(0, afterTraining - afterForward);
    }

    private static Tape<double> Record(ReferenceCell<double> cell, Random random) => ContractHelpers.Record<double>(cell, random, Steps);
}
