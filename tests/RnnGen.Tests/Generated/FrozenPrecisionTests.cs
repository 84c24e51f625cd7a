using RnnGen.Generated;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// <c>Freeze(WeightPrecision)</c>: snapshots whose weight matrices are rounded to bfloat16 or half (biases float32) step
/// as PyTorch does on <c>w.bfloat16().float()</c> / <c>w.half().float()</c> weights (tests/fixtures/precision, 1,000
/// steps of a realistic signal), on whichever SIMD path the process takes; the rounding is PyTorch's, bit for bit.
/// </summary>
public sealed class FrozenPrecisionTests(ITestOutputHelper output)
{
    // The acceptance rule of the other fixture tests: within max(2 × PyTorch's own float32 error, 2e-6) of float64.
    private const double Floor = 2e-6;

    public static TheoryData<string, WeightPrecision> Cases()
    {
        var cases = new TheoryData<string, WeightPrecision>();
        foreach (string name in PrecisionFixture.Names)
        {
            cases.Add(name, WeightPrecision.BFloat16);
            cases.Add(name, WeightPrecision.Half);
        }

        return cases;
    }

    [Fact]
    public void EveryCaseTheScriptWritesIsPresent() =>
        Assert.Equal(["gru_8x16", "gru_l2_head", "lstm_8x16", "lstm_l2_head"], PrecisionFixture.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void FrozenStepMatchesPyTorchOnRoundedWeights(string name, WeightPrecision precision)
    {
        PrecisionFixture fixture = PrecisionFixture.Load(name);
        IRecurrentModel<float> model = Create(fixture);
        var frozen = (IFrozenStreamingModel<float>)Freeze(model, precision);
        float[] outputs = Run(fixture, frozen, out float[] finalState);
        (PrecisionFixture.Run truth, PrecisionFixture.Run float32) = fixture.Results[precision];

        double[] kept = Every(outputs, fixture);
        foreach ((string tensor, double[] actual, double[] expected, double[] pyTorch) in new[]
        {
            ("outputs", kept, truth.Outputs, float32.Outputs),
            ("final state", Widen(finalState), truth.FinalState, float32.FinalState),
        })
        {
            double bound = Math.Max(2 * Error.Relative(pyTorch, expected), Floor);
            output.WriteLine($"{name} {precision} {tensor}: generated {Error.Relative(actual, expected):E2}, bound {bound:E2}");
            Error.AssertWithin(actual, expected, bound, $"{name} {precision}: {tensor} after {fixture.Steps} steps");
        }

        // What the precision costs: the float32 snapshot of the same (unrounded) weights over the same 1,000 steps.
        float[] reference = Run(fixture, (IFrozenStreamingModel<float>)Freeze(model, WeightPrecision.Float32), out _);
        double maxAbsolute = 0, maxMagnitude = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            maxAbsolute = Math.Max(maxAbsolute, Math.Abs(outputs[i] - reference[i]));
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs(reference[i]));
        }

