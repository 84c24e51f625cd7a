using System.Runtime.Intrinsics;
using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Simd;

/// <summary>
/// The activation functions every generated kernel calls, against the exact functions evaluated in double
/// (σ(x) = 1/(1 + e^−x), Math.Tanh). A vector width is exercised only where this process accelerates it;
/// where it does not, the generated code takes the scalar overloads, so the theory checks those instead.
/// </summary>
/// <remarks>
/// Measured maximum relative error (x86-64 with AVX2 and FMA; the V128 figures also without FMA):
/// sigmoid 1.47e-7 on every path; tanh 1.65e-7 on V256/V128 (1.60e-7 without FMA), 1.63e-7 scalar. Over every float
/// (ExhaustiveActivationTests) the worst is 1.48e-7 and 1.78e-7.
/// The bounds below sit a little above that. Sigmoid's relative error is bounded only inside its clamp,
/// [−80, 80]: below −80 it returns σ(−80) ≈ 1.8e-35 by design (see <see cref="Activations"/>).
/// </remarks>
public sealed class ActivationTests(ITestOutputHelper output)
{
    private const double SigmoidBound = 1.6e-7, TanhBound = 1.8e-7;

    /// <summary>σ(−80) in float: the smallest value the clamped vector sigmoid returns.</summary>
    private const float SigmoidFloor = 1.8048513e-35f;

    public enum Function
    {
        Sigmoid,
        Tanh,
    }

    public static TheoryData<Function, SimdPath> FunctionsAndWidths
    {
        get
        {
            var data = new TheoryData<Function, SimdPath>();
            foreach (Function f in Enum.GetValues<Function>())
            {
                foreach (SimdPath width in Widths)
                {
                    data.Add(f, width);
                }
            }

            return data;
        }
    }

    public static TheoryData<SimdPath> AllWidths => new(Widths);

    private static SimdPath[] Widths => [SimdPath.Vector512, SimdPath.Vector256, SimdPath.Vector128, SimdPath.Scalar];

    [Theory]
    [MemberData(nameof(FunctionsAndWidths))]
    public void RelativeErrorIsWithinBound(Function function, SimdPath width)
    {
        SimdPath path = Effective(width);
        double bound = function == Function.Sigmoid ? SigmoidBound : TanhBound;

        // Dense where the functions bend, random floats (tiny magnitudes included), then out to where
        // sigmoid's clamp starts and tanh has long saturated.
        float[] core = [.. Sweep(-20, 20, 1e-4), .. RandomFloats(new Random(1), 1_000_000, 20f)];
        float[] wide = function == Function.Sigmoid ? Sweep(-80, 80, 1e-3) : Sweep(-100, 100, 1e-3);
        foreach (var (name, x) in new[] { ("[-20, 20]", core), (function == Function.Sigmoid ? "[-80, 80]" : "[-100, 100]", wide) })
        {
            float[] y = Apply(function, path, x);
            (double error, int worst) = MaxRelativeError(function, x, y);
            output.WriteLine($"{function} on {path}, {name}: max relative error {error:E3} at x = {x[worst]:R}");
            Assert.True(
                error <= bound,
                $"{function} on {path}: relative error {error:E3} > {bound:E1} at x = {x[worst]:R} (got {y[worst]:R}, exact {Exact(function, x[worst]):R})");
        }
    }

