namespace RnnGen.Tests.Infrastructure;

// Whole generated models. First one class per PyTorch model fixture shape (tests/fixtures/models): exactly the
// fixture's sizes, layers, directions, proj_size, bias and head, with the attribute's default names, which are the
// fixture's (rnn/head with a head, "" without). lstm_l2_s4(_head) share lstm_l2(_head)'s shape.
[Gru(input: 5, hidden: 8, Layers = 2)] public partial class GruL2;
[Gru(input: 5, hidden: 8, Layers = 2), Dense(input: 8, output: 3)] public partial class GruL2Head;
[Gru(input: 5, hidden: 8, Layers = 2, Bidirectional = true)] public partial class GruL2Bi;
[Gru(input: 5, hidden: 8, Layers = 2, Bidirectional = true), Dense(input: 16, output: 3)] public partial class GruL2BiHead;
[Gru(input: 7, hidden: 13, Layers = 2, Bidirectional = true)] public partial class GruL2Bi13;
[Gru(input: 7, hidden: 13, Layers = 2, Bidirectional = true), Dense(input: 26, output: 3)] public partial class GruL2Bi13Head;
[Gru(input: 5, hidden: 8, Layers = 3)] public partial class GruL3;
[Gru(input: 5, hidden: 8, Layers = 3), Dense(input: 8, output: 3)] public partial class GruL3Head;
[Gru(input: 5, hidden: 8, Bias = false)] public partial class GruNoBias;
[Gru(input: 5, hidden: 8, Bias = false), Dense(input: 8, output: 3)] public partial class GruNoBiasHead;
[Lstm(input: 5, hidden: 8, Layers = 2)] public partial class LstmL2;
[Lstm(input: 5, hidden: 8, Layers = 2), Dense(input: 8, output: 3)] public partial class LstmL2Head;
[Lstm(input: 5, hidden: 8, Layers = 2, Bidirectional = true)] public partial class LstmL2Bi;
[Lstm(input: 5, hidden: 8, Layers = 2, Bidirectional = true), Dense(input: 16, output: 3)] public partial class LstmL2BiHead;
[Lstm(input: 5, hidden: 8, Layers = 3)] public partial class LstmL3;
[Lstm(input: 5, hidden: 8, Layers = 3), Dense(input: 8, output: 3)] public partial class LstmL3Head;
[Lstm(input: 5, hidden: 8, Layers = 2, Bias = false)] public partial class LstmNoBias;
[Lstm(input: 5, hidden: 8, Layers = 2, Bias = false), Dense(input: 8, output: 3)] public partial class LstmNoBiasHead;
[Lstm(input: 5, hidden: 8, ProjectionSize = 5)] public partial class LstmProj;
[Lstm(input: 5, hidden: 8, ProjectionSize = 5), Dense(input: 5, output: 3)] public partial class LstmProjHead;
[Lstm(input: 5, hidden: 8, ProjectionSize = 5, Bidirectional = true)] public partial class LstmProjBi;
[Lstm(input: 5, hidden: 8, ProjectionSize = 5, Bidirectional = true), Dense(input: 10, output: 3)] public partial class LstmProjBiHead;
[Lstm(input: 5, hidden: 13, Layers = 2, ProjectionSize = 5, Bidirectional = true)] public partial class LstmProjL2Bi;
[Lstm(input: 5, hidden: 13, Layers = 2, ProjectionSize = 5, Bidirectional = true), Dense(input: 10, output: 3)] public partial class LstmProjL2BiHead;

// Shapes wide enough for every vector path and the packed frozen tiles (8 and 16 units on Vector256), in both layer
// kernels of a stack: a plain stack, a bidirectional GRU with a head, a projected bidirectional LSTM with a head
// (h of 16 from c of 40), and the 32 → 64 → 64 stack with a head.
[Lstm(input: 16, hidden: 32, Layers = 2)] public partial class Lstm16x32L2;
[Gru(input: 8, hidden: 24, Layers = 2, Bidirectional = true), Dense(input: 48, output: 5)] public partial class Gru8x24L2BiHead;
[Lstm(input: 12, hidden: 40, Layers = 2, ProjectionSize = 16, Bidirectional = true), Dense(input: 32, output: 6)] public partial class Lstm12x40P16L2BiHead;
[Lstm(input: 32, hidden: 64, Layers = 2), Dense(input: 64, output: 10)] public partial class Lstm32x64L2Head;

