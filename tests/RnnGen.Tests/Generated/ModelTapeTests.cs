using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// The training pass of whole generated models as a tape user relies on it: Backward leaves the record intact, repeats
/// itself and accumulates only the parameter gradients; empty input gradients skip just those; a used, roomier tape or
/// workspace gives what a fresh one gives; an empty sequence changes nothing; the buffers start on cache lines.
/// </summary>
public sealed class ModelTapeTests
{
    private const int Steps = 9;

    [Theory]
    [MemberData(nameof(GeneratedModels.AllNames), MemberType = typeof(GeneratedModels))]
    public void BackwardTwiceOnTheSameTapeRepeatsAndAccumulates(string name)
    {
        (IRecurrentModel<float> model, ModelData data, Tape<float> tape) = Recorded(name, Steps);
        var record = new ModelTapeSnapshot(tape);

        (float[] state, float[] inputs, float[] parameters) = data.Differentiate(model, tape);
        record.AssertUnchanged(tape, $"{name}: after Backward");
        (float[] state2, float[] inputs2, float[] parameters2) = data.Differentiate(model, tape);
        Models.AssertBitwise(state, state2, $"{name}: state gradient, second call");
        Models.AssertBitwise(inputs, inputs2, $"{name}: input gradients, second call");
        Models.AssertBitwise(parameters, parameters2, $"{name}: parameter gradients, second call");

        // Into a buffer that holds the first call's gradients: the parameter gradients add up (2×, to rounding); the
        // state and input gradients are overwritten, here over NaN.
        float[] accumulated = (float[])parameters.Clone(), stateGradient = FixtureRunner.Convert<float>(data.StateGradient);
        float[] inputGradients = Enumerable.Repeat(float.NaN, Steps * model.InputSize).ToArray();
        model.Backward(tape, FixtureRunner.Convert<float>(data.OutputGradients), stateGradient, inputGradients, accumulated);
        Models.AssertBitwise(state, stateGradient, $"{name}: state gradient is overwritten");
        Models.AssertBitwise(inputs, inputGradients, $"{name}: input gradients are overwritten");
        Assert.Contains(parameters, v => v != 0);
        Error.AssertWithin(FixtureRunner.Widen<float>(accumulated), [.. parameters.Select(v => 2.0 * v)], 1e-6, $"{name}: two accumulations against 2 × one");
        record.AssertUnchanged(tape, $"{name}: after three Backward calls");
    }

    [Theory]
    [MemberData(nameof(GeneratedModels.AllNames), MemberType = typeof(GeneratedModels))]
    public void EmptyInputGradientsSkipOnlyThem(string name)
    {
        (IRecurrentModel<float> model, ModelData data, Tape<float> tape) = Recorded(name, Steps);
        (float[] state, float[] inputs, float[] parameters) = data.Differentiate(model, tape);
        Assert.Contains(inputs, v => v != 0);

        float[] stateGradient = FixtureRunner.Convert<float>(data.StateGradient), parameterGradients = new float[model.ParameterCount];
        model.Backward(tape, FixtureRunner.Convert<float>(data.OutputGradients), stateGradient, Span<float>.Empty, parameterGradients);
        Models.AssertBitwise(state, stateGradient, $"{name}: state gradient without input gradients");
        Models.AssertBitwise(parameters, parameterGradients, $"{name}: parameter gradients without input gradients");
    }

    /// <summary>A tape and a workspace that held a longer sequence (and a backward pass) keep nothing of it.</summary>
    [Theory]
    [MemberData(nameof(GeneratedModels.AllNames), MemberType = typeof(GeneratedModels))]
    public void AUsedRoomierTapeOrWorkspaceGivesWhatAFreshOneGives(string name)
    {
        (IRecurrentModel<float> model, ModelData data, _) = Recorded(name, Steps);
        var masks = new ReplayRandom(7);   // with dropout, both records below draw the same masks
        CellResults expected = data.Run(model, NewTape(model, Steps, masks), model);

        Tape<float> used = NewTape(model, Steps + 6, masks);
        ModelData longer = ModelData.Random(new Random(77), model.Shape, Steps + 6);
        longer.Run(model, used, model);
        masks.Restart();
        CellResults actual = data.Run(model, used, model);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            Assert.True(expected[tensor].SequenceEqual(actual[tensor]), $"{name}: {tensor} through a used tape of {Steps + 6} steps");
        }

