using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// A state decaying towards zero must never pass through subnormal floats, which x86 computes ~50× slower
/// (measured: a (64,128) LSTM step took ~0.4 ms instead of 9 µs for ~40 steps). The kernels store states and
/// recurrent gradients below 1e-30 as zero; these tests drive a cell into exactly that decay.
/// </summary>
public class DecayTests
{
    public static TheoryData<CellKind, int, int> Shapes => new()
    {
        { CellKind.Lstm, 8, 16 }, { CellKind.Gru, 8, 16 }, { CellKind.Lstm, 33, 65 }, { CellKind.Gru, 33, 65 }, { CellKind.Lstm, 3, 5 }, { CellKind.Gru, 3, 5 }, { CellKind.Lstm, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SilenceDecaysStraightToZero(CellKind kind, int input, int hidden)
    {
        IRecurrentCell<float> cell = Contracting(kind, input, hidden);
        float[] zero = new float[input];
        float[] state = Enumerable.Repeat(0.5f, cell.StateSize).ToArray();
        bool reachedZero = false;
        for (int t = 0; t < 2000; t++)
        {
            cell.Step(zero, state);
            AssertNoTinyValues(state, $"state after {t + 1} zero inputs");
            reachedZero |= state.All(v => v == 0);
        }

        // The decay must really have crossed the subnormal range for the test to mean anything.
        Assert.True(reachedZero, "the state never decayed to zero");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void VanishingGradientsFlushToZero(CellKind kind, int input, int hidden)
    {
        IRecurrentCell<float> cell = Contracting(kind, input, hidden);
        const int steps = 600;
        float[] outputs = new float[steps * hidden];
        float[] state = Enumerable.Repeat(0.5f, cell.StateSize).ToArray();
        Tape<float> tape = cell.CreateTape(steps);
        cell.Forward(new float[steps * input], outputs, state, tape);

        // Only the last output carries a loss: its gradient travels back through 600 contracting steps.
        float[] outputGradients = new float[steps * hidden];
        outputGradients.AsSpan((steps - 1) * hidden).Fill(1f);
        float[] stateGradient = new float[cell.StateSize];
        float[] inputGradients = new float[steps * input];
        float[] parameterGradients = new float[cell.ParameterCount];
        cell.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);

        AssertNoTinyValues(stateGradient, "dL/d(initial state)");
        Assert.All(stateGradient, v => Assert.Equal(0f, v));
        Assert.All(parameterGradients, v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>A cell whose state contracts to zero on zero input: no biases, small weights.</summary>
    internal static IRecurrentCell<float> Contracting(CellKind kind, int input, int hidden)
    {
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, new Random(5));
        foreach (ref float p in cell.Parameters)
        {
            p *= 0.5f;
        }

        cell.BiasIh.Clear();
        cell.BiasHh.Clear();
        return cell;
    }

    internal static void AssertNoTinyValues(float[] values, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            Assert.False(values[i] != 0 && MathF.Abs(values[i]) < 1e-30f, $"{what}[{i}] = {values[i]:R}, below the flush threshold");
        }
    }
}