// Dropout between layers, each with a twin of the same sizes without it (what inference must compute). The LSTM's
// input equals its hidden size, so all three layers share one kernel class ("Every layer").
[Lstm(input: 16, hidden: 16, Layers = 3, Dropout = 0.25), Dense(input: 16, output: 4)] public partial class LstmDropout;
[Lstm(input: 16, hidden: 16, Layers = 3), Dense(input: 16, output: 4)] public partial class LstmDropoutTwin;
[Gru(input: 6, hidden: 12, Layers = 2, Bidirectional = true, Dropout = 0.4)] public partial class GruDropoutBi;
[Gru(input: 6, hidden: 12, Layers = 2, Bidirectional = true)] public partial class GruDropoutBiTwin;

// A model with a head whose trained weights the build embeds (tests/fixtures/safetensors/tagger.safetensors holds
// rnn.* of an LSTM(7, 13) and head.* of a Linear(13, 4)): the default names rnn/head find both without a prefix.
[Lstm(input: 7, hidden: 13, Weights = "tagger.safetensors"), Dense(input: 13, output: 4)] public partial class EmbeddedTaggerModel;

// The reset-before GRU (ResetAfter = false: Keras reset_after=False, ONNX linear_before_reset=0) in every option: a
// single layer at a vector multiple (8 and 16 units: Vector256, Vector128) and at a tail size (13), a streaming stack
// wide enough for the blocked transposed products (64), a bidirectional stack with a head, one without biases.
[Gru(input: 8, hidden: 16, ResetAfter = false)] public partial class GruRb8x16;
[Gru(input: 7, hidden: 13, ResetAfter = false)] public partial class GruRb7x13;
[Gru(input: 16, hidden: 64, Layers = 2, ResetAfter = false)] public partial class GruRb16x64L2;
[Gru(input: 7, hidden: 13, Layers = 2, Bidirectional = true, ResetAfter = false), Dense(input: 26, output: 3)] public partial class GruRbL2Bi13Head;
[Gru(input: 5, hidden: 8, Bias = false, ResetAfter = false)] public partial class GruRbNoBias;

/// <summary>The generated models of the tests, by shape or class name, and their frozen snapshots.</summary>
public static class GeneratedModels
{
    /// <summary>Every model class's name with its generated <c>Shape</c>, in declaration order.</summary>
    public static IReadOnlyDictionary<string, ModelShape> ByName { get; } = new Dictionary<string, ModelShape>(StringComparer.Ordinal)
    {
        [nameof(GruL2)] = GruL2.Shape,
        [nameof(GruL2Head)] = GruL2Head.Shape,
        [nameof(GruL2Bi)] = GruL2Bi.Shape,
        [nameof(GruL2BiHead)] = GruL2BiHead.Shape,
        [nameof(GruL2Bi13)] = GruL2Bi13.Shape,
        [nameof(GruL2Bi13Head)] = GruL2Bi13Head.Shape,
        [nameof(GruL3)] = GruL3.Shape,
        [nameof(GruL3Head)] = GruL3Head.Shape,
        [nameof(GruNoBias)] = GruNoBias.Shape,
        [nameof(GruNoBiasHead)] = GruNoBiasHead.Shape,
        [nameof(LstmL2)] = LstmL2.Shape,
        [nameof(LstmL2Head)] = LstmL2Head.Shape,
        [nameof(LstmL2Bi)] = LstmL2Bi.Shape,
        [nameof(LstmL2BiHead)] = LstmL2BiHead.Shape,
        [nameof(LstmL3)] = LstmL3.Shape,
        [nameof(LstmL3Head)] = LstmL3Head.Shape,
        [nameof(LstmNoBias)] = LstmNoBias.Shape,
        [nameof(LstmNoBiasHead)] = LstmNoBiasHead.Shape,
        [nameof(LstmProj)] = LstmProj.Shape,
        [nameof(LstmProjHead)] = LstmProjHead.Shape,
        [nameof(LstmProjBi)] = LstmProjBi.Shape,
        [nameof(LstmProjBiHead)] = LstmProjBiHead.Shape,
        [nameof(LstmProjL2Bi)] = LstmProjL2Bi.Shape,
        [nameof(LstmProjL2BiHead)] = LstmProjL2BiHead.Shape,
        [nameof(Lstm16x32L2)] = Lstm16x32L2.Shape,
        [nameof(Gru8x24L2BiHead)] = Gru8x24L2BiHead.Shape,
        [nameof(Lstm12x40P16L2BiHead)] = Lstm12x40P16L2BiHead.Shape,
        [nameof(Lstm32x64L2Head)] = Lstm32x64L2Head.Shape,
        [nameof(LstmDropout)] = LstmDropout.Shape,
        [nameof(LstmDropoutTwin)] = LstmDropoutTwin.Shape,
        [nameof(GruDropoutBi)] = GruDropoutBi.Shape,
        [nameof(GruDropoutBiTwin)] = GruDropoutBiTwin.Shape,
        [nameof(GruRb8x16)] = GruRb8x16.Shape,
        [nameof(GruRb7x13)] = GruRb7x13.Shape,
        [nameof(GruRb16x64L2)] = GruRb16x64L2.Shape,
        [nameof(GruRbL2Bi13Head)] = GruRbL2Bi13Head.Shape,
        [nameof(GruRbNoBias)] = GruRbNoBias.Shape,
    };

