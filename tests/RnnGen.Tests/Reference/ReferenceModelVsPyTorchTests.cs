using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The reference model against PyTorch 1.13's whole models (stacked, bidirectional, projected, without biases, with and
/// without a head): in double it must be PyTorch's float64 result to 1e-10 relative, every output, final state and
/// gradient; in float, within four times PyTorch's own float32 error (floor 1e-6).
/// </summary>
public class ReferenceModelVsPyTorchTests
{
    [Theory]
    [MemberData(nameof(ModelFixture.Cases), MemberType = typeof(ModelFixture))]
    public void DoubleMatchesPyTorchFloat64(string name)
    {
        ModelFixture fixture = ModelFixture.Load(name);
        CellResults results = Run<double>(fixture);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            Error.AssertWithin(results[tensor], fixture.Float64[tensor], 1e-10, $"{name} {tensor}");
        }
    }

    [Theory]
    [MemberData(nameof(ModelFixture.Cases), MemberType = typeof(ModelFixture))]
    public void FloatIsWithinFourTimesPyTorchsOwnFloat32Error(string name)
    {
        ModelFixture fixture = ModelFixture.Load(name);
        CellResults results = Run<float>(fixture);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            double bound = Math.Max(4 * fixture.PyTorchFloat32Error(tensor), 1e-6);
            Error.AssertWithin(results[tensor], fixture.Float64[tensor], bound, $"{name} {tensor}");
        }
    }

    /// <summary>Forward with a tape and Backward on the fixture's data, as doubles.</summary>
    internal static CellResults Run<T>(ModelFixture fixture) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var model = new ReferenceModel<T>(fixture.Shape);
        Convert<T>(fixture.Parameters).CopyTo(model.Parameters);
        T[] outputs = new T[fixture.Steps * model.OutputSize], state = Convert<T>(fixture.InitialState);
        Tape<T> tape = model.CreateTape(fixture.Steps);
        model.Forward(Convert<T>(fixture.Inputs), outputs, state, tape);
        T[] stateGradient = Convert<T>(fixture.StateGradient), inputGradients = new T[fixture.Inputs.Length], parameterGradients = new T[model.ParameterCount];
        model.Backward(tape, Convert<T>(fixture.OutputGradients), stateGradient, inputGradients, parameterGradients);
        return new CellResults(Back(outputs), Back(state), Back(parameterGradients), Back(inputGradients), Back(stateGradient));
    }

    private static T[] Convert<T>(double[] values) where T : System.Numerics.IFloatingPointIeee754<T> => values.Select(T.CreateChecked).ToArray();

    private static double[] Back<T>(T[] values) where T : System.Numerics.IFloatingPointIeee754<T> => values.Select(double.CreateChecked).ToArray();
}
