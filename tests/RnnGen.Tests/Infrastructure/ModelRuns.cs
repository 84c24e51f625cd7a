using System.Numerics;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// One sequence for a whole model: inputs, initial state and the upstream gradients of L = Σ outputs⊙R1 +
/// Σ final_state⊙R2, all float32 values held as doubles so float and double models read the same numbers.
/// </summary>
internal sealed record ModelData(double[] Inputs, double[] InitialState, double[] OutputGradients, double[] StateGradient, int Steps)
{
    public static ModelData Random(Random random, ModelShape shape, int steps)
    {
        double[] Draw(int n, double magnitude) => Enumerable.Range(0, n).Select(_ => (double)(float)(magnitude * (2 * random.NextDouble() - 1))).ToArray();
        return new ModelData(
            Draw(steps * shape.InputSize, 1.5), Draw(shape.StateSize, 0.8), Draw(steps * shape.OutputSize, 1), Draw(shape.StateSize, 1), steps);
    }

    public static ModelData From(ModelFixture fixture) =>
        new(fixture.Inputs, fixture.InitialState, fixture.OutputGradients, fixture.StateGradient, fixture.Steps);

    /// <summary>Forward with a fresh tape from the initial state, then Backward; every result widened to double.</summary>
    public CellResults Run<T>(IRecurrentModel<T> model) where T : IFloatingPointIeee754<T> => Run(model, model.CreateTape(Steps), model);

    /// <summary>
    /// Forward on <paramref name="recorder"/> into <paramref name="tape"/>, then Backward on <paramref name="differentiator"/>
    /// from that tape (the two may be different implementations of one shape: tapes are interchangeable).
    /// </summary>
    public CellResults Run<T>(IRecurrentModel<T> recorder, Tape<T> tape, IRecurrentModel<T> differentiator) where T : IFloatingPointIeee754<T>
    {
        (T[] outputs, T[] state) = Record(recorder, tape);
        (T[] stateGradient, T[] inputGradients, T[] parameterGradients) = Differentiate(differentiator, tape);
        return new CellResults(
            FixtureRunner.Widen<T>(outputs), FixtureRunner.Widen<T>(state), FixtureRunner.Widen<T>(parameterGradients),
            FixtureRunner.Widen<T>(inputGradients), FixtureRunner.Widen<T>(stateGradient));
    }

    /// <summary>The training Forward into <paramref name="tape"/>: outputs and the final state.</summary>
    public (T[] Outputs, T[] State) Record<T>(IRecurrentModel<T> model, Tape<T> tape) where T : IFloatingPointIeee754<T>
    {
        T[] outputs = new T[Steps * model.OutputSize], state = FixtureRunner.Convert<T>(InitialState);
        model.Forward(FixtureRunner.Convert<T>(Inputs), outputs, state, tape);
        return (outputs, state);
    }

    /// <summary>Backward over <paramref name="tape"/>: dL/d(initial state), dL/d inputs, dL/d parameters (into zeros).</summary>
    public (T[] State, T[] Inputs, T[] Parameters) Differentiate<T>(IRecurrentModel<T> model, Tape<T> tape) where T : IFloatingPointIeee754<T>
    {
        T[] stateGradient = FixtureRunner.Convert<T>(StateGradient), inputGradients = new T[Steps * model.InputSize], parameterGradients = new T[model.ParameterCount];
        model.Backward(tape, FixtureRunner.Convert<T>(OutputGradients), stateGradient, inputGradients, parameterGradients);
        return (stateGradient, inputGradients, parameterGradients);
    }

    /// <summary>Inference through a workspace: outputs and the final state.</summary>
    public (float[] Outputs, float[] State) Infer(IRecurrentModel<float> model)
    {
        float[] outputs = new float[Steps * model.OutputSize], state = FixtureRunner.Convert<float>(InitialState);
        model.Forward(FixtureRunner.Convert<float>(Inputs), outputs, state, model.CreateWorkspace(Steps));
        return (outputs, state);
    }

    /// <summary>Inference without a workspace (a streaming model): outputs and the final state.</summary>
    public (float[] Outputs, float[] State) Stream(IStreamingModel<float> model)
    {
        float[] outputs = new float[Steps * model.OutputSize], state = FixtureRunner.Convert<float>(InitialState);
        model.Forward(FixtureRunner.Convert<float>(Inputs), outputs, state);
        return (outputs, state);
    }

    /// <summary>One Step per time step (a streaming model): outputs and the final state.</summary>
    public (float[] Outputs, float[] State) StepByStep(IStreamingModel<float> model)
    {
        int input = model.InputSize, output = model.OutputSize;
        float[] inputs = FixtureRunner.Convert<float>(Inputs), outputs = new float[Steps * output], state = FixtureRunner.Convert<float>(InitialState);
        for (int t = 0; t < Steps; t++)
        {
            model.Step(inputs.AsSpan(t * input, input), state, outputs.AsSpan(t * output, output));
        }

        return (outputs, state);
    }
}

/// <summary>Small helpers of the model tests.</summary>
internal static class Models
{
    /// <summary>
    /// The float-rounding rule between a sequence's Forward and one Step per step: a live single-stream Forward computes
    /// layer 0's input projections a block of steps at a time, adding the same terms in another order (docs/generated-code.md).
    /// </summary>
    public const float SequenceTolerance = 3e-5f;

    /// <summary>Multiplies every parameter by <paramref name="scale"/> (4 saturates the gates) and returns the model.</summary>
    public static TModel Scaled<TModel>(TModel model, double scale) where TModel : IRecurrentModel<float>
    {
        foreach (ref float p in model.Parameters)
        {
            p *= (float)scale;
        }

        return model;
    }

    public static float[] Uniform(Random random, int count, double magnitude = 1) =>
        Enumerable.Range(0, count).Select(_ => (float)(magnitude * (2 * random.NextDouble() - 1))).ToArray();

    /// <summary>Fails unless the two arrays hold the same bits (so −0 ≠ +0 and NaN = NaN), naming the first difference.</summary>
    public static void AssertBitwise(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new Xunit.Sdk.XunitException($"{what}: {actual.Length} values, expected {expected.Length}.");
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                throw new Xunit.Sdk.XunitException($"{what}: [{i}] is {actual[i]:R}, expected {expected[i]:R} bit for bit.");
            }
        }
    }

    /// <summary>Every element within <paramref name="tolerance"/> × max(1, |expected|).</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float error = MathF.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance * MathF.Max(1, MathF.Abs(expected[i]))))
            {
                throw new Xunit.Sdk.XunitException($"{what}: [{i}] is {actual[i]:R}, expected {expected[i]:R} (error {error:E2} > {tolerance:E1} relative).");
            }
        }
    }
}