    /// <summary>The wide shapes that exercise the vector and packed paths.</summary>
    public static IReadOnlyList<string> VectorNames { get; } =
        [nameof(Lstm16x32L2), nameof(Gru8x24L2BiHead), nameof(Lstm12x40P16L2BiHead), nameof(Lstm32x64L2Head),
         nameof(GruRb8x16), nameof(GruRb7x13), nameof(GruRb16x64L2), nameof(GruRbL2Bi13Head), nameof(GruRbNoBias)];

    /// <summary>The reset-before GRUs (ResetAfter = false).</summary>
    public static IReadOnlyList<string> ResetBeforeNames { get; } =
        [nameof(GruRb8x16), nameof(GruRb7x13), nameof(GruRb16x64L2), nameof(GruRbL2Bi13Head), nameof(GruRbNoBias)];

    /// <summary>Every class name, as theory data.</summary>
    public static Xunit.TheoryData<string> AllNames => new(ByName.Keys);

    /// <summary>The class names of the models that are not bidirectional (they stream: Step, Forward without a workspace).</summary>
    public static Xunit.TheoryData<string> StreamingNames => new(ByName.Where(p => !p.Value.Bidirectional).Select(p => p.Key));

    /// <summary>The class names of the bidirectional models.</summary>
    public static Xunit.TheoryData<string> BidirectionalNames => new(ByName.Where(p => p.Value.Bidirectional).Select(p => p.Key));

    /// <summary>A new model of the class called <paramref name="name"/>.</summary>
    public static IRecurrentModel<float> Create(string name, Random? random = null) =>
        Create(ByName.TryGetValue(name, out ModelShape? shape) ? shape : throw new ArgumentException($"No generated model class '{name}' in the tests.", nameof(name)), random);

    /// <summary>A new generated model of exactly <paramref name="shape"/> (sizes, layers, directions, projection, bias, head, dropout and names).</summary>
    public static IRecurrentModel<float> Create(ModelShape shape, Random? random = null) => shape switch
    {
        _ when shape.Equals(GruL2.Shape) => new GruL2(random),
        _ when shape.Equals(GruL2Head.Shape) => new GruL2Head(random),
        _ when shape.Equals(GruL2Bi.Shape) => new GruL2Bi(random),
        _ when shape.Equals(GruL2BiHead.Shape) => new GruL2BiHead(random),
        _ when shape.Equals(GruL2Bi13.Shape) => new GruL2Bi13(random),
        _ when shape.Equals(GruL2Bi13Head.Shape) => new GruL2Bi13Head(random),
        _ when shape.Equals(GruL3.Shape) => new GruL3(random),
        _ when shape.Equals(GruL3Head.Shape) => new GruL3Head(random),
        _ when shape.Equals(GruNoBias.Shape) => new GruNoBias(random),
        _ when shape.Equals(GruNoBiasHead.Shape) => new GruNoBiasHead(random),
        _ when shape.Equals(LstmL2.Shape) => new LstmL2(random),
        _ when shape.Equals(LstmL2Head.Shape) => new LstmL2Head(random),
        _ when shape.Equals(LstmL2Bi.Shape) => new LstmL2Bi(random),
        _ when shape.Equals(LstmL2BiHead.Shape) => new LstmL2BiHead(random),
        _ when shape.Equals(LstmL3.Shape) => new LstmL3(random),
        _ when shape.Equals(LstmL3Head.Shape) => new LstmL3Head(random),
        _ when shape.Equals(LstmNoBias.Shape) => new LstmNoBias(random),
        _ when shape.Equals(LstmNoBiasHead.Shape) => new LstmNoBiasHead(random),
        _ when shape.Equals(LstmProj.Shape) => new LstmProj(random),
        _ when shape.Equals(LstmProjHead.Shape) => new LstmProjHead(random),
        _ when shape.Equals(LstmProjBi.Shape) => new LstmProjBi(random),
        _ when shape.Equals(LstmProjBiHead.Shape) => new LstmProjBiHead(random),
        _ when shape.Equals(LstmProjL2Bi.Shape) => new LstmProjL2Bi(random),
        _ when shape.Equals(LstmProjL2BiHead.Shape) => new LstmProjL2BiHead(random),
        _ when shape.Equals(Lstm16x32L2.Shape) => new Lstm16x32L2(random),
        _ when shape.Equals(Gru8x24L2BiHead.Shape) => new Gru8x24L2BiHead(random),
        _ when shape.Equals(Lstm12x40P16L2BiHead.Shape) => new Lstm12x40P16L2BiHead(random),
        _ when shape.Equals(Lstm32x64L2Head.Shape) => new Lstm32x64L2Head(random),
        _ when shape.Equals(LstmDropout.Shape) => new LstmDropout(random),
        _ when shape.Equals(LstmDropoutTwin.Shape) => new LstmDropoutTwin(random),
        _ when shape.Equals(GruDropoutBi.Shape) => new GruDropoutBi(random),
        _ when shape.Equals(GruDropoutBiTwin.Shape) => new GruDropoutBiTwin(random),
        _ when shape.Equals(GruRb8x16.Shape) => new GruRb8x16(random),
        _ when shape.Equals(GruRb7x13.Shape) => new GruRb7x13(random),
        _ when shape.Equals(GruRb16x64L2.Shape) => new GruRb16x64L2(random),
        _ when shape.Equals(GruRbL2Bi13Head.Shape) => new GruRbL2Bi13Head(random),
        _ when shape.Equals(GruRbNoBias.Shape) => new GruRbNoBias(random),
        _ => throw new ArgumentException($"No generated model of shape {shape} (rnn '{shape.RnnName}', head '{shape.HeadName}') in the tests.", nameof(shape)),
    };

