using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The reference cells against PyTorch's nn.LSTM / nn.GRU on every fixture: forward results and every
/// gradient of L = Σ outputs⊙R1 + Σ final_state⊙R2. Errors are <see cref="Error.Relative"/>:
/// max|ours − PyTorch float64| ÷ max|PyTorch float64|, per tensor.
/// </summary>
public sealed class ReferenceVsPyTorchTests(ITestOutputHelper output)
{
    // In double both sides compute the same formulas and differ only in summation order: observed errors
    // are 7e-17 to 2e-15 through 7 steps, saturated gates included. 1e-10 leaves ample room for that and is
    // still many orders below any formula or layout mistake.
    private const double DoubleBound = 1e-10;

    // In float the bound is 4 × PyTorch's own float32 error on the case, taken as its worst tensor rather
    // than the same tensor: per tensor, which side gets the luckier roundings is noise (ours ÷ PyTorch's
    // ranged 0.3 to 5.8), while against the case's worst the reference stayed within 2.3× on every fixture
    // (errors 1.2e-7 to 4.3e-7, i.e. 1 to 3.6 float epsilons, the scale-4 saturated cases included). A real
    // bug (wrong formula, gate order or layout) shows up as 1e-3 or worse, far above 4×.
    private const double FloatFactor = 4;

    public static TheoryData<string> Cases => PyTorchFixture.Cases;

    [Theory]
    [MemberData(nameof(Cases))]
    public void DoubleMatchesPyTorchFloat64(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        CellResults ours = FixtureRunner.Run(FixtureRunner.CreateReference<double>(fixture), fixture);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{tensor,-22} {Error.Relative(ours[tensor], fixture.Float64[tensor]):E2}");
            Error.AssertWithin(ours[tensor], fixture.Float64[tensor], DoubleBound, $"{name} {tensor}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FloatMatchesPyTorchFloat64WithinFloatError(string name)
    {
        CellFixture fixture = PyTorchFixture.Load(name);
        CellResults ours = FixtureRunner.Run(FixtureRunner.CreateReference<float>(fixture), fixture);
        double bound = FloatFactor * fixture.PyTorchFloat32Error();
        output.WriteLine($"bound {bound:E2} = {FloatFactor} × PyTorch's worst float32 error {fixture.PyTorchFloat32Error():E2}");
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double error = Error.Relative(ours[tensor], fixture.Float64[tensor]);
            output.WriteLine($"{tensor,-22} ours {error:E2}  PyTorch float32 {fixture.PyTorchFloat32Error(tensor):E2}");
            Error.AssertWithin(ours[tensor], fixture.Float64[tensor], bound, $"{name} {tensor}");
        }
    }
}