        output.WriteLine($"{name} {precision} against the float32 snapshot over {fixture.Steps} steps: max abs {maxAbsolute:E2}, max relative {maxAbsolute / maxMagnitude:E2} (of max |output| {maxMagnitude:F3})");
        Assert.True(maxAbsolute > 0, "the weights were not rounded");
    }

    [Theory]
    [InlineData(WeightPrecision.BFloat16)]
    [InlineData(WeightPrecision.Half)]
    public void WeightsAlreadyIn16BitsAndEveryBiasAreKeptAsTheyAre(WeightPrecision precision)
    {
        // Weights that are 16-bit values and biases that are not: only weight matrices are rounded, so the 16-bit
        // snapshot must equal the float32 one bit for bit; rounding a bias would change the results.
        var model = new LstmL2Head(new Random(5));
        foreach (ParameterTensor tensor in LstmL2Head.Shape.Tensors)
        {
            Span<float> values = model.Parameters.Slice(tensor.Offset, tensor.Length);
            if (WeightRounding.IsWeight(tensor.Name))
            {
                WeightRounding.Round(values, precision);
            }
            else
            {
                Assert.Contains(values.ToArray(), v => WeightRounding.RoundToBFloat16(v) != v && (float)(Half)v != v);
            }
        }

        float[] inputs = Models.Uniform(new Random(6), 40 * LstmL2Head.InputSize);
        float[] expected = new float[40 * LstmL2Head.OutputSize], actual = new float[expected.Length];
        float[] expectedState = new float[LstmL2Head.StateSize], actualState = new float[LstmL2Head.StateSize];
        model.Freeze().Forward(inputs, expected, expectedState);
        model.Freeze(precision).Forward(inputs, actual, actualState);
        Models.AssertBitwise(expected, actual, $"{precision}: outputs");
        Models.AssertBitwise(expectedState, actualState, $"{precision}: final state");
        Assert.Equal(precision, model.Freeze(precision).Precision);
        Assert.Equal(WeightPrecision.Float32, model.Freeze().Precision);
    }

    [Theory]
    [InlineData(1f, 1f)]
    [InlineData(1f + 1f / 256, 1f)]                   // half an ulp above 1: a tie, to the even 1
    [InlineData(1f + 3f / 256, 1f + 1f / 64)]         // a tie between 1 + 2^−7 (odd) and 1 + 2^−6 (even)
    [InlineData(1f + 1f / 256 + 1f / 65536, 1f + 1f / 128)]   // just above the tie: up
    [InlineData(-2.5f, -2.5f)]
    [InlineData(3.4028235e38f, float.PositiveInfinity)]       // float32's largest rounds up past bfloat16's
    public void BFloat16RoundsToNearestEven(float value, float expected) =>
        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(WeightRounding.RoundToBFloat16(value)));

    [Fact]
    public void BFloat16OfNaNIsPyTorchsQuietNaN() =>
        Assert.Equal(0x7FC00000u, BitConverter.SingleToUInt32Bits(WeightRounding.RoundToBFloat16(BitConverter.UInt32BitsToSingle(0xFF800001u))));

    [Theory]
    [InlineData(nameof(Lstm32x64L2Head), WeightPrecision.BFloat16)]
    [InlineData(nameof(Lstm32x64L2Head), WeightPrecision.Half)]
    [InlineData(nameof(GruRb16x64L2), WeightPrecision.BFloat16)]
    public void FrozenStepAllocatesNothing(string name, WeightPrecision precision)
    {
        var frozen = (IFrozenStreamingModel<float>)GeneratedModels.Freeze(GeneratedModels.Create(name, new Random(1)), precision);
        float[] input = Models.Uniform(new Random(2), frozen.InputSize), state = new float[frozen.StateSize], step = new float[frozen.OutputSize];
        long[] bytes = SteadyState.Allocations(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1_000; i++)
            {
                frozen.Step(input, state, step);
            }

            long after = GC.GetAllocatedBytesForCurrentThread();
            state.AsSpan().Clear();
            return [after - before];
        });
        Assert.Equal(0, bytes[0]);
    }

    private static IRecurrentModel<float> Create(PrecisionFixture fixture)
    {
        IRecurrentModel<float> model = fixture.Name switch
        {
            "lstm_8x16" => new Lstm8x16(),
            "gru_8x16" => new Gru8x16(),
            _ => GeneratedModels.Create(fixture.Shape),
        };
        Assert.Equal(fixture.ParameterNames, model.Shape.Tensors.Select(t => t.Name));
        FixtureRunner.Convert<float>(fixture.Parameters).CopyTo(model.Parameters);
        return model;
    }

    private static IFrozenModel<float> Freeze(IRecurrentModel<float> model, WeightPrecision precision) => model switch
    {
        Lstm8x16 cell => cell.Freeze(precision),
        Gru8x16 cell => cell.Freeze(precision),
        _ => GeneratedModels.Freeze(model, precision),
    };

    /// <summary>One Step per time step from a zero state, as a stream runs: every step's output, and the final state.</summary>
    private static float[] Run(PrecisionFixture fixture, IFrozenStreamingModel<float> frozen, out float[] state)
    {
        int input = frozen.InputSize, size = frozen.OutputSize;
        float[] inputs = FixtureRunner.Convert<float>(fixture.Inputs), outputs = new float[fixture.Steps * size];
        state = new float[frozen.StateSize];
        for (int t = 0; t < fixture.Steps; t++)
        {
            frozen.Step(inputs.AsSpan(t * input, input), state, outputs.AsSpan(t * size, size));
        }

        return outputs;
    }

    /// <summary>The outputs the fixture keeps: steps Every − 1, 2·Every − 1, ….</summary>
    private static double[] Every(float[] outputs, PrecisionFixture fixture)
    {
        int size = outputs.Length / fixture.Steps;
        var kept = new List<double>();
        for (int t = fixture.Every - 1; t < fixture.Steps; t += fixture.Every)
        {
            kept.AddRange(outputs.AsSpan(t * size, size).ToArray().Select(v => (double)v));
        }

        return [.. kept];
    }

    private static double[] Widen(float[] values) => values.Select(v => (double)v).ToArray();
}
