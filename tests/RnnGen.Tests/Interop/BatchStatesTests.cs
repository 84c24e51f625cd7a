using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>
/// <see cref="BatchStates"/> converts RnnGen's [B, S] batch states to PyTorch's h_n [D·L, B, Hout] and c_n [D·L, B, H] and
/// back: exact round trips (bit for bit) for a projected bidirectional LSTM (Hout ≠ H) and a GRU; every value where the
/// index formula h[(row·B + b)·Hout + j] = state_b[row·Hout + j] (and c likewise after the h rows) puts it, checked on a
/// hand-built example and on whole shapes; PyTorch's meaning of those rows, checked on the float64 results of the batch
/// fixtures (h_n's top rows are the last outputs of each direction, at each stream's own length); and wrong lengths
/// throw <see cref="ArgumentException"/> naming the argument, writing nothing.
/// </summary>
public sealed class BatchStatesTests
{
    public static TheoryData<string, int> Shapes() => new()
    {
        { nameof(Lstm12x40P16L2BiHead), 1 },
        { nameof(Lstm12x40P16L2BiHead), 3 },
        { nameof(LstmProjL2Bi), 5 },
        { nameof(GruL2Bi13), 2 },
        { nameof(GruL3), 7 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RoundTripsAreExactAndFollowTheIndexFormula(string name, int batch)
    {
        ModelShape shape = GeneratedModels.ByName[name];
        int rows = shape.Layers * shape.Directions, hout = shape.RecurrentSize, hidden = shape.HiddenSize, s = shape.StateSize;
        bool lstm = shape.Kind == CellKind.Lstm;
        Assert.True(!lstm || shape.ProjectionSize == 0 || hout != hidden);
        float[] states = Models.Uniform(new Random(batch), batch * s);
        float[] h = new float[rows * batch * hout], c = new float[lstm ? rows * batch * hidden : 0];

        BatchStates.ToPyTorch<float>(shape, states, h, c);
        for (int b = 0; b < batch; b++)
        {
            for (int row = 0; row < rows; row++)
            {
                for (int j = 0; j < hout; j++)
                {
                    Assert.Equal(states[b * s + row * hout + j], h[(row * batch + b) * hout + j]);
                }

                for (int j = 0; lstm && j < hidden; j++)
                {
                    Assert.Equal(states[b * s + rows * hout + row * hidden + j], c[(row * batch + b) * hidden + j]);
                }
            }
        }

        float[] back = new float[batch * s];
        BatchStates.FromPyTorch<float>(shape, h, c, back);
        Models.AssertBitwise(states, back, $"{name} B={batch}: RnnGen → PyTorch → RnnGen");

        // And from PyTorch's side: any h_n, c_n come back as they went.
        float[] h2 = Models.Uniform(new Random(100 + batch), h.Length), c2 = Models.Uniform(new Random(200 + batch), c.Length);
        float[] viaRnnGen = new float[batch * s], h3 = new float[h.Length], c3 = new float[c.Length];
        BatchStates.FromPyTorch<float>(shape, h2, c2, viaRnnGen);
        BatchStates.ToPyTorch<float>(shape, viaRnnGen, h3, c3);
        Models.AssertBitwise(h2, h3, $"{name} B={batch}: h_n through RnnGen's layout");
        Models.AssertBitwise(c2, c3, $"{name} B={batch}: c_n through RnnGen's layout");
    }

    /// <summary>
    /// A hand-built case, as the fixture script's to_pytorch_states lays it out: a bidirectional one-layer LSTM of H 2 with
    /// h projected to 1 value (each stream's state: 2 rows of h, then 2 rows of c), 2 streams.
    /// </summary>
    [Fact]
    public void ATinyProjectedBidirectionalLstmByHand()
    {
        var shape = new ModelShape(CellKind.Lstm, 1, 2, layers: 1, bidirectional: true, projectionSize: 1);
        Assert.Equal(6, shape.StateSize);
        //                 stream 0: h_fwd h_rev | c_fwd    c_rev      stream 1: h_fwd h_rev | c_fwd      c_rev
        double[] states = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        double[] h = new double[4], c = new double[8];
        BatchStates.ToPyTorch<double>(shape, states, h, c);
        Assert.Equal([1, 7, 2, 8], h);                      // h_n[direction, b, 0]
        Assert.Equal([3, 4, 9, 10, 5, 6, 11, 12], c);       // c_n[direction, b, :]

        double[] back = new double[12];
        BatchStates.FromPyTorch<double>(shape, h, c, back);
        Assert.Equal(states, back);

        // A GRU has no c_n: h_n[layer, b, :] for two layers of H 2, 2 streams.
        var gru = new ModelShape(CellKind.Gru, 1, 2, layers: 2);
        double[] gruStates = [1, 2, 3, 4, 5, 6, 7, 8], gruH = new double[8];
        BatchStates.ToPyTorch<double>(gru, gruStates, gruH, Span<double>.Empty);
        Assert.Equal([1, 2, 5, 6, 3, 4, 7, 8], gruH);
    }

    /// <summary>
    /// PyTorch's meaning of the converted rows, on its own float64 results: in h_n, row (L − 1)·D of stream b is the top
    /// layer's forward h after the stream's own last step, which is its output at that step; for a bidirectional model row
    /// (L − 1)·D + 1 is the reverse direction's h after it reached step 0, its output there.
    /// </summary>
    [Theory]
    [InlineData("gru_l2_bi_b3_ragged")]
    [InlineData("gru_l3_b5_ragged")]
    [InlineData("lstm_l2_s4_b4_ragged")]
    public void ConvertedFixtureStatesMeanWhatPyTorchsMean(string name)
    {
        BatchFixture fixture = BatchFixture.Load(name);
        ModelShape shape = fixture.Shape;
        Assert.Equal(0, shape.HeadOutputs);
        int batch = fixture.Batch, d = shape.Directions, rows = shape.Layers * d, hout = shape.RecurrentSize, width = shape.LayerOutputSize;
        double[] h = new double[rows * batch * hout], c = new double[shape.Kind == CellKind.Lstm ? rows * batch * shape.HiddenSize : 0];
        BatchStates.ToPyTorch<double>(shape, fixture.Float64.FinalState, h, c);
        double[] outputs = fixture.Float64.Outputs;
        for (int b = 0; b < batch; b++)
        {
            int length = fixture.Lengths?[b] ?? fixture.Steps;
            Assert.True(length > 0);
            int top = (shape.Layers - 1) * d;
            Assert.Equal(outputs.AsSpan(((length - 1) * batch + b) * width, hout).ToArray(), h.AsSpan((top * batch + b) * hout, hout).ToArray());
            if (d == 2)
            {
                Assert.Equal(outputs.AsSpan(b * width + hout, hout).ToArray(), h.AsSpan(((top + 1) * batch + b) * hout, hout).ToArray());
            }
        }

        double[] back = new double[fixture.Float64.FinalState.Length];
        BatchStates.FromPyTorch<double>(shape, h, c, back);
        Assert.Equal(fixture.Float64.FinalState, back);
    }

    [Fact]
    public void WrongLengthsNameTheArgumentAndWriteNothing()
    {
        ModelShape lstm = GeneratedModels.ByName[nameof(Lstm12x40P16L2BiHead)], gru = GeneratedModels.ByName[nameof(GruL2Bi13)];
        const int Batch = 2;
        int rows = 4, hout = lstm.RecurrentSize, hidden = lstm.HiddenSize;
        float[] states = Models.Uniform(new Random(1), Batch * lstm.StateSize), h = Models.Uniform(new Random(2), rows * Batch * hout), c = Models.Uniform(new Random(3), rows * Batch * hidden);
        float[][] all = [states, h, c];
        float[][] before = [.. all.Select(a => (float[])a.Clone())];
        float[] gruStates = Models.Uniform(new Random(4), Batch * gru.StateSize), gruH = new float[rows * Batch * gru.RecurrentSize];

        foreach ((string parameter, Action call) in new (string, Action)[]
        {
            ("states", () => BatchStates.ToPyTorch<float>(lstm, states.AsSpan(1), h, c)),
            ("h", () => BatchStates.ToPyTorch<float>(lstm, states, h.AsSpan(1), c)),
            ("h", () => BatchStates.ToPyTorch<float>(lstm, states.AsSpan(lstm.StateSize), h, c)),   // h for 2 streams, states for 1
            ("c", () => BatchStates.ToPyTorch<float>(lstm, states, h, c.AsSpan(hidden))),
            ("c", () => BatchStates.ToPyTorch<float>(lstm, states, h, Span<float>.Empty)),
            ("states", () => BatchStates.FromPyTorch<float>(lstm, h, c, states.AsSpan(0, states.Length - 1))),
            ("h", () => BatchStates.FromPyTorch<float>(lstm, h.AsSpan(0, h.Length - hout), c, states)),
            ("c", () => BatchStates.FromPyTorch<float>(lstm, h, c.AsSpan(0, c.Length - 1), states)),
            ("c", () => BatchStates.ToPyTorch<float>(gru, gruStates, gruH, new float[1])),   // a GRU has no c_n
            ("h", () => BatchStates.FromPyTorch<float>(gru, gruH.AsSpan(1), Span<float>.Empty, gruStates)),
        })
        {
            ArgumentException e = Assert.Throws<ArgumentException>(call);
            Assert.Equal(parameter, e.ParamName);
        }

        for (int k = 0; k < all.Length; k++)
        {
            Models.AssertBitwise(before[k], all[k], $"argument {k} after the refused conversions");
        }

        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => BatchStates.ToPyTorch<float>(null!, states, h, c)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => BatchStates.FromPyTorch<float>(null!, h, c, states)).ParamName);
    }
}
