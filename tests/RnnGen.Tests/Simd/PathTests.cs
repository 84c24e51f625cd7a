using System.Reflection;
using System.Runtime.Intrinsics;
using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Simd;

/// <summary>
/// Which instruction path this run really takes. CI runs the generated-cell tests once per path, steering the
/// runtime with DOTNET_* variables and naming the path it means to reach in RNNGEN_EXPECTED_PATH; if a
/// variable stops working (a renamed runtime knob, say), the run would silently test the default path again,
/// and this is what fails.
/// </summary>
public sealed class PathTests
{
    private const string ExpectedPathVariable = "RNNGEN_EXPECTED_PATH";

    public static TheoryData<CellKind, int, int> AllGeneratedShapes
    {
        get
        {
            var data = new TheoryData<CellKind, int, int>();
            foreach (CellKind kind in Enum.GetValues<CellKind>())
            {
                foreach (var (input, hidden) in GeneratedCells.Shapes)
                {
                    data.Add(kind, input, hidden);
                }
            }

            return data;
        }
    }

    [Fact]
    public void TheRunTakesTheExpectedPath()
    {
        SimdPath? expected = ExpectedPath();
        if (expected is { } path)
        {
            Assert.Equal(path, SimdSupport.Widest);
            Assert.Equal(path, Lstm64x128.ActivePath);
            Assert.Equal(path, Gru64x128.ActivePath);
        }
        else
        {
            // No expectation given: the widest path still has to be the widest width the runtime accelerates.
            Assert.Equal(Accelerated(), SimdSupport.Widest);
            Assert.Equal(Accelerated(), Lstm64x128.ActivePath);
            Assert.Equal(Accelerated(), Gru64x128.ActivePath);
        }
    }

    [Fact]
    public void WidestFollowsWhatTheRuntimeAccelerates()
    {
        Assert.Equal(Accelerated(), SimdSupport.Widest);

        // A wide path without the narrower ones would mean the probes are inconsistent.
        Assert.False(Vector512.IsHardwareAccelerated && !Vector256.IsHardwareAccelerated, "Vector512 accelerated but Vector256 not");
        Assert.False(Vector256.IsHardwareAccelerated && !Vector128.IsHardwareAccelerated, "Vector256 accelerated but Vector128 not");
    }

    [Fact]
    public void TheRuntimeKnobsAndTheCpuDecideThePath()
    {
        // Worked out from DOTNET_* and the CPU's instruction sets, not from Vector*.IsHardwareAccelerated.
        Assert.Equal(SimdEnvironment.Widest, SimdSupport.Widest);
        Assert.Equal(SimdEnvironment.Widest, Lstm64x128.ActivePath);
    }

    [Theory]
    [MemberData(nameof(AllGeneratedShapes))]
    public void EachCellTakesTheWidestPathItsHiddenUnitsFill(CellKind kind, int input, int hidden)
    {
        // A vector path needs H ≥ lanes (the kernels step through the hidden units a whole vector at a time); Vector512
        // by default from 64 GRU or 96 LSTM units, below only when opted in.
        bool large = SimdEnvironment.IsLargeLayer(kind, hidden);
        SimdPath widest = large ? Accelerated() : AcceleratedForSmallLayers();
        SimdPath expected =
            widest == SimdPath.Vector512 && hidden >= 16 ? SimdPath.Vector512
            : widest >= SimdPath.Vector256 && hidden >= 8 ? SimdPath.Vector256
            : widest >= SimdPath.Vector128 && hidden >= 4 ? SimdPath.Vector128
            : SimdPath.Scalar;
        Assert.Equal(expected, ActivePath(GeneratedCells.Create(kind, input, hidden).GetType()));
    }

