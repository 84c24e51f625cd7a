using System.Numerics;
using Xunit;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Infrastructure;

/// <summary>What the <see cref="IRecurrentCell{T}"/> contract tests of every implementation (reference and generated) share.</summary>
internal static class ContractHelpers
{
    /// <summary>A tape of <paramref name="steps"/> steps filled by <paramref name="cell"/> from random inputs and initial state.</summary>
    public static Tape<T> Record<T>(IRecurrentCell<T> cell, Random random, int steps)
        where T : IFloatingPointIeee754<T>
    {
        var tape = cell.CreateTape(steps);
        cell.Forward(
            Uniform<T>(random, steps * cell.InputSize, 1.5),
            new T[steps * cell.HiddenSize],
            Uniform<T>(random, cell.StateSize, 1.5),
            tape);
        return tape;
    }

    /// <summary>Backward over <paramref name="tape"/> into fresh state and input gradients, accumulating into <paramref name="parameterGradients"/>.</summary>
    public static Gradients<T> RunBackward<T>(IRecurrentCell<T> cell, Tape<T> tape, T[] outputGradients, T[] finalStateGradient, T[] parameterGradients)
        where T : IFloatingPointIeee754<T>
    {
        var stateGradient = (T[])finalStateGradient.Clone();
        var inputGradients = new T[tape.Steps * cell.InputSize];
        cell.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
        return new Gradients<T>(inputGradients, stateGradient, parameterGradients);
    }
}

/// <summary>The three results of one Backward call.</summary>
internal sealed record Gradients<T>(T[] Inputs, T[] State, T[] Parameters);

/// <summary>Everything a recorded tape holds, to show a failed call left it alone.</summary>
internal sealed class TapeSnapshot<T>(Tape<T> tape)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _steps = tape.Steps;
    private readonly T[] _inputs = tape.Inputs(0).ToArray(), _states = tape.States(0, 0).ToArray(), _activations = tape.Activations(0, 0).ToArray();

    public void AssertUnchanged(Tape<T> tape)
    {
        Assert.Equal(_steps, tape.Steps);
        AssertBitwiseEqual<T>(_inputs, tape.Inputs(0), "tape inputs");
        AssertBitwiseEqual<T>(_states, tape.States(0, 0), "tape states");
        AssertBitwiseEqual<T>(_activations, tape.Activations(0, 0), "tape activations");
    }
}

/// <summary>Correctly sized arguments for every call over <c>steps</c> steps, filled with random values and remembered.</summary>
internal sealed class CallArguments<T>(IRecurrentCell<T> cell, int steps, Random random) : CallArrays<T>(
    new Dictionary<string, T[]>
    {
        ["input"] = new T[cell.InputSize],
        ["state"] = new T[cell.StateSize],
        ["inputs"] = new T[steps * cell.InputSize],
        ["outputs"] = new T[steps * cell.HiddenSize],
        ["outputGradients"] = new T[steps * cell.HiddenSize],
        ["stateGradient"] = new T[cell.StateSize],
        ["inputGradients"] = new T[steps * cell.InputSize],
        ["parameterGradients"] = new T[cell.ParameterCount],
    },
    random)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _inputSize = cell.InputSize;

    /// <summary>The parameter names of Step, both Forwards and Backward that take a span.</summary>
    public static IReadOnlyList<(string Method, string Parameter)> SpanParameters { get; } =
    [
        ("Step", "input"), ("Step", "state"),
        ("Forward", "inputs"), ("Forward", "outputs"), ("Forward", "state"),
        ("ForwardTape", "inputs"), ("ForwardTape", "outputs"), ("ForwardTape", "state"),
        ("Backward", "outputGradients"), ("Backward", "stateGradient"), ("Backward", "inputGradients"), ("Backward", "parameterGradients"),
    ];

    public T[] Input => this["input"];

    public T[] State => this["state"];

    public T[] Inputs => this["inputs"];

    public T[] Outputs => this["outputs"];

    public T[] OutputGradients => this["outputGradients"];

    public T[] StateGradient => this["stateGradient"];

    public T[] InputGradients => this["inputGradients"];

    public T[] ParameterGradients => this["parameterGradients"];

    /// <summary>Makes <paramref name="name"/> <paramref name="delta"/> values longer; returns the number the message must name as expected.</summary>
    public int Resize(string name, int delta, Random random)
    {
        int length = Lengthen(name, delta, random);

        // inputs only has to be whole rows, so the message names the row length.
        return name == "inputs" ? _inputSize : length;
    }

    /// <summary>The call <paramref name="method"/> of <see cref="SpanParameters"/> with these arguments.</summary>
    public Action Call(IRecurrentCell<T> cell, string method, Tape<T> tape) => method switch
    {
        "Step" => () => cell.Step(Input, State),
        "Forward" => () => cell.Forward(Inputs, Outputs, State),
        "ForwardTape" => () => cell.Forward(Inputs, Outputs, State, tape),
        "Backward" => () => cell.Backward(tape, OutputGradients, StateGradient, InputGradients, ParameterGradients),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}
