using System.Numerics;
using RnnGen.Reference;

namespace RnnGen.Tests.Infrastructure;

/// <summary>Drives any <see cref="IRecurrentCell{T}"/> through a fixture's case, so every implementation is checked the same way.</summary>
public static class FixtureRunner
{
    /// <summary>A reference cell of the fixture's kind and sizes with the fixture's parameters loaded.</summary>
    public static IRecurrentCell<T> CreateReference<T>(CellFixture fixture) where T : IFloatingPointIeee754<T>
    {
        IRecurrentCell<T> cell = fixture.Kind == CellKind.Lstm
            ? new ReferenceLstm<T>(fixture.InputSize, fixture.HiddenSize)
            : new ReferenceGru<T>(fixture.InputSize, fixture.HiddenSize);
        LoadParameters(cell, fixture);
        return cell;
    }

    /// <summary>Writes the fixture's parameters into <paramref name="cell"/> (exact for float and double: they are float32 values).</summary>
    public static void LoadParameters<T>(IRecurrentCell<T> cell, CellFixture fixture) where T : IFloatingPointIeee754<T>
    {
        CheckShape(cell, fixture);
        Convert<T>(fixture.Parameters).CopyTo(cell.Parameters);
    }

    /// <summary>
    /// Runs the case on <paramref name="cell"/> (its parameters as they are): the tape-taking Forward from the
    /// initial state, then Backward with R1 and R2, with parameter gradients accumulated into zeros. Returns
    /// the five tensors widened to double, comparable with <see cref="CellFixture.Float64"/>.
    /// </summary>
    public static CellResults Run<T>(IRecurrentCell<T> cell, CellFixture fixture) where T : IFloatingPointIeee754<T>
    {
        CheckShape(cell, fixture);
        T[] inputs = Convert<T>(fixture.Inputs);
        T[] outputs = new T[fixture.Steps * fixture.HiddenSize];
        T[] state = Convert<T>(fixture.InitialState);
        Tape<T> tape = cell.CreateTape(fixture.Steps);
        cell.Forward(inputs, outputs, state, tape);

        T[] stateGradient = Convert<T>(fixture.StateGradient);
        T[] inputGradients = new T[fixture.Steps * fixture.InputSize];
        T[] parameterGradients = new T[cell.ParameterCount];
        cell.Backward(tape, Convert<T>(fixture.OutputGradients), stateGradient, inputGradients, parameterGradients);

        return new CellResults(Widen(outputs), Widen(state), Widen(parameterGradients), Widen(inputGradients), Widen(stateGradient));
    }

    public static T[] Convert<T>(ReadOnlySpan<double> values) where T : IFloatingPointIeee754<T>
    {
        var result = new T[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = T.CreateChecked(values[i]);
        }

        return result;
    }

    public static double[] Widen<T>(ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = double.CreateChecked(values[i]);
        }

        return result;
    }

    private static void CheckShape<T>(IRecurrentCell<T> cell, CellFixture fixture) where T : IFloatingPointIeee754<T>
    {
        if (cell.Kind != fixture.Kind || cell.InputSize != fixture.InputSize || cell.HiddenSize != fixture.HiddenSize)
        {
            throw new ArgumentException(
                $"Fixture {fixture.Name} is a {fixture.Kind} (input {fixture.InputSize}, hidden {fixture.HiddenSize}); the cell is a {cell.Kind} (input {cell.InputSize}, hidden {cell.HiddenSize}).",
                nameof(cell));
        }
    }
}