    /// <summary>
    /// A cell's Step runs the body of the path the knobs call for (SimdEnvironment: Vector512 by default for a GRU from
    /// 64 units and an LSTM from 96, else only opted in): its floats bit for bit. At (64,128) the 512- and 256-bit bodies
    /// add their sums in different orders, so there the check tells the two apart.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllGeneratedShapes))]
    public void EachCellsStepRunsTheBodyOfItsPath(CellKind kind, int input, int hidden)
    {
        var random = new Random(7 * input + hidden);
        IRecurrentCell<float> cell = GeneratedCells.Create(kind, input, hidden, random);
        foreach (ref float p in cell.Parameters)
        {
            p *= 4f;
        }

        float[] x = Uniform(random, input), previous = Uniform(random, cell.StateSize), parameters = cell.Parameters.ToArray();
        SimdPath path = SimdEnvironment.PathFor(kind, hidden);
        float[] expected = Body(cell, path, parameters, x, previous);
        float[] state = (float[])previous.Clone();
        cell.Step(x, state);
        Assert.True(expected.AsSpan().SequenceEqual(state), $"{kind} ({input},{hidden}): Step is not the {path} body");
        if (hidden == 128 && path == SimdPath.Vector512)
        {
            Assert.False(expected.AsSpan().SequenceEqual(Body(cell, SimdPath.Vector256, parameters, x, previous)), $"{kind} ({input},{hidden}): the 512- and 256-bit bodies gave the same bits");
        }

        static float[] Uniform(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    private delegate void StepKernel(ref float w, ref float x, ref float previous, ref float next, ref float activations);

    /// <summary>The next state from the layer's private Step body of <paramref name="path"/> (Step512, Step256, Step128 or Step1).</summary>
    private static float[] Body(IRecurrentCell<float> cell, SimdPath path, float[] parameters, float[] x, float[] previous)
    {
        string suffix = path switch { SimdPath.Vector512 => "512", SimdPath.Vector256 => "256", SimdPath.Vector128 => "128", _ => "1" };
        Type layer = cell.GetType().GetNestedType("Kernels", BindingFlags.NonPublic)!.GetNestedType("FirstLayer")!;
        StepKernel step = layer.GetMethod("Step" + suffix, BindingFlags.NonPublic | BindingFlags.Static)!.CreateDelegate<StepKernel>();
        float[] next = new float[cell.StateSize], activations = new float[(int)layer.GetField("ActivationsPerStep")!.GetRawConstantValue()!];
        step(ref parameters[0], ref x[0], ref previous[0], ref next[0], ref activations[0]);
        return next;
    }

    [Fact]
    public void TinyCellsHaveFewerPaths()
    {
        // H = 1 fills no vector: always scalar. H = 5 fills a Vector128 but not a Vector256, H = 13 a Vector256 but not a Vector512.
        Assert.Equal(SimdPath.Scalar, Gru1x1.ActivePath);
        Assert.Equal(SimdPath.Scalar, Lstm1x1.ActivePath);
        Assert.Equal(Vector128.IsHardwareAccelerated ? SimdPath.Vector128 : SimdPath.Scalar, Lstm3x5.ActivePath);
        Assert.Equal(Vector256.IsHardwareAccelerated ? SimdPath.Vector256 : Vector128.IsHardwareAccelerated ? SimdPath.Vector128 : SimdPath.Scalar, Gru7x13.ActivePath);
    }

    [Fact]
    public void ExpectedPathVariableIsValidWhenSet()
    {
        string? value = Environment.GetEnvironmentVariable(ExpectedPathVariable);
        // A misspelt value would otherwise read as "no expectation" and let a wrong path pass.
        Assert.True(
            string.IsNullOrEmpty(value) || ExpectedPath() is not null,
            $"{ExpectedPathVariable}='{value}' is not one of {string.Join(", ", Enum.GetNames<SimdPath>())}");
    }

    /// <summary>The path named by RNNGEN_EXPECTED_PATH, or null when it is unset (or not a path name, which its own test reports).</summary>
    private static SimdPath? ExpectedPath()
    {
        string? value = Environment.GetEnvironmentVariable(ExpectedPathVariable);
        return !string.IsNullOrEmpty(value) && !int.TryParse(value, out _) && Enum.TryParse(value, ignoreCase: false, out SimdPath path) && Enum.IsDefined(path)
            ? path
            : null;
    }

    /// <summary>The widest width the runtime reports as accelerated for large layers (Vector512 unless opted out, RNNGEN_VECTOR512=0).</summary>
    private static SimdPath Accelerated() =>
        Vector512.IsHardwareAccelerated && Environment.GetEnvironmentVariable("RNNGEN_VECTOR512") != "0" ? SimdPath.Vector512
        : AcceleratedForSmallLayers();

    /// <summary>The same for small layers (Vector512 only with RnnGen's opt-in, RNNGEN_VECTOR512=1).</summary>
    private static SimdPath AcceleratedForSmallLayers() =>
        Vector512.IsHardwareAccelerated && Environment.GetEnvironmentVariable("RNNGEN_VECTOR512") == "1" ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    /// <summary>The static ActivePath every generated cell class declares.</summary>
    private static SimdPath ActivePath(Type cellType)
    {
        PropertyInfo property = cellType.GetProperty("ActivePath", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{cellType.Name} has no public static ActivePath");
        return (SimdPath)property.GetValue(null)!;
    }
}
