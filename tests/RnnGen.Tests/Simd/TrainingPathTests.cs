using System.Reflection;
using RnnGen.Simd;
using RnnGen.Tests.Generated;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The training kernels (one step back, batched or not, the input gradients of a sequence and the parameter gradients) take Vector512 by default from 64
/// hidden units on an AVX-512 host, the forward kernels from 64 GRU or 96 LSTM units (an LSTM of 64 to 95 trains on
/// Vector512 and steps forward on Vector256 unless the process opts in). Every width
/// records the same tape layout, so the mix is sound; what the width changes is the rounding of one step back's
/// transposed products, within float rounding of the other widths.
/// </summary>
public sealed class TrainingPathTests
{
    private delegate void BackwardStepKernel(ref float w, ref float previous, ref float activations, ref float dNext, ref float dOut, ref float da, ref float dPrev, ref float dx, bool computeDx);

    private delegate void ParameterGradientsKernel(ref float dp, ref float da, ref float inputs, ref float states, ref float activations, int steps);

    private delegate void InputGradientsKernel(ref float w, ref float daRows, ref float dxRows, int dxStride, int count);

    private delegate void StepKernel(ref float w, ref float x, ref float previous, ref float next, ref float activations);

    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;

    [Theory]
    [InlineData(null, null, null)]
    [InlineData(null, "1", true)]
    [InlineData(null, "0", false)]
    [InlineData(null, "yes", null)]
    [InlineData(false, "1", false)]   // the AppContext switch wins over the environment
    [InlineData(true, "0", true)]
    [InlineData(true, null, true)]
    [InlineData(false, null, false)]
    public void TheSwitchOptsInOrOutAndWinsOverTheEnvironment(bool? appContextSwitch, string? environment, bool? expected) =>
        Assert.Equal(expected, SimdSupport.Choose(appContextSwitch, environment));

