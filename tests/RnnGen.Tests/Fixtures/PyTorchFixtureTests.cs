using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Fixtures;

/// <summary>The fixtures themselves: present, consistent, and fit to feed float cells without rounding.</summary>
public sealed class PyTorchFixtureTests
{
    public static TheoryData<string> Cases => PyTorchFixture.Cases;

    [Fact]
    public void EveryCaseTheScriptWritesIsPresent()
    {
        // Mirrors CASES in tests/fixtures/make_fixtures.py, so a missing copy fails here, not silently.
        string[] expected =
        [
            "gru_3x5", "gru_7x13", "gru_7x13_s16_x4", "gru_7x13_s4", "gru_8x16",
            "lstm_3x5", "lstm_7x13", "lstm_7x13_s16_x4", "lstm_7x13_s4", "lstm_8x16",
        ];
        Assert.Equal(expected, PyTorchFixture.Names);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputsAreFloat32Values(string name)
    {
        // The script rounds all data to float32 so a float cell sees exactly what the double one sees.
        CellFixture f = PyTorchFixture.Load(name);
        foreach (double[] values in new[] { f.Parameters, f.Inputs, f.InitialState, f.OutputGradients, f.StateGradient })
        {
            Assert.All(values, v => Assert.Equal(v, (double)(float)v));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PyTorchFloat32ErrorIsFloatSized(string name)
    {
        // Sanity for the yardstick: nonzero (the runs really differ in precision) and near float epsilon.
        CellFixture f = PyTorchFixture.Load(name);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double error = f.PyTorchFloat32Error(tensor);
            Assert.InRange(error, 1e-9, 1e-5);
        }
    }
}
