using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

// Subjects on both sides of the frozen Forward's hoisting thresholds (64 KB of layer-0 W_ih + W_hh on a packed copy,
// 256 KB on a plain one, 384 KB where that steps on Vector512): 8-unit tiles with tails in I, no biases, a projection, the reset-before GRU (no packed kernel).
[Lstm(input: 30, hidden: 72)] public partial class HoistedLstm30x72;
[Gru(input: 30, hidden: 72)] public partial class HoistedGru30x72;
[Lstm(input: 30, hidden: 72, Bias = false)] public partial class HoistedLstm30x72NoBias;
[Gru(input: 40, hidden: 64, Bias = false)] public partial class HoistedGru40x64NoBias;
[Lstm(input: 40, hidden: 96, ProjectionSize = 48), Dense(input: 48, output: 5)] public partial class HoistedLstm40x96P48Head;
[Lstm(input: 40, hidden: 96, Layers = 2)] public partial class HoistedLstm40x96L2;
[Gru(input: 30, hidden: 72, ResetAfter = false)] public partial class ResetBeforeGru30x72;
[Gru(input: 100, hidden: 200, ResetAfter = false)] public partial class HoistedResetBeforeGru100x200;

// Layers whose Vector512 hoisted step projects the next block ahead: W_ih's columns all after the W_hh loop (10 < 32
// groups of four W_hh columns), many per group (200 over 8 groups), the 64 KB budget's largest LSTM (1,024 gate rows),
// and GRUs (one tile per pass, only some passes carry a unit), an odd count of tiles and (128,256).
[Lstm(input: 10, hidden: 128)] public partial class AheadLstm10x128;
[Lstm(input: 200, hidden: 32)] public partial class AheadLstm200x32;
[Lstm(input: 128, hidden: 256)] public partial class AheadLstm128x256;
[Gru(input: 40, hidden: 48)] public partial class AheadGru40x48;
[Gru(input: 128, hidden: 256)] public partial class AheadGru128x256;
[Lstm(input: 8, hidden: 48)] public partial class OddTilesLstm8x48;

/// <summary>
/// A frozen snapshot's Forward of one stream hoists layer 0's input projection where it pays: on a packed copy (the
/// Vector256 path, H a multiple of 8, not reset-before) the projection is an outer product over the packed W_ih columns
/// from 64 KB of W_ih + W_hh; on a plain copy the live kernels' from 256 KB (384 KB on Vector512). Over 200 steps (25 blocks and a partial one
/// at (64,128)) its outputs and final state stay within the float-rounding rule of one frozen Step per step, weights ×1
/// and ×4, and equal them bit for bit where it does not hoist, or where the packed step's sums run in one chain (the
/// projection adds the same terms in the same order: LSTMs with 16-unit tiles).
/// </summary>
public sealed class FrozenHoistingTests
{
    private const int Steps = 200;

    /// <summary>Layer-0 W_ih + W_hh floats from which a frozen Forward hoists on a packed copy (a plain one: <see cref="Hoisting.MinimumFor"/>).</summary>
    private const int PackedMinimum = 16 * 1024;

    public static TheoryData<string, float> Cases()
    {
        var cases = new TheoryData<string, float>();
        foreach (string name in Subjects)
        {
            cases.Add(name, 1f);
            cases.Add(name, 4f);
        }

        return cases;
    }