        (float[] outputs, float[] state) = data.Infer(model);
        Workspace<float> workspace = model.CreateWorkspace(Steps + 6);
        model.Forward(FixtureRunner.Convert<float>(longer.Inputs), new float[(Steps + 6) * model.OutputSize], FixtureRunner.Convert<float>(longer.InitialState), workspace);
        float[] reusedOutputs = Enumerable.Repeat(float.NaN, Steps * model.OutputSize).ToArray(), reusedState = FixtureRunner.Convert<float>(data.InitialState);
        model.Forward(FixtureRunner.Convert<float>(data.Inputs), reusedOutputs, reusedState, workspace);
        Models.AssertBitwise(outputs, reusedOutputs, $"{name}: outputs through a used workspace");
        Models.AssertBitwise(state, reusedState, $"{name}: final state through a used workspace");
    }

    /// <summary>An empty sequence (T = 0) is the identity, as in the reference: no outputs, the state and its gradient pass through.</summary>
    [Theory]
    [MemberData(nameof(GeneratedModels.AllNames), MemberType = typeof(GeneratedModels))]
    public void AnEmptySequenceChangesNothing(string name)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        var reference = new ReferenceModel<float>(model.Shape);
        model.Parameters.CopyTo(reference.Parameters);
        float[] initial = Models.Uniform(new Random(2), model.StateSize), gradient = Models.Uniform(new Random(3), model.StateSize);

        foreach (IRecurrentModel<float> m in new IRecurrentModel<float>[] { model, reference })
        {
            string what = $"{name} ({m.GetType().Name}), T = 0";
            float[] state = (float[])initial.Clone();
            m.Forward([], [], state, m.CreateWorkspace(1));
            Models.AssertBitwise(initial, state, $"{what}: state after Forward(workspace)");

            Tape<float> tape = m.CreateTape(3);
            m.Forward([], [], state, tape);
            Models.AssertBitwise(initial, state, $"{what}: state after Forward(tape)");
            Assert.Equal(0, tape.Steps);

            float[] stateGradient = (float[])gradient.Clone(), parameterGradients = Enumerable.Repeat(0.5f, m.ParameterCount).ToArray();
            m.Backward(tape, [], stateGradient, [], parameterGradients);
            Models.AssertBitwise(gradient, stateGradient, $"{what}: state gradient after Backward");
            Assert.All(parameterGradients, g => Assert.Equal(0.5f, g));

            if (m is IStreamingModel<float> streaming)
            {
                streaming.Forward([], [], state);
                Models.AssertBitwise(initial, state, $"{what}: state after Forward");
            }
        }
    }

    [Theory]
    [MemberData(nameof(GeneratedModels.AllNames), MemberType = typeof(GeneratedModels))]
    public void ParametersAndTapeBuffersStartOnACacheLine(string name)
    {
        (IRecurrentModel<float> model, ModelData data, Tape<float> tape) = Recorded(name, 3);
        data.Differentiate(model, tape);
        Assert.Equal(0, Address(model.Parameters) % 64);
        Assert.Equal(0, Address(model.ParameterMemory.Span) % 64);

        ModelShape shape = model.Shape;
        var sections = new List<(string Name, nint Address)>();
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            sections.Add(($"Inputs({layer})", Address(tape.Inputs(layer))));
            for (int direction = 0; direction < shape.Directions; direction++)
            {
                sections.Add(($"States({layer}, {direction})", Address(tape.States(layer, direction))));
                sections.Add(($"Activations({layer}, {direction})", Address(tape.Activations(layer, direction))));
                sections.Add(($"Gradients({layer}, {direction})", Address(tape.Gradients(layer, direction))));
            }

            if (layer < shape.Layers - 1 && shape.Dropout > 0)
            {
                sections.Add(($"Mask({layer})", Address(tape.Mask(layer))));
            }
        }

        if (shape.HeadOutputs > 0)
        {
            sections.Add(("LayerOutputs", Address(tape.LayerOutputs)));
        }

        if (shape.HeadOutputs > 0 || shape.Layers > 1)
        {
            sections.Add(("OutputGradients", Address(tape.OutputGradients)));
            sections.Add(("InputGradients", Address(tape.InputGradients)));
        }

        Assert.All(sections, s => Assert.True(s.Address % 64 == 0, $"{name}: tape {s.Name} starts at {s.Address % 64} bytes past a cache line"));
    }

    private static (IRecurrentModel<float> Model, ModelData Data, Tape<float> Tape) Recorded(string name, int steps)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(name.Length));
        var data = ModelData.Random(new Random(name.Length + 1), model.Shape, steps);
        Tape<float> tape = NewTape(model, steps);
        data.Record(model, tape);
        return (model, data, tape);
    }

    /// <summary>A tape; with dropout, seeded (by default with 7), so two tapes draw the same masks.</summary>
    private static Tape<float> NewTape(IRecurrentModel<float> model, int steps, Random? masks = null) =>
        model.Shape.Dropout > 0 ? GeneratedModels.CreateTape(model, steps, masks ?? new Random(7)) : model.CreateTape(steps);

    /// <summary>A seeded source that can start its sequence over (dropout draws through <see cref="Random.NextDouble"/>).</summary>
    private sealed class ReplayRandom(int seed) : Random
    {
        private Random _inner = new(seed);

        public void Restart() => _inner = new Random(seed);

        public override double NextDouble() => _inner.NextDouble();

        public override int Next() => _inner.Next();

        public override int Next(int maxValue) => _inner.Next(maxValue);

        public override int Next(int minValue, int maxValue) => _inner.Next(minValue, maxValue);

        protected override double Sample() => _inner.NextDouble();
    }

    private static unsafe nint Address(Span<float> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}
