using System.Reflection;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Calls every public member of a generated cell and of the reference cells, with named arguments, on the type that
/// declares it (the generated class; the concrete reference type for constructors, <see cref="ReferenceCell{T}"/> for
/// the rest), so renaming a member or a parameter breaks this build rather than a user's. Each call is also checked:
/// constants match the attribute, views have their PyTorch lengths, results are finite and Step agrees with Forward.
/// </summary>
public class ApiSurfaceTests
{
    private const int Steps = 4;
    private const int Seed = 20;

    [Fact]
    public void GeneratedLstm()
    {
        LstmAttribute attribute = typeof(Lstm3x5).GetCustomAttribute<LstmAttribute>()!;
        Assert.Equal(CellKind.Lstm, Lstm3x5.Kind);
        Assert.Equal(Lstm3x5.InputSize, attribute.Input);
        Assert.Equal(Lstm3x5.HiddenSize, attribute.Hidden);
        Assert.Equal(Lstm3x5.StateSize, 2 * attribute.Hidden);
        Assert.Equal(Lstm3x5.ParameterCount, 4 * attribute.Hidden * (attribute.Input + attribute.Hidden + 2));
        Assert.Equal(SimdEnvironment.PathFor(Lstm3x5.HiddenSize), Lstm3x5.ActivePath);
        Assert.Equal(Lstm3x5.ParameterCount, new Lstm3x5().Parameters.Length);

        var cell = new Lstm3x5(random: new Random(Seed));
        var reference = new ReferenceLstm<float>(inputSize: Lstm3x5.InputSize, hiddenSize: Lstm3x5.HiddenSize, random: new Random(Seed));
        Assert.Equal(reference.Parameters.ToArray(), cell.Parameters.ToArray()); // one seed, one initialisation everywhere
        AssertViews(cell.Parameters, cell.WeightIh, cell.WeightHh, cell.BiasIh, cell.BiasHh, gates: 4, Lstm3x5.InputSize, Lstm3x5.HiddenSize);

        var data = new SurfaceData(Lstm3x5.InputSize, Lstm3x5.HiddenSize, Lstm3x5.StateSize, Lstm3x5.ParameterCount);
        float[] stepped = data.InitialState();
        for (int t = 0; t < Steps; t++)
        {
            cell.Step(input: data.Inputs.AsSpan(t * Lstm3x5.InputSize, Lstm3x5.InputSize), state: stepped);
        }

        float[] state = data.InitialState(), outputs = new float[Steps * Lstm3x5.HiddenSize];
        cell.Forward(inputs: data.Inputs, outputs: outputs, state: state);

        Tape<float> tape = cell.CreateTape(maxSteps: Steps);
        float[] tapedState = data.InitialState(), tapedOutputs = new float[outputs.Length];
        cell.Forward(inputs: data.Inputs, outputs: tapedOutputs, state: tapedState, tape: tape);

        var gradients = new Gradients(data);
        cell.Backward(tape: tape, outputGradients: data.OutputGradients, stateGradient: gradients.State, inputGradients: gradients.Inputs, parameterGradients: gradients.Parameters);

        data.Check(stepped, state, outputs, tapedState, tapedOutputs, tape, gradients);
    }

