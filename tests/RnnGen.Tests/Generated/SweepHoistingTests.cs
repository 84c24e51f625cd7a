using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

// Layer 0 below the 384 KB at which a GRU layer stepping on Vector512 hoists (above 256 KB on narrower paths), layer 1 above both.
[Gru(input: 48, hidden: 144, Layers = 2, Bidirectional = true)] public partial class HoistedGru48x144L2Bi;

/// <summary>
/// A bidirectional model's workspace Forward of one stream hoists the input projection of every layer-direction large
/// enough (as the tape-taking Forward does; the reverse direction a block from the end), on the parameters and on a
/// frozen copy. Against the same stream as one of B = 2, which steps without hoisting: outputs and final state within
/// the float-rounding rule. 19 steps: a full block of projections and a partial one, in both directions.
/// </summary>
public sealed class SweepHoistingTests
{
    private const int Steps = 19, Batch = 2;

    public static TheoryData<string, bool> Cases() => new()
    {
        { "Lstm64x160L2Bi", false },
        { "Lstm64x160L2Bi", true },
        { "Gru48x144L2Bi", false },
        { "Gru48x144L2Bi", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneStreamMatchesItselfInAnUnhoistedBatchOfTwo(string name, bool frozen)
    {
        (ModelShape shape, Forward single, Forward batched) = Passes(name, frozen, new Random(61));
        int i = shape.InputSize, o = shape.OutputSize, s = shape.StateSize;
        var random = new Random(62);
        float[] inputs = Models.Uniform(random, Steps * Batch * i), starts = Models.Uniform(random, Batch * s);

        float[] outputs = new float[Steps * Batch * o], states = (float[])starts.Clone();
        batched(inputs, outputs, states, new Workspace<float>(shape, Steps, Batch));

        for (int b = 0; b < Batch; b++)
        {
            float[] streamInputs = Batches.Rows<float>(inputs, Batch, b, i), streamOutputs = new float[Steps * o];
            float[] state = starts.AsSpan(b * s, s).ToArray();
            single(streamInputs, streamOutputs, state, new Workspace<float>(shape, Steps));
            Models.AssertClose(Batches.Rows<float>(outputs, Batch, b, o), streamOutputs, Models.SequenceTolerance, $"{name} (frozen: {frozen}): outputs of stream {b}");
            Models.AssertClose(states.AsSpan(b * s, s), state, Models.SequenceTolerance, $"{name} (frozen: {frozen}): final state of stream {b}");
            Assert.Contains(streamOutputs, v => v != 0);
        }
    }

    /// <summary>The hoisted workspace Forward allocates nothing (its projections live on the stack), live and frozen.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HoistedWorkspaceForwardAllocatesNothing(bool frozen)
    {
        (ModelShape shape, Forward single, _) = Passes("Lstm64x160L2Bi", frozen, new Random(63));
        float[] inputs = Models.Uniform(new Random(64), Steps * shape.InputSize), outputs = new float[Steps * shape.OutputSize], state = new float[shape.StateSize];
        var workspace = new Workspace<float>(shape, Steps);
        long[] bytes = SteadyState.Allocations(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 5; k++)
            {
                single(inputs, outputs, state, workspace);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;   // before the array that returns it
            return [allocated];
        });
        Assert.Equal(0, bytes[0]);
    }

    private delegate void Forward(ReadOnlySpan<float> inputs, Span<float> outputs, Span<float> states, Workspace<float> workspace);

    private static (ModelShape Shape, Forward Single, Forward Batched) Passes(string name, bool frozen, Random random)
    {
        IRecurrentModel<float> model = name == "Lstm64x160L2Bi" ? new HoistedLstm64x160L2Bi(random) : new HoistedGru48x144L2Bi(random);
        if (!frozen)
        {
            return (model.Shape, model.Forward, model.ForwardBatch);
        }

        IFrozenModel<float> copy = model is HoistedLstm64x160L2Bi lstm ? lstm.Freeze() : ((HoistedGru48x144L2Bi)model).Freeze();
        return (model.Shape, copy.Forward, copy.ForwardBatch);
    }
}
