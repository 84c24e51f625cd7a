using System.Numerics;
using RnnGen.Reference;
using Xunit;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Infrastructure;

/// <summary>Everything a model's tape records (every layer and direction, the masks, the head's inputs), to show a call left it alone.</summary>
internal sealed class ModelTapeSnapshot<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _steps;
    private readonly List<(string Name, T[] Values)> _sections = [];

    public ModelTapeSnapshot(Tape<T> tape)
    {
        _steps = tape.Steps;
        foreach ((string name, T[] values) in Sections(tape))
        {
            _sections.Add((name, values));
        }
    }

    public void AssertUnchanged(Tape<T> tape)
    {
        Assert.Equal(_steps, tape.Steps);
        var now = Sections(tape).ToList();
        Assert.Equal(_sections.Count, now.Count);
        for (int i = 0; i < now.Count; i++)
        {
            AssertBitwiseEqual<T>(_sections[i].Values, now[i].Values, "tape " + now[i].Name);
        }
    }

    private static IEnumerable<(string Name, T[] Values)> Sections(Tape<T> tape)
    {
        ModelShape shape = tape.Shape;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            yield return ($"inputs of layer {layer}", tape.Inputs(layer).ToArray());
            for (int direction = 0; direction < shape.Directions; direction++)
            {
                yield return ($"states of layer {layer} direction {direction}", tape.States(layer, direction).ToArray());
                yield return ($"activations of layer {layer} direction {direction}", tape.Activations(layer, direction).ToArray());
            }

            if (layer < shape.Layers - 1 && shape.Dropout > 0)
            {
                yield return ($"mask of layer {layer}", tape.Mask(layer).ToArray());
            }
        }

        if (shape.HeadOutputs > 0)
        {
            yield return ("top layer outputs", tape.LayerOutputs.ToArray());
        }
    }
}

/// <summary>Correctly sized, random arguments for every span a model's methods take over <c>steps</c> steps, remembered to show nothing was written.</summary>
internal sealed class ModelCallArguments<T>(ModelShape shape, int steps, Random random) : CallArrays<T>(
    new Dictionary<string, T[]>
    {
        ["input"] = new T[shape.InputSize],
        ["state"] = new T[shape.StateSize],
        ["output"] = new T[shape.OutputSize],
        ["inputs"] = new T[steps * shape.InputSize],
        ["outputs"] = new T[steps * shape.OutputSize],
        ["outputGradients"] = new T[steps * shape.OutputSize],
        ["stateGradient"] = new T[shape.StateSize],
        ["inputGradients"] = new T[steps * shape.InputSize],
        ["parameterGradients"] = new T[shape.ParameterCount],
    },
    random)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _inputSize = shape.InputSize;

    /// <summary>(method, parameter) for every span parameter; Step and the streaming Forward only for one direction.</summary>
    public static IEnumerable<(string Method, string Parameter)> SpanParameters(bool bidirectional)
    {
        if (!bidirectional)
        {
            yield return ("Step", "input");
            yield return ("Step", "state");
            yield return ("Step", "output");
            yield return ("Forward", "inputs");
            yield return ("Forward", "outputs");
            yield return ("Forward", "state");
        }

        foreach (string method in new[] { "ForwardWorkspace", "ForwardTape" })
        {
            yield return (method, "inputs");
            yield return (method, "outputs");
            yield return (method, "state");
        }

        yield return ("Backward", "outputGradients");
        yield return ("Backward", "stateGradient");
        yield return ("Backward", "inputGradients");
        yield return ("Backward", "parameterGradients");
    }

    /// <summary>Makes <paramref name="name"/> <paramref name="delta"/> values longer; returns what the message must give as expected.</summary>
    public string Resize(string name, int delta, Random random)
    {
        int length = Lengthen(name, delta, random);
        return name == "inputs" ? $"expected a multiple of {_inputSize}" : $"expected {length}";
    }

    public Action Call(ReferenceModel<T> model, string method, Workspace<T> workspace, Tape<T> tape) => method switch
    {
        "Step" => () => model.Step(this["input"], this["state"], this["output"]),
        "Forward" => () => model.Forward(this["inputs"], this["outputs"], this["state"]),
        "ForwardWorkspace" => () => model.Forward(this["inputs"], this["outputs"], this["state"], workspace),
        "ForwardTape" => () => model.Forward(this["inputs"], this["outputs"], this["state"], tape),
        "Backward" => () => model.Backward(tape, this["outputGradients"], this["stateGradient"], this["inputGradients"], this["parameterGradients"]),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}
