using System.Reflection;
using System.Runtime.Intrinsics;
using RnnGen.Generated;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

// A GRU stack with an odd input count and 16-unit tiles (12 accumulators in two alternating sets), which the shared
// shapes do not cover.
[Gru(input: 13, hidden: 32, Layers = 2), Dense(input: 32, output: 3)] public partial class Gru13x32L2Head;

/// <summary>
/// The bfloat16 snapshot (<c>Freeze(WeightPrecision.BFloat16)</c>) keeps two weights per 32-bit slot where its packed
/// 16-bit kernel runs (the Vector256 path): about half the array, no allocation per step, and the results of the float32
/// snapshot of the same rounded weights, over long runs, whichever SIMD path the process takes.
/// </summary>
public sealed class PackedBFloat16Tests(ITestOutputHelper output)
{
    // The packed 16-bit step sums the same products in the same order as the float32 packed step, so on the same path
    // they agree bit for bit, except for a GRU's 16-unit tiles (one set of accumulators, not two); batches agree with the
    // float32 batched step bit for bit (BatchesSumAsTheFloat32BatchedStepDoes). The bound is for the GRU's tiles, and
    // for a float32 kernel with another order.
    private const double Tolerance = 1e-5;
    private const int Steps = 1_000;

    /// <summary>Streaming shapes: odd input counts (a padded pair), 8- and 16-unit tiles, one tile and several, LSTM and GRU, stacks with a head.</summary>
    public static TheoryData<string> StreamingNames => new(
        [nameof(LstmL2Head), nameof(GruL2Head), nameof(Lstm16x32L2), nameof(Lstm32x64L2Head), nameof(Gru13x32L2Head)]);

    [Theory]
    [MemberData(nameof(StreamingNames))]
    public void StepsMatchTheFloat32SnapshotOfTheRoundedWeights(string name)
    {
        (IFrozenModel<float> packed, IFrozenModel<float> reference) = Snapshots(name);
        var packedStream = (IFrozenStreamingModel<float>)packed;
        var referenceStream = (IFrozenStreamingModel<float>)reference;
        float[] inputs = Signal(Steps, packed.InputSize);
        float[] actual = Run(packedStream, inputs), expected = Run(referenceStream, inputs);
        Report(name, "Step", actual, expected);
        Error.AssertWithin(Widen(actual), Widen(expected), Tolerance, $"{name}: outputs of {Steps} steps");

        // B streams at once (the batched 16-bit step)
        const int Batch = 3, BatchSteps = 200;
        float[] batchInputs = Signal(BatchSteps * Batch, packed.InputSize);
        float[] actualBatch = new float[BatchSteps * Batch * packed.OutputSize], expectedBatch = new float[actualBatch.Length];
        packedStream.ForwardBatch(batchInputs, actualBatch, new float[Batch * packed.StateSize]);
        referenceStream.ForwardBatch(batchInputs, expectedBatch, new float[Batch * packed.StateSize]);
        Report(name, "ForwardBatch", actualBatch, expectedBatch);
        Error.AssertWithin(Widen(actualBatch), Widen(expectedBatch), Tolerance, $"{name}: outputs of {Batch} streams");
    }