    /// <summary>The generated model's <c>Freeze(precision)</c>: a snapshot of its parameters as they are now.</summary>
    public static IFrozenModel<float> Freeze(IRecurrentModel<float> model, WeightPrecision precision = WeightPrecision.Float32) => model switch
    {
        GruL2 m => m.Freeze(precision),
        GruL2Head m => m.Freeze(precision),
        GruL2Bi m => m.Freeze(precision),
        GruL2BiHead m => m.Freeze(precision),
        GruL2Bi13 m => m.Freeze(precision),
        GruL2Bi13Head m => m.Freeze(precision),
        GruL3 m => m.Freeze(precision),
        GruL3Head m => m.Freeze(precision),
        GruNoBias m => m.Freeze(precision),
        GruNoBiasHead m => m.Freeze(precision),
        LstmL2 m => m.Freeze(precision),
        LstmL2Head m => m.Freeze(precision),
        LstmL2Bi m => m.Freeze(precision),
        LstmL2BiHead m => m.Freeze(precision),
        LstmL3 m => m.Freeze(precision),
        LstmL3Head m => m.Freeze(precision),
        LstmNoBias m => m.Freeze(precision),
        LstmNoBiasHead m => m.Freeze(precision),
        LstmProj m => m.Freeze(precision),
        LstmProjHead m => m.Freeze(precision),
        LstmProjBi m => m.Freeze(precision),
        LstmProjBiHead m => m.Freeze(precision),
        LstmProjL2Bi m => m.Freeze(precision),
        LstmProjL2BiHead m => m.Freeze(precision),
        Lstm16x32L2 m => m.Freeze(precision),
        Gru8x24L2BiHead m => m.Freeze(precision),
        Lstm12x40P16L2BiHead m => m.Freeze(precision),
        Lstm32x64L2Head m => m.Freeze(precision),
        LstmDropout m => m.Freeze(precision),
        LstmDropoutTwin m => m.Freeze(precision),
        GruDropoutBi m => m.Freeze(precision),
        GruDropoutBiTwin m => m.Freeze(precision),
        GruRb8x16 m => m.Freeze(precision),
        GruRb7x13 m => m.Freeze(precision),
        GruRb16x64L2 m => m.Freeze(precision),
        GruRbL2Bi13Head m => m.Freeze(precision),
        GruRbNoBias m => m.Freeze(precision),
        _ => throw new ArgumentException($"Not a generated model of the tests: {model.GetType()}.", nameof(model)),
    };

    /// <summary>A tape whose dropout masks come from <paramref name="random"/>: the generated <c>CreateTape(maxSteps, Random)</c> of a dropout model.</summary>
    public static Tape<float> CreateTape(IRecurrentModel<float> model, int maxSteps, Random random) => model switch
    {
        LstmDropout m => m.CreateTape(maxSteps, random),
        GruDropoutBi m => m.CreateTape(maxSteps, random),
        _ => throw new ArgumentException($"{model.GetType().Name} has no dropout, so no CreateTape(maxSteps, Random).", nameof(model)),
    };
}
