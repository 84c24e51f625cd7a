using System.Diagnostics;
using System.Runtime.Intrinsics;
using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Function = RnnGen.Tests.Simd.ActivationTests.Function;

namespace RnnGen.Tests.Simd;

/// <summary>
/// Sigmoid and Tanh against the exact functions in double for every float of their clamp ranges, both signs:
/// [−80, 80] for σ (below −80 it returns σ(−80) by design), [−9, 9] for tanh (beyond, it returns ±1, which is what
/// tanh rounds to). Every overload generated code can take in this process is checked: the Vector512, Vector256 and Vector128
/// ones where accelerated (a hidden size of 4 to 7 takes Vector128 even on the Vector256 path) and the scalar one.
/// About 2.2e9 floats per function; the reference (one Math.Exp or Math.Tanh per magnitude, shared by both signs and
/// every path) dominates the time. Runs only with RNNGEN_EXHAUSTIVE=1; ActivationTests samples the same bound densely
/// on every run.
/// </summary>
/// <remarks>
/// Error: |got − exact| / max(|exact|, 2^−126). Where the exact result is a subnormal float (tanh of a subnormal) that
/// is the absolute error in units of the smallest normal, since float holds no more than 2^−149 absolute there; ±0 must
/// come back as itself. Measured on Zen 4 (AVX2 and FMA): see docs/performance.md, "Accuracy".
/// </remarks>
public sealed class ExhaustiveActivationTests(ITestOutputHelper output)
{
    private const double Bound = 2e-7;

    /// <summary>Magnitudes per work item: 2^16 consecutive floats.</summary>
    private const int Chunk = 1 << 16;

    private static readonly double MinNormal = Math.ScaleB(1.0, -126);

    private const float TanhSeriesBelow = 1f / 1024;

    [ExhaustiveTheory]
    [InlineData(Function.Sigmoid)]
    [InlineData(Function.Tanh)]
    public void EveryFloatInTheClampRangeIsWithinBound(Function function)
    {
        float clamp = function == Function.Sigmoid ? 80f : 9f;
        SimdPath[] paths = [.. new[] { SimdPath.Vector512, SimdPath.Vector256, SimdPath.Vector128 }.Where(Accelerated), SimdPath.Scalar];
        int last = BitConverter.SingleToInt32Bits(clamp);   // magnitudes 0 … clamp, as bit patterns
        int chunks = last / Chunk + 1;
        var worst = new Worst[paths.Length];
        var gate = new object();
        var clock = Stopwatch.StartNew();

        Parallel.For(
            0,
            chunks,
            () => (Buffers: new Buffers(), Worst: new Worst[paths.Length]),
            (chunk, _, local) =>
            {
                int first = chunk * Chunk, count = Math.Min(Chunk, last - first + 1);
                local.Buffers.Fill(function, first, count);
                for (int p = 0; p < paths.Length; p++)
                {
                    local.Worst[p] = Worst.Of(local.Worst[p], local.Buffers.Check(function, paths[p], count));
                }

                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (int p = 0; p < paths.Length; p++)
                    {
                        worst[p] = Worst.Of(worst[p], local.Worst[p]);
                    }
                }
            });

        output.WriteLine($"{function}: {2L * (last + 1):N0} floats in [−{clamp}, {clamp}] on {string.Join(", ", paths)} in {clock.Elapsed.TotalSeconds:F1} s");
        for (int p = 0; p < paths.Length; p++)
        {
            output.WriteLine($"  {paths[p]}: max relative error {worst[p].Error:E3} at x = {worst[p].X:R}");
        }