    /// <summary>
    /// The batched 16-bit step adds each stream's columns in order, as the float32 batched step does, so on the rounded
    /// weights the two agree bit for bit on every path; with 16-unit tiles, whose single 16-bit step also sums in one set,
    /// B streams are B single steps bit for bit. B = 2, 3, 6, 7, 9 reach every remainder of the register blocks (3
    /// streams on Vector256; 4 LSTM or 5 GRU on Vector512); one stream takes the single step.
    /// </summary>
    [Theory]
    [InlineData(nameof(Lstm32x64L2Head), true)]
    [InlineData(nameof(Gru13x32L2Head), true)]   // an odd input count: W_ih's last chunk ends in a padded pair
    [InlineData(nameof(LstmL2Head), false)]      // 8-unit tiles: the single step alternates two sets of sums
    [InlineData(nameof(GruL2Head), false)]
    public void BatchesSumAsTheFloat32BatchedStepDoes(string name, bool singleStepOrder)
    {
        (IFrozenModel<float> packed, IFrozenModel<float> reference) = Snapshots(name);
        var packedStream = (IFrozenStreamingModel<float>)packed;
        var referenceStream = (IFrozenStreamingModel<float>)reference;
        int input = packed.InputSize, o = packed.OutputSize, s = packed.StateSize;
        const int BatchSteps = 60;
        foreach (int batch in new[] { 2, 3, 6, 7, 9 })
        {
            float[] inputs = Signal(BatchSteps * batch, input);
            float[] states = new float[batch * s], referenceStates = new float[batch * s], singleStates = new float[batch * s];
            float[] outputs = new float[batch * o], referenceOutputs = new float[batch * o], singleOutputs = new float[batch * o];
            for (int t = 0; t < BatchSteps; t++)
            {
                ReadOnlySpan<float> rows = inputs.AsSpan(t * batch * input, batch * input);
                packedStream.StepBatch(rows, states, outputs);
                referenceStream.StepBatch(rows, referenceStates, referenceOutputs);
                Assert.True(outputs.AsSpan().SequenceEqual(referenceOutputs) && states.AsSpan().SequenceEqual(referenceStates),
                    $"{name} B={batch}, step {t}: not the float32 batched step's bits on the rounded weights");
                if (!singleStepOrder)
                {
                    continue;
                }

                for (int b = 0; b < batch; b++)
                {
                    packedStream.Step(rows.Slice(b * input, input), singleStates.AsSpan(b * s, s), singleOutputs.AsSpan(b * o, o));
                }

                Assert.True(outputs.AsSpan().SequenceEqual(singleOutputs) && states.AsSpan().SequenceEqual(singleStates),
                    $"{name} B={batch}, step {t}: not {batch} single bfloat16 steps' bits");
            }

            Assert.Contains(outputs, v => v != 0);
        }
    }

    [Theory]
    [InlineData(nameof(Gru8x24L2BiHead))]
    [InlineData(nameof(Lstm12x40P16L2BiHead))]   // projected: no packed 16-bit kernel, the float32 copy of the rounded weights
    public void BidirectionalPassesMatchTheFloat32SnapshotOfTheRoundedWeights(string name)
    {
        (IFrozenModel<float> packed, IFrozenModel<float> reference) = Snapshots(name);
        const int Batch = 2, SequenceSteps = 300;
        float[] inputs = Signal(SequenceSteps * Batch, packed.InputSize);
        float[] actual = new float[SequenceSteps * Batch * packed.OutputSize], expected = new float[actual.Length];
        packed.ForwardBatch(inputs, actual, new float[Batch * packed.StateSize], packed.CreateWorkspace(SequenceSteps, Batch));
        reference.ForwardBatch(inputs, expected, new float[Batch * packed.StateSize], reference.CreateWorkspace(SequenceSteps, Batch));
        Report(name, "ForwardBatch", actual, expected);
        Error.AssertWithin(Widen(actual), Widen(expected), Tolerance, $"{name}: outputs");
    }

    [Theory]
    [InlineData(nameof(Lstm32x64L2Head), true)]
    [InlineData(nameof(Gru8x24L2BiHead), true)]
    [InlineData(nameof(Lstm12x40P16L2BiHead), false)]   // projected: float32 slots
    public void TheSnapshotIsAboutHalfAsLongWhereThePacked16BitKernelRuns(string name, bool packs)
    {
        IRecurrentModel<float> model = GeneratedModels.Create(name, new Random(3));
        int float32 = Array(GeneratedModels.Freeze(model)).Length, bfloat16 = Array(GeneratedModels.Freeze(model, WeightPrecision.BFloat16)).Length;
        output.WriteLine($"{name}: {bfloat16} floats against {float32} ({(double)bfloat16 / float32:F3})");
        if (packs && Vector256.IsHardwareAccelerated)
        {
            // The weights take half; biases, the head and the cache-line padding stay float32.
            Assert.InRange((double)bfloat16 / float32, 0.5, 0.55);
        }
        else
        {
            Assert.Equal(float32, bfloat16);
        }
    }

