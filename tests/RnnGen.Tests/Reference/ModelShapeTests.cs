using System.Globalization;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Reference;

/// <summary>
/// <see cref="ModelShape"/>: every argument checked and named, equality over every property, a PyTorch-like
/// ToString, and the tensors (names, shapes, offsets) and state rows in PyTorch's order.
/// </summary>
public sealed class ModelShapeTests
{
    // ---- The constructor's checks ----

    [Theory]
    [InlineData(CellKind.Lstm, 3, 4, 0, 0, 0, 0.0, "layers")]
    [InlineData(CellKind.Lstm, 3, 4, 65, 0, 0, 0.0, "layers")]
    [InlineData(CellKind.Gru, 3, 4, -1, 0, 0, 0.0, "layers")]
    [InlineData(CellKind.Lstm, 3, 4, 1, 4, 0, 0.0, "projectionSize")]       // P = H
    [InlineData(CellKind.Lstm, 3, 4, 1, 5, 0, 0.0, "projectionSize")]       // P > H
    [InlineData(CellKind.Lstm, 3, 4, 1, -1, 0, 0.0, "projectionSize")]
    [InlineData(CellKind.Lstm, 3, 4, 1, 0, 0, 1.0, "dropout")]
    [InlineData(CellKind.Lstm, 3, 4, 1, 0, 0, -0.1, "dropout")]
    [InlineData(CellKind.Gru, 3, 4, 1, 0, 0, double.NaN, "dropout")]
    [InlineData(CellKind.Gru, 3, 4, 1, 0, 0, double.PositiveInfinity, "dropout")]
    [InlineData(CellKind.Lstm, 3, 4, 1, 0, -1, 0.0, "headOutputs")]
    [InlineData(CellKind.Lstm, 0, 4, 1, 0, 0, 0.0, "inputSize")]
    [InlineData(CellKind.Gru, -3, 4, 1, 0, 0, 0.0, "inputSize")]
    [InlineData(CellKind.Lstm, 3, 0, 1, 0, 0, 0.0, "hiddenSize")]
    [InlineData((CellKind)7, 3, 4, 1, 0, 0, 0.0, "kind")]
    [InlineData(CellKind.Lstm, 1, 100_000, 64, 0, 0, 0.0, "hiddenSize")]   // 4·10⁵·2·10⁵·64 parameters: beyond an array
    public void AnArgumentOutOfRangeIsNamed(CellKind kind, int input, int hidden, int layers, int projection, int head, double dropout, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new ModelShape(kind, input, hidden, layers, bidirectional: false, projection, bias: true, head, dropout));
        Assert.Equal(parameter, e.ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void AProjectionOnAGruIsAnArgumentExceptionNamingProjectionSize(int projection)
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelShape(CellKind.Gru, 3, 4, projectionSize: projection));
        Assert.Equal("projectionSize", e.ParamName);
        Assert.Contains("GRU", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullNamesAreRefused()
    {
        Assert.Equal("rnnName", Assert.Throws<ArgumentNullException>(() => new ModelShape(CellKind.Lstm, 3, 4, rnnName: null!)).ParamName);
        Assert.Equal("headName", Assert.Throws<ArgumentNullException>(() => new ModelShape(CellKind.Lstm, 3, 4, headName: null!)).ParamName);
    }

    [Fact]
    public void TheLimitsThemselvesAreAccepted()
    {
        Assert.Equal(64, new ModelShape(CellKind.Gru, 1, 1, layers: 64).Layers);
        Assert.Equal(3, new ModelShape(CellKind.Lstm, 1, 4, projectionSize: 3).ProjectionSize);
        Assert.Equal(0.999, new ModelShape(CellKind.Lstm, 1, 4, layers: 2, dropout: 0.999).Dropout);
    }

    // ---- Equality ----

    [Fact]
    public void ShapesAreEqualExactlyWhenEveryPropertyIs()
    {
        static ModelShape Base() => new(CellKind.Lstm, 3, 4, 2, true, 2, false, 3, 0.25, "rnn", "head");
        ModelShape[] distinct =
        [
            Base(),
            new(CellKind.Lstm, 3, 4, 2, true, 0, false, 3, 0.25, "rnn", "head"),   // projection
            new(CellKind.Gru, 3, 4, 2, true, 0, false, 3, 0.25, "rnn", "head"),    // kind (without projection)
            new(CellKind.Lstm, 5, 4, 2, true, 2, false, 3, 0.25, "rnn", "head"),   // input
            new(CellKind.Lstm, 3, 5, 2, true, 2, false, 3, 0.25, "rnn", "head"),   // hidden
            new(CellKind.Lstm, 3, 4, 3, true, 2, false, 3, 0.25, "rnn", "head"),   // layers
            new(CellKind.Lstm, 3, 4, 2, false, 2, false, 3, 0.25, "rnn", "head"),  // directions
            new(CellKind.Lstm, 3, 4, 2, true, 1, false, 3, 0.25, "rnn", "head"),   // another projection
            new(CellKind.Lstm, 3, 4, 2, true, 2, true, 3, 0.25, "rnn", "head"),    // bias
            new(CellKind.Lstm, 3, 4, 2, true, 2, false, 0, 0.25, "rnn", "head"),   // head
            new(CellKind.Lstm, 3, 4, 2, true, 2, false, 3, 0.5, "rnn", "head"),    // dropout
            new(CellKind.Lstm, 3, 4, 2, true, 2, false, 3, 0.25, "", "head"),      // rnn name
            new(CellKind.Lstm, 3, 4, 2, true, 2, false, 3, 0.25, "rnn", "fc"),     // head name
        ];

        ModelShape same = Base();
        Assert.True(distinct[0].Equals(same));
        Assert.True(distinct[0].Equals((object)same));
        Assert.Equal(distinct[0].GetHashCode(), same.GetHashCode());
        Assert.False(distinct[0].Equals(null));
        Assert.False(distinct[0].Equals((object?)null));
        Assert.False(distinct[0].Equals("LSTM"));
        for (int i = 0; i < distinct.Length; i++)
        {
            for (int j = 0; j < distinct.Length; j++)
            {
                Assert.True((i == j) == distinct[i].Equals(distinct[j]), $"[{i}] {distinct[i]} Equals [{j}] {distinct[j]}: {distinct[i].Equals(distinct[j])}");
            }
        }

        Assert.Equal(distinct.Length, new HashSet<ModelShape>(distinct.Concat(distinct.Select(Copy))).Count);

        // dropout −0 is dropout 0: equal, with the same hash.
        ModelShape negativeZero = new(CellKind.Gru, 3, 4, 2, dropout: -0.0), zero = new(CellKind.Gru, 3, 4, 2);
        Assert.Equal(zero, negativeZero);
        Assert.Equal(zero.GetHashCode(), negativeZero.GetHashCode());
        Assert.Equal("GRU(3, 4, num_layers=2)", negativeZero.ToString());

        static ModelShape Copy(ModelShape s) => new(s.Kind, s.InputSize, s.HiddenSize, s.Layers, s.Bidirectional, s.ProjectionSize, s.Bias, s.HeadOutputs, s.Dropout, s.RnnName, s.HeadName);
    }

    // ---- ToString ----

    [Theory]
    [InlineData(CellKind.Gru, 3, 4, 1, false, 0, true, 0, 0.0, "GRU(3, 4)")]
    [InlineData(CellKind.Lstm, 40, 128, 2, true, 0, true, 10, 0.0, "LSTM(40, 128, num_layers=2, bidirectional=True) + Linear(256, 10)")]
    [InlineData(CellKind.Lstm, 3, 4, 2, true, 2, false, 3, 0.25, "LSTM(3, 4, num_layers=2, bias=False, dropout=0.25, bidirectional=True, proj_size=2) + Linear(4, 3)")]
    [InlineData(CellKind.Gru, 5, 8, 3, false, 0, true, 0, 0.1, "GRU(5, 8, num_layers=3, dropout=0.1)")]
    [InlineData(CellKind.Lstm, 5, 8, 1, false, 3, true, 2, 0.0, "LSTM(5, 8, proj_size=3) + Linear(3, 2)")]
    [InlineData(CellKind.Gru, 7, 13, 1, false, 0, false, 0, 0.0, "GRU(7, 13, bias=False)")]
    public void ToStringReadsLikeThePyTorchConstructor(CellKind kind, int input, int hidden, int layers, bool bidirectional, int projection, bool bias, int head, double dropout, string expected)
    {
        var shape = new ModelShape(kind, input, hidden, layers, bidirectional, projection, bias, head, dropout);
        Assert.Equal(expected, shape.ToString());

        // Whatever the culture: dropout=0.25, never 0,25.
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal(expected, shape.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    // ---- Tensors and state rows ----

    [Fact]
    public void TensorsOfABidirectionalProjectedTwoLayerModelWithAHeadFollowTheStateDict()
    {
        // I = 3, H = 4 (G·H = 16), P = 2, D = 2 (layer 1 reads D·P = 4), M = 3.
        var shape = new ModelShape(CellKind.Lstm, 3, 4, layers: 2, bidirectional: true, projectionSize: 2, headOutputs: 3, rnnName: "rnn", headName: "head");
        (string Name, int[] Shape, int Offset)[] expected =
        [
            ("rnn.weight_ih_l0", [16, 3], 0), ("rnn.weight_hh_l0", [16, 2], 48), ("rnn.bias_ih_l0", [16], 80), ("rnn.bias_hh_l0", [16], 96), ("rnn.weight_hr_l0", [2, 4], 112),
            ("rnn.weight_ih_l0_reverse", [16, 3], 120), ("rnn.weight_hh_l0_reverse", [16, 2], 168), ("rnn.bias_ih_l0_reverse", [16], 200), ("rnn.bias_hh_l0_reverse", [16], 216), ("rnn.weight_hr_l0_reverse", [2, 4], 232),
            ("rnn.weight_ih_l1", [16, 4], 240), ("rnn.weight_hh_l1", [16, 2], 304), ("rnn.bias_ih_l1", [16], 336), ("rnn.bias_hh_l1", [16], 352), ("rnn.weight_hr_l1", [2, 4], 368),
            ("rnn.weight_ih_l1_reverse", [16, 4], 376), ("rnn.weight_hh_l1_reverse", [16, 2], 440), ("rnn.bias_ih_l1_reverse", [16], 472), ("rnn.bias_hh_l1_reverse", [16], 488), ("rnn.weight_hr_l1_reverse", [2, 4], 504),
            ("head.weight", [3, 4], 512), ("head.bias", [3], 524),
        ];
        AssertTensors(expected, shape);
        Assert.Equal(527, shape.ParameterCount);

        Assert.Equal(2, shape.RecurrentSize);
        Assert.Equal(4, shape.LayerOutputSize);
        Assert.Equal(3, shape.OutputSize);
        Assert.Equal(2 * 2 * 2 + 2 * 2 * 4, shape.StateSize);   // h_n [4, 2], c_n [4, 4]
        Assert.False(shape.IsSingleCell);

        // Tensor(name) finds each; an unknown name lists those there are.
        Assert.Equal(504, shape.Tensor("rnn.weight_hr_l1_reverse").Offset);
        var e = Assert.Throws<ArgumentException>(() => shape.Tensor("rnn.weight_hr_l2"));
        Assert.Equal("name", e.ParamName);
        Assert.Contains("rnn.weight_hr_l1_reverse", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABareModuleHasUnprefixedNamesAndNoBiasTensorsWithoutBias()
    {
        var shape = new ModelShape(CellKind.Gru, 5, 8, layers: 2, bias: false);
        AssertTensors(
            [("weight_ih_l0", [24, 5], 0), ("weight_hh_l0", [24, 8], 120), ("weight_ih_l1", [24, 8], 312), ("weight_hh_l1", [24, 8], 504)],
            shape);
        Assert.Equal(696, shape.ParameterCount);
        Assert.True(new ModelShape(CellKind.Gru, 5, 8).IsSingleCell);
    }

    [Theory]
    [MemberData(nameof(ModelFixture.Cases), MemberType = typeof(ModelFixture))]
    public void TensorsMatchWhatPyTorchListedForEveryFixture(string name)
    {
        ModelShape shape = ModelFixture.Load(name).Shape;
        AssertTensors(ModelFixtureTensors.Read(name).ToArray(), shape);
    }

    [Fact]
    public void StateRowsAreLayerTimesDirectionsPlusDirectionHThenC()
    {
        // h_n [D·L, Hout] then c_n [D·L, H]; row = layer·D + direction.
        var shape = new ModelShape(CellKind.Lstm, 3, 4, layers: 2, bidirectional: true, projectionSize: 2);
        for (int layer = 0; layer < 2; layer++)
        {
            for (int direction = 0; direction < 2; direction++)
            {
                int row = layer * 2 + direction;
                Assert.Equal(row * 2, shape.HiddenStateOffset(layer, direction));
                Assert.Equal(4 * 2 + row * 4, shape.CellStateOffset(layer, direction));
            }
        }

        var gru = new ModelShape(CellKind.Gru, 3, 4, layers: 3, bidirectional: true);
        Assert.Equal((2 * 2 + 1) * 4, gru.HiddenStateOffset(2, 1));
        Assert.Equal(24, gru.StateSize);
        Assert.Throws<InvalidOperationException>(() => gru.CellStateOffset(0, 0));

        Assert.Equal("layer", Assert.Throws<ArgumentOutOfRangeException>(() => shape.HiddenStateOffset(2, 0)).ParamName);
        Assert.Equal("layer", Assert.Throws<ArgumentOutOfRangeException>(() => shape.HiddenStateOffset(-1, 0)).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentOutOfRangeException>(() => shape.CellStateOffset(0, 2)).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(CellKind.Lstm, 3, 4).HiddenStateOffset(0, 1)).ParamName);
    }

    private static void AssertTensors(IReadOnlyList<(string Name, int[] Shape, int Offset)> expected, ModelShape shape)
    {
        Assert.Equal(expected.Select(t => t.Name), shape.Tensors.Select(t => t.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            ParameterTensor tensor = shape.Tensors[i];
            Assert.True(expected[i].Shape.SequenceEqual(tensor.Shape), $"{tensor.Name}: shape [{string.Join(", ", tensor.Shape)}], expected [{string.Join(", ", expected[i].Shape)}]");
            Assert.True(expected[i].Offset == tensor.Offset, $"{tensor.Name}: offset {tensor.Offset}, expected {expected[i].Offset}");
            Assert.Equal(expected[i].Shape.Aggregate(1, (a, b) => a * b), tensor.Length);
        }

        // Contiguous, in order, covering the parameters exactly.
        ParameterTensor last = shape.Tensors[^1];
        Assert.Equal(shape.ParameterCount, last.Offset + last.Length);
    }
}