    [Theory]
    [MemberData(nameof(AllWidths))]
    public void SigmoidAtSpecialPoints(SimdPath width)
    {
        SimdPath path = Effective(width);
        float[] ones = [20f, 80f, 88f, 89f, 100f, 1e30f, float.PositiveInfinity];
        AssertAll(Apply(Function.Sigmoid, path, ones), ones, y => y == 1f, "exactly 1");

        float[] halves = [0f, -0f, float.Epsilon, -float.Epsilon, Subnormal, -Subnormal];
        AssertAll(Apply(Function.Sigmoid, path, halves), halves, y => y == 0.5f, "exactly 0.5");

        // Below the clamp the exact value is below σ(−80), so anything in [0, σ(−80)] is within 2e-35 of it:
        // the vector paths return σ(−80) itself (also for −∞), the scalar path e^x-sized values or 0.
        float[] tiny = [-88f, -89f, -100f, -1e30f, float.NegativeInfinity];
        AssertAll(Apply(Function.Sigmoid, path, tiny), tiny, y => y >= 0 && y <= SigmoidFloor, $"in [0, σ(−80) = {SigmoidFloor:R}]");

        float[] ordinary = [-20f, -80f];
        float[] got = Apply(Function.Sigmoid, path, ordinary);
        for (int i = 0; i < ordinary.Length; i++)
        {
            double exact = Exact(Function.Sigmoid, ordinary[i]);
            Assert.True(Math.Abs(got[i] - exact) <= SigmoidBound * exact, $"σ({ordinary[i]}) = {got[i]:R} on {path}, exact {exact:R}");
        }

        Assert.True(float.IsNaN(Apply(Function.Sigmoid, path, [float.NaN])[0]), $"σ(NaN) is not NaN on {path}");
    }

    [Theory]
    [MemberData(nameof(AllWidths))]
    public void TanhAtSpecialPoints(SimdPath width)
    {
        SimdPath path = Effective(width);
        float[] saturated = [20f, 80f, 88f, 89f, 100f, 1e30f, float.PositiveInfinity];
        AssertAll(Apply(Function.Tanh, path, saturated), saturated, y => y == 1f, "exactly 1");
        float[] negative = Array.ConvertAll(saturated, x => -x);
        AssertAll(Apply(Function.Tanh, path, negative), negative, y => y == -1f, "exactly −1");

        // tanh x rounds to x itself below 2^-12, so subnormals come back unchanged, sign included.
        float[] tiny = [float.Epsilon, -float.Epsilon, Subnormal, -Subnormal, MinNormal, -MinNormal];
        float[] got = Apply(Function.Tanh, path, tiny);
        for (int i = 0; i < tiny.Length; i++)
        {
            Assert.True(Bits(got[i]) == Bits(tiny[i]), $"tanh({tiny[i]:R}) = {got[i]:R} on {path}, expected the argument itself");
        }

        Assert.True(float.IsNaN(Apply(Function.Tanh, path, [float.NaN])[0]), $"tanh(NaN) is not NaN on {path}");
    }

    [Theory]
    [MemberData(nameof(AllWidths))]
    public void TanhKeepsTheSignOfZero(SimdPath width)
    {
        // tanh(±0) = ±0 (IEEE 754, and what MathF.Tanh returns): a sign flip here would also break exact odd symmetry.
        SimdPath path = Effective(width);
        float[] got = Apply(Function.Tanh, path, [0f, -0f]);
        Assert.True(Bits(got[0]) == Bits(0f), $"tanh(+0) = {Describe(got[0])} on {path}, expected +0");
        Assert.True(Bits(got[1]) == Bits(-0f), $"tanh(−0) = {Describe(got[1])} on {path}, expected −0");
    }

