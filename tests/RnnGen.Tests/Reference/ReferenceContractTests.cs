using System.Numerics;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Infrastructure.ContractHelpers;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The <see cref="IRecurrentCell{T}"/> contract (<see cref="CellContract"/>), checked on the reference LSTM and GRU,
/// plus what only the reference cells promise: PyTorch's initialisation, sizes, and float agreeing with double.
/// </summary>
public sealed class ReferenceContractTests(ITestOutputHelper output)
{
    private const int InputSize = 3, HiddenSize = 4, Steps = 5;

    /// <summary>For the allocation checks: <c>StepCalls</c> Steps, then sequences of <c>AllocationSteps</c> steps.</summary>
    private const int AllocationSteps = 50, StepCalls = 1000;

    public static TheoryData<CellKind> AllKinds => Kinds;

    // ---- Forward, Step and the tape ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ForwardEqualsOneStepPerTimeStepDouble(CellKind kind) => CellContract.ForwardEqualsOneStepPerTimeStep(Cell<double>(kind), Steps);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void ForwardEqualsOneStepPerTimeStepFloat(CellKind kind) => CellContract.ForwardEqualsOneStepPerTimeStep(Cell<float>(kind), Steps);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapedForwardEqualsForwardAndRecordsTheSequenceDouble(CellKind kind) =>
        CellContract.TapedForwardEqualsForwardAndRecordsTheSequence(Cell<double>(kind), Steps);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapedForwardEqualsForwardAndRecordsTheSequenceFloat(CellKind kind) =>
        CellContract.TapedForwardEqualsForwardAndRecordsTheSequence(Cell<float>(kind), Steps);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void BackwardLeavesTheTapeIntactAndAccumulatesParameterGradients(CellKind kind)
    {
        // Two calls into one buffer within 1e-12 of the largest one-call entry of 2 × one call: 5e-13 of the
        // largest entry of the doubled tensor, which is what the bound is relative to.
        const double Bound = 5e-13;
        CellContract.BackwardTwiceOnTheSameTapeRepeatsAndAccumulates(Cell<double>(kind), Steps, Bound, output);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void EmptyInputGradientsSkipOnlyThem(CellKind kind) => CellContract.EmptyInputGradientsSkipOnlyThem(Cell<double>(kind), Steps);

    // ---- Argument checks ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapeOfAnotherShapeThrowsAndWritesNothing(CellKind kind) => CellContract.TapeOfAnotherShapeThrowsAndWritesNothing(Cell<double>(kind), Steps);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void TapeWithTooFewStepsThrowsAndWritesNothing(CellKind kind) => CellContract.TapeWithTooFewStepsThrowsAndWritesNothing(Cell<double>(kind), Steps);

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
    public void WrongSpanLengthThrowsNamingTheParameterAndWritesNothing(CellKind kind, string method, string parameter, int delta) =>
        CellContract.WrongSpanLengthThrowsNamingTheParameterAndWritesNothing(Cell<double>(kind), Steps, method, parameter, delta);

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
        var cell = Cell<double>(kind);
        int rows = (kind == CellKind.Lstm ? 4 : 3) * HiddenSize;
        CellContract.AssertView(cell, cell.WeightIh, 0, rows * InputSize, "WeightIh");
        CellContract.AssertView(cell, cell.WeightHh, rows * InputSize, rows * HiddenSize, "WeightHh");
        CellContract.AssertView(cell, cell.BiasIh, rows * (InputSize + HiddenSize), rows, "BiasIh");
        CellContract.AssertView(cell, cell.BiasHh, rows * (InputSize + HiddenSize + 1), rows, "BiasHh");
        CellContract.AssertView(cell, cell.ParameterMemory.Span, 0, cell.ParameterCount, "ParameterMemory");
        Assert.Equal(cell.ParameterCount, rows * (InputSize + HiddenSize + 2));

        // Writes through a view take effect at the next call.
        var input = Uniform<double>(new Random(2), InputSize, 1.5);
        double[] before = new double[cell.StateSize], after = new double[cell.StateSize];
        cell.Step(input, before);
        cell.BiasHh[0] += 1;
        cell.Step(input, after);
        Assert.NotEqual(before[0], after[0]);
    }

    // ---- Allocation and precision ----

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void HotPathsAllocateNothingDouble(CellKind kind) => CellContract.HotPathsAllocateNothing(AllocationCell<double>(kind), AllocationSteps, StepCalls);

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void HotPathsAllocateNothingFloat(CellKind kind) => CellContract.HotPathsAllocateNothing(AllocationCell<float>(kind), AllocationSteps, StepCalls);

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

    /// <summary>The reference cell the contract checks use, its parameters drawn from seed 1.</summary>
    private static ReferenceCell<T> Cell<T>(CellKind kind)
        where T : IFloatingPointIeee754<T> => Create<T>(kind, InputSize, HiddenSize, seed: 1);

    /// <summary>The larger cell <see cref="CellContract.HotPathsAllocateNothing{T}"/> measures, seed 1.</summary>
    private static ReferenceCell<T> AllocationCell<T>(CellKind kind)
        where T : IFloatingPointIeee754<T> => Create<T>(kind, 16, 24, seed: 1);
}