    [Fact]
    public void GeneratedGru()
    {
        GruAttribute attribute = typeof(Gru3x5).GetCustomAttribute<GruAttribute>()!;
        Assert.Equal(CellKind.Gru, Gru3x5.Kind);
        Assert.Equal(Gru3x5.InputSize, attribute.Input);
        Assert.Equal(Gru3x5.HiddenSize, attribute.Hidden);
        Assert.Equal(Gru3x5.StateSize, attribute.Hidden);
        Assert.Equal(Gru3x5.ParameterCount, 3 * attribute.Hidden * (attribute.Input + attribute.Hidden + 2));
        Assert.Equal(SimdEnvironment.PathFor(Gru3x5.HiddenSize), Gru3x5.ActivePath);
        Assert.Equal(Gru3x5.ParameterCount, new Gru3x5().Parameters.Length);

        var cell = new Gru3x5(random: new Random(Seed));
        var reference = new ReferenceGru<float>(inputSize: Gru3x5.InputSize, hiddenSize: Gru3x5.HiddenSize, random: new Random(Seed));
        Assert.Equal(reference.Parameters.ToArray(), cell.Parameters.ToArray());
        AssertViews(cell.Parameters, cell.WeightIh, cell.WeightHh, cell.BiasIh, cell.BiasHh, gates: 3, Gru3x5.InputSize, Gru3x5.HiddenSize);

        var data = new SurfaceData(Gru3x5.InputSize, Gru3x5.HiddenSize, Gru3x5.StateSize, Gru3x5.ParameterCount);
        float[] stepped = data.InitialState();
        for (int t = 0; t < Steps; t++)
        {
            cell.Step(input: data.Inputs.AsSpan(t * Gru3x5.InputSize, Gru3x5.InputSize), state: stepped);
        }

        float[] state = data.InitialState(), outputs = new float[Steps * Gru3x5.HiddenSize];
        cell.Forward(inputs: data.Inputs, outputs: outputs, state: state);

        Tape<float> tape = cell.CreateTape(maxSteps: Steps);
        float[] tapedState = data.InitialState(), tapedOutputs = new float[outputs.Length];
        cell.Forward(inputs: data.Inputs, outputs: tapedOutputs, state: tapedState, tape: tape);

        var gradients = new Gradients(data);
        cell.Backward(tape: tape, outputGradients: data.OutputGradients, stateGradient: gradients.State, inputGradients: gradients.Inputs, parameterGradients: gradients.Parameters);

        data.Check(stepped, state, outputs, tapedState, tapedOutputs, tape, gradients);
    }

    [Fact]
    public void ReferenceLstm()
    {
        var cell = new ReferenceLstm<float>(inputSize: 3, hiddenSize: 5, random: new Random(Seed));
        Assert.Equal(CellKind.Lstm, cell.Kind);
        Assert.Equal((3, 5, 10, 200, 20), (cell.InputSize, cell.HiddenSize, cell.StateSize, cell.ParameterCount, cell.GateRows));
        Assert.Equal(cell.ParameterCount, new ReferenceLstm<float>(inputSize: 3, hiddenSize: 5).Parameters.Length);
        CallReferenceMembers(cell, gates: 4);
    }

    [Fact]
    public void ReferenceGru()
    {
        var cell = new ReferenceGru<float>(inputSize: 3, hiddenSize: 5, random: new Random(Seed));
        Assert.Equal(CellKind.Gru, cell.Kind);
        Assert.Equal((3, 5, 5, 150, 15), (cell.InputSize, cell.HiddenSize, cell.StateSize, cell.ParameterCount, cell.GateRows));
        Assert.Equal(cell.ParameterCount, new ReferenceGru<float>(inputSize: 3, hiddenSize: 5).Parameters.Length);
        CallReferenceMembers(cell, gates: 3);
    }

    /// <summary>
    /// The members of a reference cell past its constructor, with named arguments. <see cref="ReferenceCell{T}"/>
    /// declares them all, not virtual (<see cref="RnnGen.Reference.ReferenceLstm{T}"/> and <see cref="RnnGen.Reference.ReferenceGru{T}"/>
    /// add only constructors), so these calls bind to the very members a call on either concrete type binds to, and a
    /// rename breaks them alike. A generated cell declares its own members, so its facts above call them on its own type.
    /// </summary>
    private static void CallReferenceMembers(ReferenceCell<float> cell, int gates)
    {
        AssertViews(cell.Parameters, cell.WeightIh, cell.WeightHh, cell.BiasIh, cell.BiasHh, gates: gates, cell.InputSize, cell.HiddenSize);

        var data = new SurfaceData(cell.InputSize, cell.HiddenSize, cell.StateSize, cell.ParameterCount);
        float[] stepped = data.InitialState();
        for (int t = 0; t < Steps; t++)
        {
            cell.Step(input: data.Inputs.AsSpan(t * cell.InputSize, cell.InputSize), state: stepped);
        }

        float[] state = data.InitialState(), outputs = new float[Steps * cell.HiddenSize];
        cell.Forward(inputs: data.Inputs, outputs: outputs, state: state);

        Tape<float> tape = cell.CreateTape(maxSteps: Steps);
        float[] tapedState = data.InitialState(), tapedOutputs = new float[outputs.Length];
        cell.Forward(inputs: data.Inputs, outputs: tapedOutputs, state: tapedState, tape: tape);

        var gradients = new Gradients(data);
        cell.Backward(tape: tape, outputGradients: data.OutputGradients, stateGradient: gradients.State, inputGradients: gradients.Inputs, parameterGradients: gradients.Parameters);

        data.Check(stepped, state, outputs, tapedState, tapedOutputs, tape, gradients);
    }