    [Theory]
    [MemberData(nameof(AllWidths))]
    public void SigmoidNeverReturnsASubnormal(SimdPath width)
    {
        // Subnormal gate values would flow into the next step's products, which x86 computes many times slower.
        SimdPath path = Effective(width);
        var random = new Random(2);
        float[] anyFloat = new float[1_000_000];
        for (int i = 0; i < anyFloat.Length; i++)
        {
            anyFloat[i] = BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue));
        }

        // e^−x under-/overflows between about −87.3 and −88.7: every float there, plus a sweep and random floats.
        float[] x = [.. Sweep(-120, 120, 1e-3), .. ConsecutiveFloats(-89f, 300_000), .. anyFloat, .. Specials];
        float[] y = Apply(Function.Sigmoid, path, x);
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsSubnormal(y[i]))
            {
                Assert.Fail($"σ({x[i]:R}) = {y[i]:R} on {path}: subnormal (expected 0 or at least {MinNormal:R})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllWidths))]
    public void TanhIsOddExactly(SimdPath width)
    {
        // Bit for bit tanh(−x) = −tanh(x) for every x ≠ 0 (the sign of zero has its own test).
        SimdPath path = Effective(width);
        float[] positive = [.. Sweep(1e-4, 100, 1e-4), .. Array.ConvertAll(RandomFloats(new Random(3), 1_000_000, 20f), Math.Abs), .. Specials.Where(v => v > 0)];
        positive = positive.Where(v => v != 0).ToArray();
        float[] negative = Array.ConvertAll(positive, v => -v);
        float[] yp = Apply(Function.Tanh, path, positive), yn = Apply(Function.Tanh, path, negative);
        for (int i = 0; i < positive.Length; i++)
        {
            if (Bits(yn[i]) != Bits(-yp[i]))
            {
                Assert.Fail($"tanh({negative[i]:R}) = {yn[i]:R} but tanh({positive[i]:R}) = {yp[i]:R} on {path}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(FunctionsAndWidths))]
    public void IsMonotoneNonDecreasing(Function function, SimdPath width)
    {
        // A sweep over the whole interesting range, plus runs of consecutive floats across the places where
        // the range reduction switches n (x = ±(k + ½)·ln2 for σ, ±(k + ½)·ln2/2 for tanh) and the clamps.
        SimdPath path = Effective(width);
        double reduction = function == Function.Sigmoid ? Math.Log(2) : Math.Log(2) / 2;
        var points = new List<float>(Sweep(-100, 100, 1e-4));
        foreach (double k in new[] { 0.5, 1.5, 2.5, 5.5, 10.5 })
        {
            points.AddRange(ConsecutiveFloats((float)(k * reduction) - 1e-4f, 4000));
            points.AddRange(ConsecutiveFloats((float)(-k * reduction) - 1e-4f, 4000));
        }

        foreach (float clamp in new[] { -80f, -9f, 9f, 80f })
        {
            points.AddRange(ConsecutiveFloats(clamp - 1e-4f, 4000));
        }

        points.AddRange(ConsecutiveFloats(-1e-3f, 4000));
        points.AddRange(ConsecutiveFloats(-BitConverter.Int32BitsToSingle(50_000), 100_000));     // through ±0 and the subnormals
        float[] x = points.Distinct().Order().ToArray();
        float[] y = Apply(function, path, x);
        for (int i = 1; i < x.Length; i++)
        {
            if (!(y[i] >= y[i - 1]))
            {
                Assert.Fail($"{function} on {path} decreases: f({x[i - 1]:R}) = {y[i - 1]:R} > f({x[i]:R}) = {y[i]:R}");
            }
        }
    }

    /// <summary>The smallest positive normal float, 2^−126.</summary>
    private static float MinNormal => BitConverter.Int32BitsToSingle(0x00800000);

    /// <summary>The largest subnormal float.</summary>
    private static float Subnormal => BitConverter.Int32BitsToSingle(0x007FFFFF);

    private static float[] Specials =>
    [
        20f, -20f, 80f, -80f, 88f, -88f, 89f, -89f, 100f, -100f, 1e30f, -1e30f, float.PositiveInfinity, float.NegativeInfinity,
        0f, -0f, float.Epsilon, -float.Epsilon, Subnormal, -Subnormal, MinNormal, -MinNormal, float.MaxValue, float.MinValue,
    ];

    /// <summary>The path generated code takes when asked for <paramref name="width"/>: that width if accelerated, else scalar.</summary>
    private static SimdPath Effective(SimdPath width) => width switch
    {
        SimdPath.Vector512 when Vector512.IsHardwareAccelerated => SimdPath.Vector512,
        SimdPath.Vector256 when Vector256.IsHardwareAccelerated => SimdPath.Vector256,
        SimdPath.Vector128 when Vector128.IsHardwareAccelerated => SimdPath.Vector128,
        _ => SimdPath.Scalar,
    };

    private static double Exact(Function function, double x) => function == Function.Sigmoid ? 1 / (1 + Math.Exp(-x)) : Math.Tanh(x);

    private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);

    private static string Describe(float value) => $"{value:R} (bits 0x{Bits(value):X8})";

    /// <summary>max |got − exact| / |exact| over the points where exact ≠ 0, and where it occurs.</summary>
    private static (double Error, int Index) MaxRelativeError(Function function, float[] x, float[] y)
    {
        double worst = 0;
        int index = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Exact(function, x[i]);
            if (exact != 0)
            {
                double error = Math.Abs(y[i] - exact) / Math.Abs(exact);
                if (!(error <= worst))
                {
                    // NaN sticks: it compares false with everything, so it is never replaced.
                    worst = error;
                    index = i;
                    if (double.IsNaN(error))
                    {
                        break;
                    }
                }
            }
        }

        return (worst, index);
    }

    private static void AssertAll(float[] y, float[] x, Func<float, bool> expected, string what)
    {
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(expected(y[i]), $"f({x[i]:R}) = {Describe(y[i])}, expected {what}");
        }
    }

    /// <summary>lo, lo + step, …, hi, each rounded to float.</summary>
    private static float[] Sweep(double lo, double hi, double step)
    {
        int n = (int)Math.Round((hi - lo) / step) + 1;
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(lo + i * step);
        }

        return x;
    }

    /// <summary><paramref name="count"/> consecutive floats from <paramref name="start"/> upwards.</summary>
    private static float[] ConsecutiveFloats(float start, int count)
    {
        var x = new float[count];
        x[0] = start;
        for (int i = 1; i < count; i++)
        {
            x[i] = MathF.BitIncrement(x[i - 1]);
        }

        return x;
    }

    /// <summary>Half uniform on (−limit, limit), half random bit patterns of magnitude up to limit (tiny and subnormal ones included).</summary>
    private static float[] RandomFloats(Random random, int count, float limit)
    {
        var x = new float[count];
        int limitBits = Bits(limit);
        for (int i = 0; i < count; i++)
        {
            x[i] = i % 2 == 0
                ? (float)(limit * (2 * random.NextDouble() - 1))
                : BitConverter.Int32BitsToSingle(random.Next(0, limitBits + 1) | (random.Next(2) << 31));
        }

        return x;
    }

    /// <summary>f over every x, through the overload of the given path only (a vector sweep's tail goes through a broadcast vector).</summary>
    private static float[] Apply(Function function, SimdPath path, float[] x)
    {
        var y = new float[x.Length];
        int i = 0;
        if (path == SimdPath.Vector512)
        {
            for (; i <= x.Length - 16; i += 16)
            {
                var v = Vector512.Create(x.AsSpan(i, 16));
                (function == Function.Sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).CopyTo(y.AsSpan(i, 16));
            }
        }
        else if (path == SimdPath.Vector256)
        {
            for (; i <= x.Length - 8; i += 8)
            {
                var v = Vector256.Create(x.AsSpan(i, 8));
                (function == Function.Sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).CopyTo(y.AsSpan(i, 8));
            }
        }
        else if (path == SimdPath.Vector128)
        {
            for (; i <= x.Length - 4; i += 4)
            {
                var v = Vector128.Create(x.AsSpan(i, 4));
                (function == Function.Sigmoid ? Activations.Sigmoid(v) : Activations.Tanh(v)).CopyTo(y.AsSpan(i, 4));
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = path switch
            {
                SimdPath.Vector512 => (function == Function.Sigmoid ? Activations.Sigmoid(Vector512.Create(x[i])) : Activations.Tanh(Vector512.Create(x[i]))).GetElement(0),
                SimdPath.Vector256 => (function == Function.Sigmoid ? Activations.Sigmoid(Vector256.Create(x[i])) : Activations.Tanh(Vector256.Create(x[i]))).GetElement(0),
                SimdPath.Vector128 => (function == Function.Sigmoid ? Activations.Sigmoid(Vector128.Create(x[i])) : Activations.Tanh(Vector128.Create(x[i]))).GetElement(0),
                _ => function == Function.Sigmoid ? Activations.Sigmoid(x[i]) : Activations.Tanh(x[i]),
            };
        }

        return y;
    }
}
