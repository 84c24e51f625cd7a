using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Reference;

/// <summary>
/// <see cref="Initialization.UniformModel"/>, PyTorch's default initialisation of a whole model: every recurrent
/// parameter uniform on (−1/√H, 1/√H), the head's weight and bias on (−1/√(D·Hout), 1/√(D·Hout)) (nn.Linear's
/// bound for its in_features), one draw per parameter in state_dict order, so a seed means the same weights in
/// float and double.
/// </summary>
public sealed class ModelInitializationTests
{
    // H = 16 (recurrent bound 0.25) and a head reading D·P = 4 values (bound 0.5): the two bounds differ by 2×.
    private static readonly ModelShape Shape = new(
        CellKind.Lstm, 3, 16, layers: 2, bidirectional: true, projectionSize: 2, headOutputs: 50, rnnName: "rnn", headName: "head");

    public static TheoryData<string, bool> Shapes => new()
    {
        { "lstm_proj_bi_l2", true },
        { "gru_nobias_bi_l3", true },
        { "lstm_l2", false },
        { "gru_bi", true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryParameterIsTheNextDrawScaledByItsModulesBoundInStateDictOrder(string configuration, bool head)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var model = new ReferenceModel<double>(shape, new Random(5));
        var draws = new Random(5);
        double recurrent = Math.Sqrt(shape.HiddenSize), linear = Math.Sqrt(shape.LayerOutputSize);
        foreach (ParameterTensor tensor in shape.Tensors)   // state_dict order: the flat order
        {
            double scale = tensor.Name.StartsWith("head.", StringComparison.Ordinal) ? linear : recurrent;
            for (int k = 0; k < tensor.Length; k++)
            {
                double expected = (2 * draws.NextDouble() - 1) / scale;
                Assert.True(expected == model.Parameters[tensor.Offset + k], $"{tensor.Name}[{k}] = {model.Parameters[tensor.Offset + k]:R}, expected {expected:R}");
            }
        }

        // Exactly one draw per parameter.
        var after = new Random(5);
        for (int k = 0; k < shape.ParameterCount; k++)
        {
            after.NextDouble();
        }

        Assert.Equal(after.NextDouble(), draws.NextDouble());
    }

    [Fact]
    public void RecurrentParametersLieWithinOneOverRootHAndTheHeadsWithinOneOverRootOfItsInputs()
    {
        var model = new ReferenceModel<double>(Shape, new Random(7));
        int head = Shape.Tensor("head.weight").Offset;
        double[] recurrent = model.Parameters[..head].ToArray(), linear = model.Parameters[head..].ToArray();
        Assert.Equal(Shape.HeadOutputs * (Shape.LayerOutputSize + 1), linear.Length);
        double recurrentBound = 1 / Math.Sqrt(16), linearBound = 1 / Math.Sqrt(4);

        Assert.All(recurrent, p => Assert.True(Math.Abs(p) < recurrentBound, $"{p} outside (−{recurrentBound}, {recurrentBound})"));
        Assert.True(recurrent.Max() > 0.98 * recurrentBound && recurrent.Min() < -0.98 * recurrentBound, "the recurrent draws do not reach their bound");

        // 250 head values: a 1/√H bound (0.25) would keep them all inside ±0.25; about half must lie beyond it.
        Assert.All(linear, p => Assert.True(Math.Abs(p) < linearBound, $"{p} outside (−{linearBound}, {linearBound})"));
        Assert.True(linear.Max() > 0.9 * linearBound && linear.Min() < -0.9 * linearBound, "the head's draws do not reach 1/√(D·Hout)");
        int beyond = linear.Count(p => Math.Abs(p) > recurrentBound);
        Assert.InRange(beyond, 90, 160);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TheSameSeedGivesTheSameWeightsInFloatAndDouble(string configuration, bool head)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var d = new ReferenceModel<double>(shape, new Random(11));
        var f = new ReferenceModel<float>(shape, new Random(11));
        float[] rounded = d.Parameters.ToArray().Select(p => (float)p).ToArray();
        AssertBitwiseEqual<float>(rounded, f.Parameters, "float weights against the double weights rounded");

        AssertBitwiseEqual<double>(d.Parameters, new ReferenceModel<double>(shape, new Random(11)).Parameters, "the same seed twice");
        Assert.False(d.Parameters.SequenceEqual(new ReferenceModel<double>(shape, new Random(12)).Parameters), "seeds 11 and 12 gave the same weights");
    }

    [Fact]
    public void UniformModelFillsABufferAsTheModelIsFilledAndChecksItsArguments()
    {
        var buffer = new float[Shape.ParameterCount];
        Initialization.UniformModel<float>(buffer, Shape, new Random(3));
        AssertBitwiseEqual<float>(new ReferenceModel<float>(Shape, new Random(3)).Parameters, buffer, "UniformModel against the model's constructor");

        var e = Assert.Throws<ArgumentException>(() => Initialization.UniformModel<float>(new float[Shape.ParameterCount - 1], Shape, new Random(3)));
        Assert.Equal("parameters", e.ParamName);
        Assert.Contains($"expected {Shape.ParameterCount}", e.Message, StringComparison.Ordinal);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => Initialization.UniformModel<float>(buffer, null!, new Random(3))).ParamName);
    }
}