        for (int p = 0; p < paths.Length; p++)
        {
            Worst w = worst[p];
            Assert.True(w.Error <= Bound, $"{function} on {paths[p]}: error {w.Error:E3} > {Bound:E1} at x = {w.X:R} (got {w.Got:R}, exact {w.Exact:R})");
        }
    }

    private static bool Accelerated(SimdPath path) =>
        path switch
        {
            SimdPath.Vector512 => Vector512.IsHardwareAccelerated,
            SimdPath.Vector256 => Vector256.IsHardwareAccelerated,
            _ => Vector128.IsHardwareAccelerated,
        };

    /// <summary>The largest error seen, where; NaN errors win (they compare false with everything).</summary>
    private readonly record struct Worst(double Error, float X, float Got, double Exact)
    {
        public static Worst Of(Worst a, Worst b) => double.IsNaN(a.Error) || a.Error >= b.Error ? a : b;
    }

    /// <summary>One thread's chunk: the floats ±x, the exact results for both signs, and a path's results.</summary>
    private sealed class Buffers
    {
        private readonly float[] _positive = new float[Chunk], _negative = new float[Chunk];
        private readonly double[] _exactPositive = new double[Chunk], _exactNegative = new double[Chunk];
        private readonly float[] _got = new float[Chunk];

        /// <summary>The magnitudes with bit patterns first … first + count − 1, their negatives, and the exact results.</summary>
        public void Fill(Function function, int first, int count)
        {
            for (int i = 0; i < count; i++)
            {
                float x = BitConverter.Int32BitsToSingle(first + i);
                _positive[i] = x;
                _negative[i] = -x;
                if (function == Function.Sigmoid)
                {
                    double e = Math.Exp(-(double)x);   // σ(x) = 1/(1 + e^−x), σ(−x) = e^−x/(1 + e^−x)
                    _exactPositive[i] = 1 / (1 + e);
                    _exactNegative[i] = e / (1 + e);
                }
                else
                {
                    // Below 2^−10 the series to x⁵ is exact in double (the next term is 17x⁷/315, < 1e-19 relative) and
                    // far cheaper than Math.Tanh; those are most of the floats.
                    double d = x, d2 = d * d;
                    double t = x < TanhSeriesBelow ? d - d * d2 * (1.0 / 3 - d2 * (2.0 / 15)) : Math.Tanh(d);
                    _exactPositive[i] = t;
                    _exactNegative[i] = -t;
                }
            }
        }

        public Worst Check(Function function, SimdPath path, int count) =>
            Worst.Of(Check(function, path, _positive, _exactPositive, count), Check(function, path, _negative, _exactNegative, count));

        private Worst Check(Function function, SimdPath path, float[] x, double[] exact, int count)
        {
            Apply(function, path, x, _got, count);
            var worst = default(Worst);
            for (int i = 0; i < count; i++)
            {
                double error;
                if (exact[i] == 0)
                {
                    // tanh(±0) = ±0, sign included
                    error = BitConverter.SingleToInt32Bits(_got[i]) == BitConverter.SingleToInt32Bits(x[i]) ? 0 : double.PositiveInfinity;
                }
                else
                {
                    error = Math.Abs(_got[i] - exact[i]) / Math.Max(Math.Abs(exact[i]), MinNormal);
                }

                if (!(error <= worst.Error))
                {
                    worst = new Worst(error, x[i], _got[i], exact[i]);
                }
            }

            return worst;
        }

        /// <summary>f over x[0 … count − 1] through the given path's overload only (a vector loop's tail through broadcast vectors).</summary>
        private static void Apply(Function function, SimdPath path, float[] x, float[] y, int count)
        {
            bool sigmoid = function == Function.Sigmoid;
            int i = 0;
            if (path == SimdPath.Vector512)
            {
                for (; i <= count - 16; i += 16)
                {
                    var v = Vector512.LoadUnsafe(ref x[i]);
                    (sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).StoreUnsafe(ref y[i]);
                }

                for (; i < count; i++)
                {
                    var v = Vector512.Create(x[i]);
                    y[i] = (sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).ToScalar();
                }
            }
            else if (path == SimdPath.Vector256)
            {
                for (; i <= count - 8; i += 8)
                {
                    var v = Vector256.LoadUnsafe(ref x[i]);
                    (sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).StoreUnsafe(ref y[i]);
                }

                for (; i < count; i++)
                {
                    var v = Vector256.Create(x[i]);
                    y[i] = (sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).ToScalar();
                }
            }
            else if (path == SimdPath.Vector128)
            {
                for (; i <= count - 4; i += 4)
                {
                    var v = Vector128.LoadUnsafe(ref x[i]);
                    (sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).StoreUnsafe(ref y[i]);
                }

                for (; i < count; i++)
                {
                    var v = Vector128.Create(x[i]);
                    y[i] = (sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).ToScalar();
                }
            }
            else
            {
                for (; i < count; i++)
                {
                    y[i] = sigmoid ? Activations.Sigmoid(x[i]) : Activations.Tanh(x[i]);
                }
            }
        }
    }
}
