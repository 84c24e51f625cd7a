using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The core promise: a generated float cell computes what the double reference computes, outputs and every
/// gradient, on every shape's tail paths. Error = max|float − double| ÷ max|double| per tensor.
/// </summary>
public class GeneratedParityTests
{
    // The acceptance rule: within max(2 × PyTorch's own float32 error, 2e-6) of the float64 truth; where there
    // is no PyTorch pair, the floor: 2e-6 for ordinary weights, 4e-5 for strongly saturated gates (×4).
    private const double Floor = 2e-6, SaturatedFloor = 4e-5;

    public static TheoryData<CellKind, int, int, int, double> Cases()
    {
        var data = new TheoryData<CellKind, int, int, int, double>();
        foreach (CellKind kind in new[] { CellKind.Lstm, CellKind.Gru })
        {
            foreach ((int input, int hidden) in GeneratedCells.Shapes)
            {
                foreach (int steps in new[] { 1, 7, 60 })
                {
                    data.Add(kind, input, hidden, steps, 1.0);
                    data.Add(kind, input, hidden, steps, 4.0);
                }
            }

            // 70 steps: the weight-gradient product's step blocks of W_hh (at most 32 steps from H = 65 up) come out
            // 24 + 24 + 22, so a shorter last block is checked too.
            data.Add(kind, 33, 65, 70, 1.0);
            data.Add(kind, 64, 128, 70, 4.0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDoubleReference(CellKind kind, int input, int hidden, int steps, double weightScale)
    {
        var random = new Random(1000 * input + hidden);
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, random);
        foreach (ref float p in cell.Parameters)
        {
            p *= (float)weightScale;
        }

        ReferenceCell<double> reference = kind == CellKind.Lstm ? new ReferenceLstm<double>(input, hidden) : new ReferenceGru<double>(input, hidden);
        FixtureRunner.Widen<float>(cell.Parameters).CopyTo(reference.Parameters);

        var data = SequenceData.Random(random, cell, steps);
        CellResults expected = data.Run(reference);
        CellResults actual = data.Run(cell);

        double bound = weightScale > 1 ? SaturatedFloor : Floor;
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            Error.AssertWithin(actual[tensor], expected[tensor], bound, $"{kind} ({input},{hidden}) T={steps} ×{weightScale}: {tensor}");
        }
    }

    [Theory]
    [MemberData(nameof(PyTorchFixture.Cases), MemberType = typeof(PyTorchFixture))]
    public void MatchesPyTorch(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        IRecurrentCell<float> cell = GeneratedCells.Create(fixture.Kind, fixture.InputSize, fixture.HiddenSize);
        FixtureRunner.LoadParameters(cell, fixture);
        CellResults actual = FixtureRunner.Run(cell, fixture);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double bound = Math.Max(2 * fixture.PyTorchFloat32Error(tensor), Floor);
            Error.AssertWithin(actual[tensor], fixture.Float64[tensor], bound, $"{name}: {tensor}");
        }
    }
}

/// <summary>Random inputs, initial state and upstream gradients for one sequence, shared by two implementations.</summary>
internal sealed record SequenceData(double[] Inputs, double[] InitialState, double[] OutputGradients, double[] StateGradient, int Steps)
{
    public static SequenceData Random(Random random, IRecurrentCell<float> shape, int steps)
    {
        double[] Draw(int n, double magnitude) => Enumerable.Range(0, n).Select(_ => (double)(float)(magnitude * (2 * random.NextDouble() - 1))).ToArray();
        return new SequenceData(
            Draw(steps * shape.InputSize, 1.5), Draw(shape.StateSize, 0.8), Draw(steps * shape.HiddenSize, 1), Draw(shape.StateSize, 1), steps);
    }

    /// <summary>Forward with a tape from the initial state, then Backward; every result widened to double.</summary>
    public CellResults Run<T>(IRecurrentCell<T> cell) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        T[] outputs = new T[Steps * cell.HiddenSize];
        T[] state = FixtureRunner.Convert<T>(InitialState);
        Tape<T> tape = cell.CreateTape(Steps);
        cell.Forward(FixtureRunner.Convert<T>(Inputs), outputs, state, tape);
        T[] stateGradient = FixtureRunner.Convert<T>(StateGradient);
        T[] inputGradients = new T[Steps * cell.InputSize];
        T[] parameterGradients = new T[cell.ParameterCount];
        cell.Backward(tape, FixtureRunner.Convert<T>(OutputGradients), stateGradient, inputGradients, parameterGradients);
        return new CellResults(
            FixtureRunner.Widen<T>(outputs), FixtureRunner.Widen<T>(state), FixtureRunner.Widen<T>(parameterGradients),
            FixtureRunner.Widen<T>(inputGradients), FixtureRunner.Widen<T>(stateGradient));
    }
}
