using RnnGen.Simd;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Hard saturation on whichever SIMD path this run takes (CI runs it once per path): make_fixtures.py's _s16_x4 cases,
/// weights ×16 and inputs ×4, put pre-activations in the tens, where float32 rounding of the gate sums matters most.
/// The generated cell (every result) and its frozen snapshot (outputs and final state) must meet the parity rule of
/// the other fixture tests: max(2 × PyTorch's own float32 error, 2e-6) of PyTorch's float64 result. The Vector128 path
/// without FMA missed it (GRU outputs 1.09× the bound) while it rounded each product of those sums on its own; with AVX
/// it now sums them in double (KernelBase.ProductsInDouble128). With SSE only (DOTNET_EnableAVX=0, Native AOT's default
/// x86-64 target) it still rounds them in float and still misses it: CI does not run that configuration.
/// </summary>
public sealed class SaturatedGateTests(ITestOutputHelper output)
{
    private const double Floor = 2e-6;

    public static TheoryData<string> Cases => new(PyTorchFixture.Names.Where(name => PyTorchFixture.Load(name).WeightScale >= 16));

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedCellMeetsTheParityRule(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        IRecurrentCell<float> cell = GeneratedCells.Create(fixture.Kind, fixture.InputSize, fixture.HiddenSize);
        FixtureRunner.LoadParameters(cell, fixture);
        CellResults actual = FixtureRunner.Run(cell, fixture);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            AssertWithinRule(fixture, tensor, actual[tensor], "cell");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FrozenSnapshotMeetsTheParityRule(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        IRecurrentCell<float> cell = GeneratedCells.Create(fixture.Kind, fixture.InputSize, fixture.HiddenSize);
        FixtureRunner.LoadParameters(cell, fixture);
        IFrozenCell<float> frozen = GeneratedCells.Freeze(cell);

        int input = fixture.InputSize, hidden = fixture.HiddenSize;
        float[] inputs = FixtureRunner.Convert<float>(fixture.Inputs);
        float[] state = FixtureRunner.Convert<float>(fixture.InitialState);
        var outputs = new double[fixture.Steps * hidden];
        for (int t = 0; t < fixture.Steps; t++)
        {
            frozen.Step(inputs.AsSpan(t * input, input), state);
            FixtureRunner.Widen<float>(state.AsSpan(0, hidden)).CopyTo(outputs, t * hidden);   // h leads the state
        }

        AssertWithinRule(fixture, ResultTensor.Outputs, outputs, "frozen");
        AssertWithinRule(fixture, ResultTensor.FinalState, FixtureRunner.Widen<float>(state), "frozen");
    }

    private void AssertWithinRule(CellFixture fixture, ResultTensor tensor, double[] actual, string what)
    {
        double bound = Math.Max(2 * fixture.PyTorchFloat32Error(tensor), Floor);
        double error = Error.Relative(actual, fixture.Float64[tensor]);
        output.WriteLine($"{fixture.Name} {what} on {SimdSupport.Widest} (FMA {SimdSupport.FusedMultiplyAdd}), {tensor}: {error:E2} = {error / bound:F2} × the bound {bound:E2}");
        Error.AssertWithin(actual, fixture.Float64[tensor], bound, $"{fixture.Name} {what} on {SimdSupport.Widest}: {tensor}");
    }
}