    [Theory]
    [InlineData(nameof(Lstm32x64L2Head))]
    [InlineData(nameof(Gru13x32L2Head))]
    public void StepAndStepBatchAllocateNothing(string name)
    {
        var frozen = (IFrozenStreamingModel<float>)Freeze(Create(name, new Random(1)), WeightPrecision.BFloat16);
        float[] input = Signal(1, frozen.InputSize), state = new float[frozen.StateSize], step = new float[frozen.OutputSize];
        float[] inputs = Signal(4, frozen.InputSize), states = new float[4 * frozen.StateSize], outputs = new float[4 * frozen.OutputSize];
        long[] bytes = SteadyState.Allocations(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1_000; i++)
            {
                frozen.Step(input, state, step);
            }

            long between = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                frozen.StepBatch(inputs, states, outputs);
            }

            long after = GC.GetAllocatedBytesForCurrentThread();
            state.AsSpan().Clear();
            states.AsSpan().Clear();
            return [between - before, after - between];
        });
        Assert.Equal([0L, 0L], bytes);
    }

    /// <summary>The bfloat16 snapshot of a model, and the float32 snapshot of a twin whose weights are rounded to bfloat16.</summary>
    private static (IFrozenModel<float> Packed, IFrozenModel<float> Reference) Snapshots(string name)
    {
        IRecurrentModel<float> model = Create(name, new Random(11)), rounded = Create(name, new Random(11));
        WeightRounding.RoundWeights(rounded.Parameters, rounded.Shape, WeightPrecision.BFloat16);
        return (Freeze(model, WeightPrecision.BFloat16), Freeze(rounded, WeightPrecision.Float32));
    }

    private static IRecurrentModel<float> Create(string name, Random random) =>
        name == nameof(Gru13x32L2Head) ? new Gru13x32L2Head(random) : GeneratedModels.Create(name, random);

    private static IFrozenModel<float> Freeze(IRecurrentModel<float> model, WeightPrecision precision) =>
        model is Gru13x32L2Head gru ? gru.Freeze(precision) : GeneratedModels.Freeze(model, precision);

    /// <summary>The snapshot's pinned array (its weights, biases and head from a cache-line boundary).</summary>
    private static float[] Array(IFrozenModel<float> frozen) =>
        (float[])frozen.GetType().GetField("_weights", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(frozen)!;

    /// <summary>Rows of slow sines of different periods with a little noise: a signal that keeps the state moving.</summary>
    private static float[] Signal(int rows, int width)
    {
        var random = new Random(rows * 31 + width);
        var values = new float[rows * width];
        for (int t = 0; t < rows; t++)
        {
            for (int i = 0; i < width; i++)
            {
                values[t * width + i] = (float)(0.8 * Math.Sin(0.03 * t * (i + 1) + i) + 0.1 * (2 * random.NextDouble() - 1));
            }
        }

        return values;
    }

    private static float[] Run(IFrozenStreamingModel<float> frozen, float[] inputs)
    {
        int steps = inputs.Length / frozen.InputSize;
        float[] state = new float[frozen.StateSize], outputs = new float[steps * frozen.OutputSize];
        for (int t = 0; t < steps; t++)
        {
            frozen.Step(inputs.AsSpan(t * frozen.InputSize, frozen.InputSize), state, outputs.AsSpan(t * frozen.OutputSize, frozen.OutputSize));
        }

        return outputs;
    }

    private void Report(string name, string pass, float[] actual, float[] expected)
    {
        int differing = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            differing += BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]) ? 1 : 0;
        }

        output.WriteLine($"{name} {pass}: relative error {Error.Relative(Widen(actual), Widen(expected)):E2}, {differing} of {actual.Length} outputs not bit for bit");
    }

    private static double[] Widen(float[] values) => values.Select(v => (double)v).ToArray();
}