    private static readonly string[] Subjects =
    [
        "Lstm8x16", "Gru8x16", "Lstm13x24", "Lstm64x128", "Gru64x128", "Lstm30x72", "Gru30x72", "Lstm30x72NoBias", "Gru40x64NoBias",
        "Lstm40x96P48Head", "Lstm40x96L2", "ResetBeforeGru30x72", "ResetBeforeGru100x200", "Lstm100x252", "Gru130x250",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void FrozenForwardStaysWithinRoundingOfFrozenStepsOver200Steps(string name, float scale)
    {
        (IRecurrentModel<float> model, Func<IRecurrentModel<float>, IFrozenStreamingModel<float>> freeze) = Create(name);
        IFrozenStreamingModel<float> frozen = freeze(Models.Scaled(model, scale));
        int input = frozen.InputSize, output = frozen.OutputSize;
        float[] inputs = Models.Uniform(new Random(42), Steps * input), start = Models.Uniform(new Random(43), frozen.StateSize);

        float[] stepped = (float[])start.Clone(), steppedOutputs = new float[Steps * output];
        for (int t = 0; t < Steps; t++)
        {
            frozen.Step(inputs.AsSpan(t * input, input), stepped, steppedOutputs.AsSpan(t * output, output));
        }

        float[] forwarded = (float[])start.Clone(), outputs = new float[Steps * output];
        frozen.Forward(inputs, outputs, forwarded);

        Models.AssertClose(steppedOutputs, outputs, Models.SequenceTolerance, $"{name} ×{scale}: frozen Forward outputs");
        Models.AssertClose(stepped, forwarded, Models.SequenceTolerance, $"{name} ×{scale}: frozen Forward final state");
        Assert.Contains(outputs, v => v != 0);
        if (!Hoists(model.Shape) || OneChain(model.Shape))
        {
            Models.AssertBitwise(steppedOutputs, outputs, $"{name} ×{scale}: frozen Forward outputs (not hoisted, or hoisted in one chain)");
            Models.AssertBitwise(stepped, forwarded, $"{name} ×{scale}: frozen Forward final state");
        }
    }

    /// <summary>
    /// Where layer 0 projects ahead (on Vector512: each block of 8 steps computes the next block's input parts inside its
    /// packed steps), the frozen Forward still equals one frozen Step per step at every length around the blocks (shorter
    /// than two blocks: no projecting ahead; a partial last block; whole blocks), weights ×4: an LSTM's bit for bit (its
    /// packed sums run in one chain), a GRU's within the rounding rule. Elsewhere the same lengths check the block-by-block path.
    /// </summary>
    [Theory]
    [InlineData("Lstm64x128")]
    [InlineData("Lstm40x96L2")]
    [InlineData("Lstm10x128")]
    [InlineData("Lstm200x32")]
    [InlineData("Lstm128x256")]
    [InlineData("Gru64x128")]
    [InlineData("Gru40x48")]
    [InlineData("Gru128x256")]
    public void FrozenForwardProjectingAheadEqualsFrozenStepsAtEveryLength(string name)
    {
        (IRecurrentModel<float> model, Func<IRecurrentModel<float>, IFrozenStreamingModel<float>> freeze) = Create(name);
        IFrozenStreamingModel<float> frozen = freeze(Models.Scaled(model, 4f));
        int input = frozen.InputSize, output = frozen.OutputSize;
        bool bitwise = !Hoists(model.Shape) || OneChain(model.Shape);
        foreach (int steps in (int[])[1, 2, 8, 15, 16, 17, 23, 24, 25, 41, 100])
        {
            float[] inputs = Models.Uniform(new Random(steps), steps * input), start = Models.Uniform(new Random(43), frozen.StateSize);
            float[] stepped = (float[])start.Clone(), steppedOutputs = new float[steps * output];
            for (int t = 0; t < steps; t++)
            {
                frozen.Step(inputs.AsSpan(t * input, input), stepped, steppedOutputs.AsSpan(t * output, output));
            }

            float[] forwarded = (float[])start.Clone(), outputs = new float[steps * output];
            frozen.Forward(inputs, outputs, forwarded);
            if (bitwise)
            {
                Models.AssertBitwise(steppedOutputs, outputs, $"{name}, {steps} steps: frozen Forward outputs");
                Models.AssertBitwise(stepped, forwarded, $"{name}, {steps} steps: frozen Forward final state");
            }
            else
            {
                Models.AssertClose(steppedOutputs, outputs, Models.SequenceTolerance, $"{name}, {steps} steps: frozen Forward outputs");
                Models.AssertClose(stepped, forwarded, Models.SequenceTolerance, $"{name}, {steps} steps: frozen Forward final state");
            }
        }
    }

    /// <summary>
    /// Projecting ahead gives the block-by-block projection's floats: a Forward of 16 steps or more (which projects ahead,
    /// in blocks of 8, where the layer does) equals, bit for bit, the same sequence in Forward calls of 8 steps (too short
    /// to project ahead; one block each), weights ×4, outputs and final state; GRUs included, whose hoisted Forward equals
    /// T × Step only to rounding (its projection's floats depend on where a step falls in a block).
    /// </summary>
    [Theory]
    [InlineData("Lstm64x128")]
    [InlineData("Lstm40x96L2")]
    [InlineData("Lstm10x128")]
    [InlineData("Lstm128x256")]
    [InlineData("Gru64x128")]
    [InlineData("Gru40x48")]
    [InlineData("Gru128x256")]
    public void ProjectingAheadGivesTheBlockByBlockFloats(string name)
    {
        (IRecurrentModel<float> model, Func<IRecurrentModel<float>, IFrozenStreamingModel<float>> freeze) = Create(name);
        IFrozenStreamingModel<float> frozen = freeze(Models.Scaled(model, 4f));
        int input = frozen.InputSize, output = frozen.OutputSize;
        // Lengths whose last piece has 2 steps or more: a 1-step Forward does not hoist at all.
        foreach (int steps in (int[])[16, 18, 23, 24, 26, 42, 100])
        {
            float[] inputs = Models.Uniform(new Random(steps), steps * input), start = Models.Uniform(new Random(45), frozen.StateSize);
            float[] whole = (float[])start.Clone(), wholeOutputs = new float[steps * output];
            frozen.Forward(inputs, wholeOutputs, whole);

            float[] pieces = (float[])start.Clone(), pieceOutputs = new float[steps * output];
            for (int t = 0; t < steps; t += 8)
            {
                int count = Math.Min(8, steps - t);
                frozen.Forward(inputs.AsSpan(t * input, count * input), pieceOutputs.AsSpan(t * output, count * output), pieces);
            }

            Models.AssertBitwise(pieceOutputs, wholeOutputs, $"{name}, {steps} steps: frozen Forward outputs");
            Models.AssertBitwise(pieces, whole, $"{name}, {steps} steps: frozen Forward final state");
        }
    }

    /// <summary>
    /// Which layers project ahead: a layer in 16-unit tiles without projection (an LSTM's Vector512 step pairs its tiles
    /// when it has two or more, and then needs an even count), on Vector512 only; never an 8-unit tile, a projection, an
    /// odd count of paired tiles or a plain copy (read from the generated kernels' FrozenProjectsAhead).
    /// </summary>
    [Theory]
    [InlineData("Lstm64x128", true)]
    [InlineData("Lstm40x96L2", true)]
    [InlineData("Lstm10x128", true)]
    [InlineData("Lstm200x32", true)]
    [InlineData("Lstm128x256", true)]
    [InlineData("Gru64x128", true)]
    [InlineData("Gru40x48", true)]
    [InlineData("Gru128x256", true)]
    [InlineData("Lstm8x16", true)]
    [InlineData("Lstm8x48", false)]
    [InlineData("Lstm30x72", false)]
    [InlineData("Lstm40x96P48Head", false)]
    [InlineData("Gru30x72", false)]
    [InlineData("ResetBeforeGru100x200", false)]
    public void Only16UnitTilesProjectAheadAndOnlyOnVector512(string name, bool eligible)
    {
        Type type = Create(name).Item1.GetType();
        Type layer = type.GetNestedType("Kernels", System.Reflection.BindingFlags.NonPublic)!.GetNestedType("FirstLayer")!;
        bool projectsAhead = (bool)layer.GetProperty("FrozenProjectsAhead")!.GetValue(null)!;
        Assert.Equal(eligible && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, projectsAhead);
    }

    /// <summary>A hoisted frozen Forward allocates nothing, as the one that steps (in the steady state: <see cref="SteadyState"/>).</summary>
    [Theory]
    [InlineData("Gru30x72")]
    [InlineData("Lstm40x96P48Head")]
    [InlineData("ResetBeforeGru100x200")]
    [InlineData("Lstm64x128")]
    public void HoistedFrozenForwardAllocatesNothing(string name)
    {
        (IRecurrentModel<float> model, Func<IRecurrentModel<float>, IFrozenStreamingModel<float>> freeze) = Create(name);
        // Each case hoists on the packed (Vector256) path; without Vector256 the two packed-threshold cases keep a plain
        // copy below its threshold, and the same check then covers the Forward that steps.
        Assert.True(Hoists(model.Shape) || !System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, $"{name} was chosen to hoist");
        IFrozenStreamingModel<float> frozen = freeze(model);
        float[] inputs = Models.Uniform(new Random(44), 50 * frozen.InputSize), outputs = new float[50 * frozen.OutputSize], state = new float[frozen.StateSize];
        long[] bytes = SteadyState.Allocations(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                frozen.Forward(inputs, outputs, state);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;   // before the array that returns it
            return [allocated];
        });
        Assert.Equal(0, bytes[0]);
    }