    [AcceleratedVector512Theory]
    [InlineData(typeof(Lstm64x128))]
    [InlineData(typeof(Gru64x128))]
    [InlineData(typeof(Lstm8x16))]
    [InlineData(typeof(Gru16x17))]
    public void TheDispatcherRunsItsPathsBodyAndEveryWidthAgrees(Type cell)
    {
        Type layer = cell.GetNestedType("Kernels", BindingFlags.NonPublic | BindingFlags.Public)!.GetNestedType("FirstLayer", BindingFlags.NonPublic | BindingFlags.Public)!;
        int Constant(string name) => (int)layer.GetField(name)!.GetRawConstantValue()!;
        int input = Constant("InputSize"), hidden = Constant("HiddenSize"), stateSize = Constant("StateSize"), parameterCount = Constant("ParameterCount");
        int activationsPerStep = Constant("ActivationsPerStep"), gradientsPerStep = Constant("GradientsPerStep");
        string[] suffixes = ["512", "256", "128", "1", ""];   // "" is the dispatcher the cell calls

        // Saturating weights (×4) and a recorded step from the forward kernel, so da holds realistic gate derivatives.
        var random = new Random(input * 1000 + hidden);
        float[] Values(int length, float scale) => [.. Enumerable.Range(0, length).Select(_ => scale * (2 * random.NextSingle() - 1))];
        float[] w = Values(parameterCount, 4f), x = Values(input, 2f), previous = Values(stateSize, 1f);
        float[] next = new float[stateSize], activations = new float[activationsPerStep];
        layer.GetMethod("Step256", Private)!.CreateDelegate<StepKernel>()(ref w[0], ref x[0], ref previous[0], ref next[0], ref activations[0]);
        float[] dNext = Values(stateSize, 1f), dOut = Values(hidden, 1f);

        var backward = new List<float[]>();
        foreach (string suffix in suffixes)
        {
            var step = layer.GetMethod("BackwardStep" + suffix, Private)?.CreateDelegate<BackwardStepKernel>();
            if (step is null)
            {
                continue;   // counted below
            }

            float[] da = new float[gradientsPerStep], dPrev = new float[Constant("BackwardScratch")], dx = new float[input];   // dPrev: dL/d(previous), then scratch
            step(ref w[0], ref previous[0], ref activations[0], ref dNext[0], ref dOut[0], ref da[0], ref dPrev[0], ref dx[0], computeDx: true);
            backward.Add([.. da, .. dPrev[..stateSize], .. dx]);
        }

        const int Steps = 37;   // one block of the blocked accumulation (at most 64 steps a block), not a multiple of any width
        float[] inputs = Values(Steps * input, 2f), states = Values((Steps + 1) * stateSize, 1f);
        float[] recorded = Values(Steps * activationsPerStep, 1f), gradients = Values(Steps * gradientsPerStep, 1f), start = Values(parameterCount, 0.1f);
        var parameterGradients = new List<float[]>();
        foreach (string suffix in suffixes)
        {
            var accumulate = layer.GetMethod("ParameterGradients" + suffix, Private)?.CreateDelegate<ParameterGradientsKernel>();
            if (accumulate is not null)
            {
                float[] dp = (float[])start.Clone();
                accumulate(ref dp[0], ref gradients[0], ref inputs[0], ref states[0], ref recorded[0], Steps);
                parameterGradients.Add(dp);
            }
        }

        // dx of every step at once, as Backward computes it after the steps back (the gradients' rows as da).
        var inputGradients = new List<float[]>();
        foreach (string suffix in suffixes)
        {
            var product = layer.GetMethod("InputGradients" + suffix, Private)?.CreateDelegate<InputGradientsKernel>();
            if (product is not null)
            {
                float[] dx = new float[Steps * input];
                product(ref w[0], ref gradients[0], ref dx[0], input, Steps);
                inputGradients.Add(dx);
            }
        }

        Assert.Equal(suffixes.Length, backward.Count);   // every cell here fills a Vector512
        Assert.Equal(suffixes.Length, inputGradients.Count);
        Assert.Equal(suffixes.Length, parameterGradients.Count);
        Assert.NotEqual(start, parameterGradients[0]);
        Assert.Contains(backward[0], value => value != 0);
        int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
        double[] Wide(float[] values) => [.. values.Select(value => (double)value)];
        float[] Body(List<float[]> results, string suffix) => results[Array.IndexOf(suffixes, suffix)];

        // The cell's dispatcher runs the body the environment calls for (worked out from the knobs, not from the flags
        // the dispatch reads): Vector512 for training from 64 units unless opted out, else only when opted in.
        bool trainingOn512 = hidden >= 64 ? SimdEnvironment.LargeLayersOnVector512 : SimdEnvironment.AllOnVector512;
        string expected = trainingOn512 ? "512" : "256";
        Assert.Equal(Bits(Body(backward, expected)), Bits(Body(backward, "")));
        Assert.Equal(Bits(Body(parameterGradients, expected)), Bits(Body(parameterGradients, "")));
        Assert.Equal(Bits(Body(inputGradients, expected)), Bits(Body(inputGradients, "")));
        if (hidden >= 64)
        {
            // The 512-bit step back blocks its transposed products differently: its bits differ, so the check above can fail.
            // (Under 64 units the two bodies give the same bits here, so for those cells the check shows only agreement.)
            Assert.NotEqual(Bits(Body(backward, "512")), Bits(Body(backward, "256")));
        }

        // The parameter gradients accumulate each lane in step order on every vector width: the same bits.
        Assert.Equal(Bits(Body(parameterGradients, "256")), Bits(Body(parameterGradients, "512")));
        Assert.Equal(Bits(Body(parameterGradients, "256")), Bits(Body(parameterGradients, "128")));

        // Backward's deferred dx against each width's own step back, given that step's da: the same bits where both stream
        // every row through one block of column sums (scalar code, and inputs of 8 vectors or more: the (64,128) cells),
        // within float rounding where the step back's narrow product sums in another order.
        foreach ((string suffix, int lanes) in ((string, int)[])[("256", 8), ("128", 4), ("1", 1)])
        {
            float[] stepBack = Body(backward, suffix);
            float[] da = stepBack[..gradientsPerStep], dx = new float[input];
            layer.GetMethod("InputGradients" + suffix, Private)!.CreateDelegate<InputGradientsKernel>()(ref w[0], ref da[0], ref dx[0], input, 1);
            if (lanes == 1 || input >= 8 * lanes)
            {
                Assert.Equal(Bits(stepBack[^input..]), Bits(dx));
            }
            else
            {
                Assert.True(Error.Relative(Wide(dx), Wide(stepBack[^input..])) <= 1e-6, $"input gradients against the step back on {suffix}");
            }
        }

        // Every width, scalar included, is within float rounding of the 256-bit body (relative to the largest gradient).
        foreach (string suffix in suffixes)
        {
            Assert.True(Error.Relative(Wide(Body(backward, suffix)), Wide(Body(backward, "256"))) <= 1e-6, $"one step back on {suffix}");
            Assert.True(Error.Relative(Wide(Body(parameterGradients, suffix)), Wide(Body(parameterGradients, "256"))) <= 1e-6, $"parameter gradients on {suffix}");
            Assert.True(Error.Relative(Wide(Body(inputGradients, suffix)), Wide(Body(inputGradients, "256"))) <= 1e-6, $"input gradients on {suffix}");
        }
    }
}