    /// <summary>The four views have PyTorch's shapes, tile the parameters in order, and alias them (a write shows through).</summary>
    private static void AssertViews(Span<float> parameters, Span<float> weightIh, Span<float> weightHh, Span<float> biasIh, Span<float> biasHh, int gates, int input, int hidden)
    {
        int rows = gates * hidden;
        Assert.Equal([rows * input, rows * hidden, rows, rows], new[] { weightIh.Length, weightHh.Length, biasIh.Length, biasHh.Length });
        Assert.Equal(parameters.Length, weightIh.Length + weightHh.Length + biasIh.Length + biasHh.Length);
        weightIh[0] = 0.25f;
        weightHh[0] = -0.25f;
        biasIh[0] = 0.5f;
        biasHh[^1] = -0.5f;
        Assert.Equal(0.25f, parameters[0]);
        Assert.Equal(-0.25f, parameters[rows * input]);
        Assert.Equal(0.5f, parameters[rows * (input + hidden)]);
        Assert.Equal(-0.5f, parameters[^1]);
    }

    /// <summary>Deterministic inputs and upstream gradients for one short sequence.</summary>
    private sealed class SurfaceData(int input, int hidden, int stateSize, int parameterCount)
    {
        private readonly float[] _initialState = Draw(stateSize, 11);

        public int Input { get; } = input;
        public int Hidden { get; } = hidden;
        public int StateSize { get; } = stateSize;
        public int ParameterCount { get; } = parameterCount;
        public float[] Inputs { get; } = Draw(Steps * input, 12);
        public float[] OutputGradients { get; } = Draw(Steps * hidden, 13);

        public float[] InitialState() => (float[])_initialState.Clone();

        public void Check(float[] stepped, float[] state, float[] outputs, float[] tapedState, float[] tapedOutputs, Tape<float> tape, Gradients gradients)
        {
            AssertFinite(state, StateSize);
            AssertFinite(outputs, Steps * Hidden);
            Models.AssertClose(stepped, state, Models.SequenceTolerance, "Forward against Step repeated");   // the hoisted input projection rounds differently
            Assert.Equal(state.AsSpan(0, Hidden).ToArray(), outputs.AsSpan((Steps - 1) * Hidden).ToArray());
            Assert.Equal(stepped, tapedState);                          // the tape-taking Forward is Step repeated, bit for bit
            Models.AssertClose(tapedOutputs, outputs, Models.SequenceTolerance, "Forward against the tape-taking Forward");
            Assert.Equal(Steps, tape.Steps);
            AssertFinite(gradients.State, StateSize);
            AssertFinite(gradients.Inputs, Steps * Input);
            AssertFinite(gradients.Parameters, ParameterCount);
            Assert.Contains(gradients.Inputs, g => g != 0);
            Assert.Contains(gradients.Parameters, g => g != 0);
        }

        private static float[] Draw(int length, int seed)
        {
            var random = new Random(seed);
            return [.. Enumerable.Range(0, length).Select(_ => (float)(2 * random.NextDouble() - 1))];
        }

        private static void AssertFinite(float[] values, int length)
        {
            Assert.Equal(length, values.Length);
            Assert.All(values, v => Assert.True(float.IsFinite(v), $"{v} is not finite."));
        }
    }

    /// <summary>The backward pass's outputs: dL/d(initial state) (seeded with dL/d(final state)), dL/d inputs, dL/d parameters.</summary>
    private sealed class Gradients(SurfaceData data)
    {
        public float[] State { get; } = [.. Enumerable.Range(0, data.StateSize).Select(i => 0.1f * (i + 1))];
        public float[] Inputs { get; } = new float[Steps * data.Input];
        public float[] Parameters { get; } = new float[data.ParameterCount];
    }
}
