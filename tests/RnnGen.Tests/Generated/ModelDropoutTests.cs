using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Dropout between layers (PyTorch's <c>dropout</c>): only the tape-taking Forward applies it, with masks drawn from the
/// tape's random source, one draw per value of every layer's output but the last's, in row-major order, so a seed
/// fixes the masks, and the generated model and the reference draw the same ones.
/// </summary>
public sealed class ModelDropoutTests(ITestOutputHelper output)
{
    private const double Floor = 2e-6;

    public static TheoryData<string> Names => new([nameof(LstmDropout), nameof(GruDropoutBi)]);

    [Theory]
    [MemberData(nameof(Names))]
    public void ASeededTapeRepeatsItsMasks(string name)
    {
        const int steps = 30;
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1));
        var data = ModelData.Random(new Random(2), model.Shape, steps);
        double p = model.Shape.Dropout;

        Tape<float> first = GeneratedModels.CreateTape(model, steps, new Random(7)), second = GeneratedModels.CreateTape(model, steps, new Random(7));
        CellResults a = data.Run(model, first, model), b = data.Run(model, second, model);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            Assert.True(a[tensor].SequenceEqual(b[tensor]), $"{name}: {tensor} differs between two tapes seeded alike");
        }

        // The masks: 0 or 1/(1 − p), each value dropped with probability p, the same in both tapes.
        float kept = (float)(1 / (1 - p));
        int dropped = 0, total = 0;
        for (int layer = 0; layer < model.Shape.Layers - 1; layer++)
        {
            float[] mask = first.Mask(layer).ToArray();
            Models.AssertBitwise(mask, second.Mask(layer), $"{name}: mask of layer {layer}");
            Assert.All(mask, m => Assert.True(m == 0 || m == kept, $"mask value {m}, expected 0 or {kept}"));
            dropped += mask.Count(m => m == 0);
            total += mask.Length;
        }

        double fraction = (double)dropped / total;
        output.WriteLine($"{name}: dropped {dropped} of {total} ({fraction:P1}), p = {p}");
        Assert.InRange(fraction, p - 0.06, p + 0.06);

        // Another seed, or the same tape again (its source has moved on), draws other masks.
        CellResults other = data.Run(model, GeneratedModels.CreateTape(model, steps, new Random(8)), model);
        Assert.False(other.Outputs.SequenceEqual(a.Outputs), $"{name}: seeds 7 and 8 gave the same outputs");
        (float[] again, _) = data.Record(model, first);
        Assert.False(FixtureRunner.Widen<float>(again).SequenceEqual(a.Outputs), $"{name}: a second Forward on one tape repeated its masks");
    }

    /// <summary>
    /// Inference (Forward with a workspace, Forward, Step, the frozen snapshot) applies no dropout: bit for bit what the
    /// same parameters compute in the twin class declared without dropout, whose training pass matches it too.
    /// </summary>
    [Theory]
    [InlineData(nameof(LstmDropout), nameof(LstmDropoutTwin))]
    [InlineData(nameof(GruDropoutBi), nameof(GruDropoutBiTwin))]
    public void InferenceIgnoresDropout(string name, string twinName)
    {
        const int steps = 25;
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(1)), twin = GeneratedModels.Create(twinName, new Random(9));
        model.Parameters.CopyTo(twin.Parameters);
        var data = ModelData.Random(new Random(2), model.Shape, steps);

        (float[] outputs, float[] state) = data.Infer(model);
        (float[] twinOutputs, float[] twinState) = data.Infer(twin);
        Models.AssertBitwise(twinOutputs, outputs, $"{name}: Forward(workspace) outputs");
        Models.AssertBitwise(twinState, state, $"{name}: Forward(workspace) final state");

        (float[] twinTraining, float[] twinTrainingState) = data.Record(twin, twin.CreateTape(steps));
        // The training pass steps as Step does; a unidirectional Forward hoists its input projection (float-rounding rule).
        Models.AssertClose(twinTraining, outputs, Models.SequenceTolerance, $"{name}: Forward(workspace) outputs vs the twin's training pass");
        Models.AssertClose(twinTrainingState, state, Models.SequenceTolerance, $"{name}: Forward(workspace) final state vs the twin's training pass");

        float[] frozenOutputs = new float[steps * model.OutputSize], frozenState = FixtureRunner.Convert<float>(data.InitialState);
        float[] twinFrozenOutputs = new float[steps * model.OutputSize], twinFrozenState = FixtureRunner.Convert<float>(data.InitialState);
        GeneratedModels.Freeze(model).Forward(FixtureRunner.Convert<float>(data.Inputs), frozenOutputs, frozenState, model.CreateWorkspace(steps));
        GeneratedModels.Freeze(twin).Forward(FixtureRunner.Convert<float>(data.Inputs), twinFrozenOutputs, twinFrozenState, twin.CreateWorkspace(steps));
        Models.AssertBitwise(twinFrozenOutputs, frozenOutputs, $"{name}: frozen Forward(workspace) outputs");
        Models.AssertBitwise(twinFrozenState, frozenState, $"{name}: frozen Forward(workspace) final state");

        if (model is IStreamingModel<float> streaming)
        {
            (float[] streamed, float[] streamedState) = data.Stream(streaming);
            (float[] stepped, float[] steppedState) = data.StepByStep(streaming);
            Models.AssertBitwise(twinOutputs, streamed, $"{name}: Forward outputs");
            Models.AssertBitwise(twinState, streamedState, $"{name}: Forward final state");
            Models.AssertClose(twinOutputs, stepped, Models.SequenceTolerance, $"{name}: Step outputs");
            Models.AssertClose(twinState, steppedState, Models.SequenceTolerance, $"{name}: Step final state");
        }

        // The training pass does apply it.
        (float[] training, _) = data.Record(model, GeneratedModels.CreateTape(model, steps, new Random(7)));
        Assert.False(training.SequenceEqual(outputs), $"{name}: the training pass applied no dropout");
    }

    /// <summary>
    /// The generated model and <see cref="ReferenceModel{T}"/> (double) with the same parameters and tapes seeded alike
    /// draw the same masks, so they agree on outputs, final state and every gradient; a float reference's seeded tape
    /// backpropagates through the generated model to the gradients of the generated model's own.
    /// </summary>
    [Theory]
    [InlineData(nameof(LstmDropout), 7)]
    [InlineData(nameof(LstmDropout), 60)]
    [InlineData(nameof(GruDropoutBi), 7)]
    [InlineData(nameof(GruDropoutBi), 60)]
    public void MatchesTheReferenceWithTheSameSeed(string name, int steps)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(steps));
        var reference = new ReferenceModel<double>(model.Shape);
        FixtureRunner.Widen<float>(model.Parameters).CopyTo(reference.Parameters);
        var data = ModelData.Random(new Random(steps + 1), model.Shape, steps);

        Tape<float> tape = GeneratedModels.CreateTape(model, steps, new Random(7));
        Tape<double> referenceTape = reference.CreateTape(steps, new Random(7));
        CellResults actual = data.Run(model, tape, model), expected = data.Run(reference, referenceTape, reference);
        for (int layer = 0; layer < model.Shape.Layers - 1; layer++)
        {
            Models.AssertBitwise(referenceTape.Mask(layer).ToArray().Select(m => (float)m).ToArray(), tape.Mask(layer), $"{name}: mask of layer {layer}");
        }

        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{name} T={steps} {tensor}: {Error.Relative(actual[tensor], expected[tensor]):E2}");
            Error.AssertWithin(actual[tensor], expected[tensor], Floor, $"{name} T={steps}: {tensor}");
        }

        var floatReference = new ReferenceModel<float>(model.Shape);
        model.Parameters.CopyTo(floatReference.Parameters);
        CellResults swapped = data.Run(floatReference, floatReference.CreateTape(steps, new Random(7)), model);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            Error.AssertWithin(swapped[tensor], actual[tensor], Floor, $"{name} T={steps}: {tensor}, generated Backward on the float reference's seeded tape");
        }
    }
}
