using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

// Every layer-direction above the 256 KB (384 KB on Vector512) of W_ih + W_hh from which a single-stream tape hoists, H a multiple of 16.
[Lstm(input: 64, hidden: 160, Layers = 2, Bidirectional = true)] public partial class HoistedLstm64x160L2Bi;

/// <summary>
/// The tape-taking Forward of one stream hoists the input projection of every layer-direction of 256 KB or more (384 KB on Vector512; the
/// reverse direction a block from the end), recording what Step records. Against the same streams in a tape of B = 2,
/// which steps without hoisting: outputs and final states within the float-rounding rule, and Backward, which reads
/// what the hoisted pass recorded, gives state and input gradients within 1e-5 of their largest entry and parameter
/// gradients (summed over the streams) within 1e-5 of theirs. 19 steps: a full block of projections and a partial one.
/// </summary>
public sealed class TapeHoistingTests(ITestOutputHelper output)
{
    private const int Steps = 19, Batch = 2;

    private const double GradientBound = 1e-5;

    [Theory]
    [InlineData("Lstm100x252")]
    [InlineData("Gru130x250")]
    [InlineData("ResetBeforeGru100x200")]
    [InlineData("Lstm64x160L2Bi")]
    public void HoistedTapeMatchesAnUnhoistedBatchOfTwo(string name)
    {
        IRecurrentModel<float> model = name switch
        {
            "Lstm100x252" => new HoistedLstm100x252(new Random(51)),
            "Gru130x250" => new HoistedGru130x250(new Random(51)),
            "ResetBeforeGru100x200" => new HoistedResetBeforeGru100x200(new Random(51)),
            _ => new HoistedLstm64x160L2Bi(new Random(51)),
        };
        var data = BatchData.Random(new Random(52), model.Shape, Steps, Batch);
        int i = model.InputSize, o = model.OutputSize, s = model.StateSize;

        Tape<float> tape = model.CreateTape(Steps, Batch);
        (float[] outputs, float[] states) = data.Record(model, tape);
        (float[] stateGradients, float[] inputGradients, float[] parameterGradients) = data.Differentiate(model, tape);

        var summed = new double[model.ParameterCount];
        double worst = 0;
        for (int b = 0; b < Batch; b++)
        {
            ModelData stream = data.Stream(b, model.Shape);
            Tape<float> single = model.CreateTape(Steps);
            (float[] streamOutputs, float[] streamState) = stream.Record(model, single);
            Models.AssertClose(Batches.Rows<float>(outputs, Batch, b, o), streamOutputs, Models.SequenceTolerance, $"{name}: hoisted tape outputs of stream {b}");
            Models.AssertClose(states.AsSpan(b * s, s), streamState, Models.SequenceTolerance, $"{name}: hoisted tape final state of stream {b}");

            (float[] stateGradient, float[] streamInputGradients, float[] streamParameterGradients) = stream.Differentiate(model, single);
            double[] expectedState = FixtureRunner.Widen<float>(stateGradients.AsSpan(b * s, s)), expectedInputs = FixtureRunner.Widen<float>(Batches.Rows<float>(inputGradients, Batch, b, i));
            double[] actualState = FixtureRunner.Widen<float>(stateGradient), actualInputs = FixtureRunner.Widen<float>(streamInputGradients);
            Error.AssertWithin(actualState, expectedState, GradientBound, $"{name}: state gradient of stream {b}");
            Error.AssertWithin(actualInputs, expectedInputs, GradientBound, $"{name}: input gradients of stream {b}");
            worst = Math.Max(worst, Math.Max(Error.Relative(actualState, expectedState), Error.Relative(actualInputs, expectedInputs)));
            for (int k = 0; k < summed.Length; k++)
            {
                summed[k] += streamParameterGradients[k];
            }
        }

        double[] expected = FixtureRunner.Widen<float>(parameterGradients);
        Assert.Contains(summed, v => v != 0);
        Error.AssertWithin(summed, expected, GradientBound, $"{name}: parameter gradients of the hoisted single-stream tapes, summed");
        output.WriteLine($"{name}: state and input gradients {worst:E2}, parameter gradients {Error.Relative(summed, expected):E2}");
    }

    /// <summary>A hoisted tape-taking Forward allocates nothing (its projections live on the stack).</summary>
    [Fact]
    public void HoistedTapeForwardAllocatesNothing()
    {
        IRecurrentModel<float> model = new HoistedLstm64x160L2Bi(new Random(53));
        Tape<float> tape = model.CreateTape(Steps);
        float[] inputs = Models.Uniform(new Random(54), Steps * model.InputSize), outputs = new float[Steps * model.OutputSize], state = new float[model.StateSize];
        long[] bytes = SteadyState.Allocations(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 5; k++)
            {
                model.Forward(inputs, outputs, state, tape);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;   // before the array that returns it
            return [allocated];
        });
        Assert.Equal(0, bytes[0]);
    }
}
