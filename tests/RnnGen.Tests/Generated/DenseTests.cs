using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using RnnGen.Reference;
using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Generated dense layers: the same numbers as the double reference (outputs, input gradients, accumulated parameter
/// gradients) on every shape's tail paths, the nn.Linear initialisation, the argument checks, and no allocation.
/// </summary>
public class DenseTests
{
    // The cells' acceptance floor: max|float − double| ÷ max|double| per tensor.
    private const double Floor = 2e-6;

    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach ((int input, int output) in GeneratedDense.Shapes)
        {
            foreach (int rows in new[] { 0, 1, 5 })
            {
                data.Add(input, output, rows);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDoubleReference(int input, int output, int rows)
    {
        var random = new Random(100 * input + output);
        IDenseLayer<float> layer = GeneratedDense.Create(input, output, random);
        var reference = new ReferenceDense<double>(input, output);
        FixtureRunner.Widen<float>(layer.Parameters).CopyTo(reference.Parameters);

        float[] x = Uniform<float>(random, rows * input, 2), dy = Uniform<float>(random, rows * output, 1);
        // Parameter gradients start non-zero: Backward must add to them, not overwrite them.
        float[] start = Uniform<float>(random, layer.ParameterCount, 0.5);

        float[] y = new float[rows * output], dx = new float[rows * input], dp = (float[])start.Clone();
        layer.Forward(x, y);
        layer.Backward(x, dy, dx, dp);

        double[] yRef = new double[y.Length], dxRef = new double[dx.Length], dpRef = FixtureRunner.Widen<float>(start);
        reference.Forward(FixtureRunner.Widen<float>(x), yRef);
        reference.Backward(FixtureRunner.Widen<float>(x), FixtureRunner.Widen<float>(dy), dxRef, dpRef);

        string name = $"Dense ({input},{output}) rows={rows} on {SimdSupport.Widest}";
        Error.AssertWithin(FixtureRunner.Widen<float>(y), yRef, Floor, $"{name}: outputs");
        Error.AssertWithin(FixtureRunner.Widen<float>(dx), dxRef, Floor, $"{name}: input gradients");
        Error.AssertWithin(FixtureRunner.Widen<float>(dp), dpRef, Floor, $"{name}: parameter gradients");

        // Skipping the input gradients changes nothing else, bit for bit.
        float[] dpSkipped = (float[])start.Clone();
        layer.Backward(x, dy, Span<float>.Empty, dpSkipped);
        AssertBitwiseEqual<float>(dp, dpSkipped, $"{name}: parameter gradients without dx");
    }

    /// <summary>Forward over many vectors is the same, bit for bit, as one call per vector (so batching is free to use).</summary>
    [Fact]
    public void ForwardOverRowsEqualsOneCallPerRow()
    {
        var layer = new Dense13x5(new Random(3));
        float[] x = Uniform<float>(new Random(4), 6 * Dense13x5.InputSize, 1);
        float[] all = new float[6 * Dense13x5.OutputSize], each = new float[all.Length];
        layer.Forward(x, all);
        for (int t = 0; t < 6; t++)
        {
            layer.Forward(x.AsSpan(t * Dense13x5.InputSize, Dense13x5.InputSize), each.AsSpan(t * Dense13x5.OutputSize, Dense13x5.OutputSize));
        }

        AssertBitwiseEqual<float>(all, each, "rows");
    }

    [Fact]
    public void ConstantsViewsAndMemoryDescribeOneBuffer()
    {
        Assert.Equal((13, 5, 5 * 13 + 5), (Dense13x5.InputSize, Dense13x5.OutputSize, Dense13x5.ParameterCount));
        var layer = new Dense13x5(new Random(1));
        Assert.Equal(Dense13x5.ParameterCount, layer.Parameters.Length);
        Assert.Equal(5 * 13, layer.Weight.Length);
        Assert.Equal(5, layer.Bias.Length);
        Assert.True(layer.Weight.Overlaps(layer.Parameters[..65]) && layer.Bias.Overlaps(layer.Parameters[65..]));

        // ParameterMemory is the same storage: a write through it is what Forward uses next.
        layer.ParameterMemory.Span.Clear();
        layer.ParameterMemory.Span[65] = 2.5f;   // bias[0]
        float[] y = new float[5];
        layer.Forward(new float[13], y);
        Assert.Equal([2.5f, 0, 0, 0, 0], y);
        Assert.Equal(SimdEnvironment.PathFor(Dense13x5.InputSize), Dense13x5.ActivePath);
    }

    /// <summary>nn.Linear's default: weight and bias uniform on ±1/√N, drawn in parameter order like every RnnGen module.</summary>
    [Fact]
    public void InitialisationIsNnLinearsDrawnInParameterOrder()
    {
        var layer = new Dense64x10(new Random(7));
        var reference = new ReferenceDense<float>(64, 10, new Random(7));
        Assert.Equal(reference.Parameters.ToArray(), layer.Parameters.ToArray());

        var draws = new Random(7);
        Assert.Equal((float)((2 * draws.NextDouble() - 1) / Math.Sqrt(64)), layer.Parameters[0]);
        float bound = 1 / MathF.Sqrt(64);
        Assert.All(layer.Parameters.ToArray(), p => Assert.InRange(p, -bound, bound));
        // Not a degenerate fill: the draws cover most of the interval.
        Assert.True(layer.Parameters.ToArray().Max() > 0.9f * bound && layer.Parameters.ToArray().Min() < -0.9f * bound);
        Assert.NotEqual(new Dense64x10(new Random(8)).Parameters.ToArray(), layer.Parameters.ToArray());
    }

    /// <summary>Every public member of a generated layer, called with named arguments, so a rename breaks this build first.</summary>
    [Fact]
    public void PublicSurfaceWithNamedArguments()
    {
        DenseAttribute attribute = typeof(Dense3x2).GetCustomAttributes(typeof(DenseAttribute), false).Cast<DenseAttribute>().Single();
        Assert.Equal((attribute.Input, attribute.Output), (Dense3x2.InputSize, Dense3x2.OutputSize));
        Assert.Equal(Dense3x2.ParameterCount, new Dense3x2().Parameters.Length);
        IDenseLayer<float> layer = new Dense3x2(random: new Random(9));
        Assert.Equal((3, 2, 8), (layer.InputSize, layer.OutputSize, layer.ParameterCount));
        Assert.Equal(layer.Parameters.Length, layer.ParameterMemory.Length);
        Assert.Equal((6, 2), (layer.Weight.Length, layer.Bias.Length));

        float[] y = new float[4], dx = new float[6], dp = new float[8];
        layer.Forward(inputs: [1f, 2, 3, 4, 5, 6], outputs: y);
        layer.Backward(inputs: [1f, 2, 3, 4, 5, 6], outputGradients: [1f, 0, 0, 1], inputGradients: dx, parameterGradients: dp);
        Assert.Equal([1f, 2, 3, 4, 5, 6, 1, 1], dp);            // dW = dy ⊗ x summed over the two vectors, db = Σ dy
        Assert.Equal(layer.Weight.ToArray(), dx);               // dy = e₀ then e₁: dx = W's rows
        Assert.Equal(y[0] - layer.Bias[0], layer.Weight[0] * 1 + layer.Weight[1] * 2 + layer.Weight[2] * 3, 5);

        var layer2 = new Dense3x2(random: null);
        var file = new RnnGen.IO.WeightFile();
        ((Dense3x2)layer).SaveWeights(file: file, prefix: "head.");
        layer2.LoadWeights(file: file, prefix: "head.", strict: true);
        Assert.Equal(layer.Parameters.ToArray(), layer2.Parameters.ToArray());
    }

    [Fact]
    public void WrongLengthsThrowBeforeAnythingIsWritten()
    {
        var layer = new Dense3x2(new Random(1));
        float[] dp = Uniform<float>(new Random(2), Dense3x2.ParameterCount, 1), before = (float[])dp.Clone();
        float[] y = [9, 9, 9, 9];

        Assert.Contains("inputs has length 4; expected a multiple of 3", Assert.Throws<ArgumentException>("inputs", () => layer.Forward(new float[4], y)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>("outputs", () => layer.Forward(new float[6], new float[3]));
        Assert.Equal([9f, 9, 9, 9], y);
        Assert.Throws<ArgumentException>("outputGradients", () => layer.Backward(new float[6], new float[3], new float[6], dp));
        Assert.Throws<ArgumentException>("inputGradients", () => layer.Backward(new float[6], new float[4], new float[5], dp));
        Assert.Throws<ArgumentException>("parameterGradients", () => layer.Backward(new float[6], new float[4], new float[6], new float[7]));
        Assert.Equal(before, dp);

        // Zero vectors is a valid batch: nothing to do, nothing written.
        layer.Forward(ReadOnlySpan<float>.Empty, Span<float>.Empty);
        layer.Backward(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty, dp);
        Assert.Equal(before, dp);
    }

    [Fact]
    public void ParametersStartOnACacheLine()
    {
        foreach ((int input, int output) in GeneratedDense.Shapes)
        {
            IDenseLayer<float> layer = GeneratedDense.Create(input, output);
            Assert.Equal(0, Address(layer.Parameters) % 64);
            Assert.Equal(0, Address(layer.ParameterMemory.Span) % 64);
            Assert.Equal(0, Address(layer.Weight) % 64);
        }
    }

    [Fact]
    public void TakesTheWidestPathItsInputsFill()
    {
        // The larger of input and output decides: 16 fill a Vector512, 8 a Vector256, 4 a Vector128.
        SimdPath widest = SimdEnvironment.WidestForSmallLayers;   // the head takes Vector512 only when opted in
        Assert.Equal(widest, Dense64x10.ActivePath);
        Assert.Equal(SimdEnvironment.PathFor(8, widest), Dense8x1.ActivePath);
        Assert.Equal(Vector128.IsHardwareAccelerated ? SimdPath.Vector128 : SimdPath.Scalar, Dense4x4.ActivePath);
        Assert.Equal(SimdPath.Scalar, Dense3x2.ActivePath);
    }

    [Theory]
    [InlineData(64, 10)]
    [InlineData(13, 5)]
    [InlineData(3, 2)]
    public void ForwardAndBackwardAllocateNothing(int input, int output)
    {
        const int Rows = 50;
        IDenseLayer<float> layer = GeneratedDense.Create(input, output, new Random(1));
        var random = new Random(2);
        float[] x = Uniform<float>(random, Rows * input, 1), y = new float[Rows * output], dy = Uniform<float>(random, Rows * output, 1);
        float[] dx = new float[Rows * input], dp = new float[layer.ParameterCount];

        long bytes = SteadyState.Allocations(() => [Measure()])[0];
        Assert.True(bytes == 0, $"1000 Forward + Backward calls over {Rows} vectors allocated {bytes} bytes");

        long Measure()
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                layer.Forward(x, y);
                layer.Backward(x, dy, dx, dp);
            }

            return GC.GetAllocatedBytesForCurrentThread() - start;
        }
    }

    private static unsafe nint Address(Span<float> span) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}