    /// <summary>Whether layer 0 has a packed frozen kernel on this machine.</summary>
    private static bool Packed(ModelShape shape) =>
        System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && shape.HiddenSize % 8 == 0 && !(shape.Kind == CellKind.Gru && !shape.ResetAfter);

    private static bool Hoists(ModelShape shape)
    {
        int gates = shape.Kind == CellKind.Lstm ? 4 : 3;
        int recurrent = shape.ProjectionSize > 0 ? shape.ProjectionSize : shape.HiddenSize;
        return gates * shape.HiddenSize * (shape.InputSize + recurrent) >= (Packed(shape) ? PackedMinimum : Hoisting.MinimumFor(shape.Kind, shape.HiddenSize));
    }

    /// <summary>The packed step sums in one chain per accumulator when a tile has 8 or more of them (an LSTM's 16-unit tiles).</summary>
    private static bool OneChain(ModelShape shape) => Packed(shape) && shape.Kind == CellKind.Lstm && shape.HiddenSize % 16 == 0;

    private static (IRecurrentModel<float>, Func<IRecurrentModel<float>, IFrozenStreamingModel<float>>) Create(string name)
    {
        var random = new Random(41);
        return name switch
        {
            "Lstm8x16" => (new Lstm8x16(random), m => ((Lstm8x16)m).Freeze()),
            "Gru8x16" => (new Gru8x16(random), m => ((Gru8x16)m).Freeze()),
            "Lstm13x24" => (new Lstm13x24(random), m => ((Lstm13x24)m).Freeze()),
            "Lstm64x128" => (new Lstm64x128(random), m => ((Lstm64x128)m).Freeze()),
            "Gru64x128" => (new Gru64x128(random), m => ((Gru64x128)m).Freeze()),
            "Lstm30x72" => (new HoistedLstm30x72(random), m => ((HoistedLstm30x72)m).Freeze()),
            "Gru30x72" => (new HoistedGru30x72(random), m => ((HoistedGru30x72)m).Freeze()),
            "Lstm30x72NoBias" => (new HoistedLstm30x72NoBias(random), m => ((HoistedLstm30x72NoBias)m).Freeze()),
            "Gru40x64NoBias" => (new HoistedGru40x64NoBias(random), m => ((HoistedGru40x64NoBias)m).Freeze()),
            "Lstm40x96P48Head" => (new HoistedLstm40x96P48Head(random), m => (IFrozenStreamingModel<float>)((HoistedLstm40x96P48Head)m).Freeze()),
            "Lstm40x96L2" => (new HoistedLstm40x96L2(random), m => (IFrozenStreamingModel<float>)((HoistedLstm40x96L2)m).Freeze()),
            "ResetBeforeGru30x72" => (new ResetBeforeGru30x72(random), m => ((ResetBeforeGru30x72)m).Freeze()),
            "ResetBeforeGru100x200" => (new HoistedResetBeforeGru100x200(random), m => ((HoistedResetBeforeGru100x200)m).Freeze()),
            "Lstm100x252" => (new HoistedLstm100x252(random), m => ((HoistedLstm100x252)m).Freeze()),
            "Gru130x250" => (new HoistedGru130x250(random), m => ((HoistedGru130x250)m).Freeze()),
            "Lstm10x128" => (new AheadLstm10x128(random), m => ((AheadLstm10x128)m).Freeze()),
            "Lstm200x32" => (new AheadLstm200x32(random), m => ((AheadLstm200x32)m).Freeze()),
            "Lstm128x256" => (new AheadLstm128x256(random), m => ((AheadLstm128x256)m).Freeze()),
            "Gru40x48" => (new AheadGru40x48(random), m => ((AheadGru40x48)m).Freeze()),
            "Gru128x256" => (new AheadGru128x256(random), m => ((AheadGru128x256)m).Freeze()),
            "Lstm8x48" => (new OddTilesLstm8x48(random), m => ((OddTilesLstm8x48)m).Freeze()),
            _ => throw new ArgumentException(name, nameof(name)),
        };
    }
}
