using System.Numerics;
using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using static RnnGen.Tests.Infrastructure.SafeTensorsFiles;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Interop;

/// <summary>
/// Whole models' weights (<see cref="ModelWeights"/> through <see cref="ReferenceModel{T}.LoadWeights(string, string, bool, int)"/>
/// and <c>SaveWeights</c>): exact round trips under the state_dict names of the shape, strict loads, every missing or
/// misshapen tensor reported by file and name with the parameters left untouched, one layer of a stacked file, the
/// module-name hint, and PyTorch's fixture parameters reproducing PyTorch's results once they went through a file.
/// </summary>
public sealed class ModelWeightsTests : IDisposable
{
    private const string Mismatch = WeightFileErrors.MismatchKind;

    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("rnngen-model-weights-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    /// <summary>LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2) + Linear(4, 3), as submodules rnn and head.</summary>
    private static ModelShape Full => ModelTestShapes.Create("lstm_proj_bi_l2", head: true);

    // ---- Round trips ----

    [Fact]
    public void ADoubleModelRoundTripsBitForBitThroughAFileAndAStreamAsF64()
    {
        RoundTrip<double>(SafeTensorsDType.F64);
    }

    [Fact]
    public void AFloatModelRoundTripsBitForBitThroughAFileAndAStreamAsF32()
    {
        RoundTrip<float>(SafeTensorsDType.F32);
    }

    private void RoundTrip<T>(SafeTensorsDType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ModelShape shape = Full;
        var saved = new ReferenceModel<T>(shape, new Random(1));
        string path = Path.Combine(_directory, "model.safetensors");
        saved.SaveWeights(path);

        // The file holds exactly the state_dict, by the shape's names and shapes, in the model's type.
        WeightFile file = WeightFile.Load(path);
        Assert.Equal(shape.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), file.Names);
        Assert.Contains("rnn.weight_hr_l1_reverse", file.Names);
        Assert.Contains("head.bias", file.Names);
        foreach (ParameterTensor tensor in shape.Tensors)
        {
            TensorInfo info = file.GetInfo(tensor.Name);
            Assert.Equal(dtype, info.DType);
            Assert.Equal(tensor.Shape.Select(d => (long)d), info.Shape);
            AssertBitwiseEqual<T>(saved.Parameters.Slice(tensor.Offset, tensor.Length), file.Read<T>(tensor.Name), tensor.Name);
        }

        var fromFile = new ReferenceModel<T>(shape, new Random(2));
        Assert.False(fromFile.Parameters.SequenceEqual(saved.Parameters));
        fromFile.LoadWeights(path, strict: true);
        AssertBitwiseEqual<T>(saved.Parameters, fromFile.Parameters, "loaded from the file");

        using var stream = new MemoryStream();
        saved.SaveWeights(stream, prefix: "model.");
        stream.Position = 0;
        var fromStream = new ReferenceModel<T>(shape, new Random(3));
        fromStream.LoadWeights(stream, prefix: "model.", strict: true);
        AssertBitwiseEqual<T>(saved.Parameters, fromStream.Parameters, "loaded from the stream");
        stream.Position = 0;
        Assert.Contains("model.rnn.weight_ih_l0", WeightFile.Load(stream).Names);
    }

    // ---- Strict ----

    [Fact]
    public void StrictRefusesExtraTensorsUnderThePrefixOnlyAndLeavesTheParameters()
    {
        var source = new ReferenceModel<double>(Full, new Random(1));
        var file = new WeightFile();
        source.SaveWeights(file, prefix: "encoder.");
        file.Write("decoder.weight", new double[6], [2, 3]);   // outside the prefix: never an error
        var model = new ReferenceModel<double>(Full, new Random(2));
        model.LoadWeights(file, prefix: "encoder.", strict: true);
        AssertBitwiseEqual<double>(source.Parameters, model.Parameters, "strict load");

        file.Write("encoder.rnn.weight_ih_l2", new double[48], [16, 3]);   // a third layer this model does not have
        var untouched = new ReferenceModel<double>(Full, new Random(3));
        double[] before = untouched.Parameters.ToArray();
        InvalidDataException e = AssertWeightError(() => untouched.LoadWeights(file, prefix: "encoder.", strict: true), Mismatch, "strict", "encoder.rnn.weight_ih_l2", "prefix 'encoder.'");
        Assert.DoesNotContain("decoder.weight", e.Message, StringComparison.Ordinal);
        AssertBitwiseEqual<double>(before, untouched.Parameters, "parameters after the failed strict load");

        untouched.LoadWeights(file, prefix: "encoder.", strict: false);
        AssertBitwiseEqual<double>(source.Parameters, untouched.Parameters, "non-strict load ignores the extra tensor");
    }

    // ---- Missing and misshapen tensors ----

    [Fact]
    public void AMissingTensorNamesTheFileAndTheTensorAndLeavesTheParameters()
    {
        string path = Path.Combine(_directory, "missing.safetensors");
        WeightFile file = WithoutTensor("rnn.weight_hr_l1_reverse");
        file.Save(path);
        var model = new ReferenceModel<double>(Full, new Random(2));
        double[] before = model.Parameters.ToArray();

        InvalidDataException e = AssertWeightError(() => model.LoadWeights(path), Mismatch, path, "rnn.weight_hr_l1_reverse", "not found");
        Assert.Equal("rnn.weight_hr_l1_reverse", e.Data[WeightFileErrors.TensorKey]);
        Assert.Equal(path, e.Data[WeightFileErrors.FileKey]);
        AssertBitwiseEqual<double>(before, model.Parameters, "parameters after the failed load");
    }

    [Fact]
    public void EveryMissingTensorIsReportedAndLeavesTheParameters()
    {
        // Whichever tensor is missing, even the last one read (after every other has been converted), nothing is written.
        var model = new ReferenceModel<double>(Full, new Random(2));
        double[] before = model.Parameters.ToArray();
        foreach (ParameterTensor tensor in Full.Tensors)
        {
            using var stream = new MemoryStream(WithoutTensor(tensor.Name).ToArray());
            InvalidDataException e = AssertWeightError(() => model.LoadWeights(stream), Mismatch, "<stream>", tensor.Name, "not found");
            Assert.Equal(tensor.Name, e.Data[WeightFileErrors.TensorKey]);
            AssertBitwiseEqual<double>(before, model.Parameters, $"parameters after the load without {tensor.Name}");
        }
    }

    [Theory]
    [InlineData("rnn.weight_hh_l1", new[] { 16, 3 }, "expected [16, 2], found [16, 3]")]
    [InlineData("rnn.weight_hr_l0_reverse", new[] { 4, 2 }, "expected [2, 4], found [4, 2]")]
    [InlineData("rnn.bias_ih_l1_reverse", new[] { 1, 16 }, "expected [16], found [1, 16]")]
    [InlineData("rnn.weight_ih_l0", new[] { 12, 3 }, "expected [16, 3], found [12, 3] (the rows of a Gru")]
    [InlineData("head.weight", new[] { 4, 3 }, "expected [3, 4], found [4, 3] (transposed?")]
    [InlineData("head.bias", new[] { 4 }, "expected [3], found [4]")]
    public void AMisshapenTensorSaysWhatWasExpectedAndFoundAndLeavesTheParameters(string name, int[] shape, string problem)
    {
        WeightFile file = WithoutTensor(name);
        file.Write(name, new double[shape.Aggregate(1, (a, b) => a * b)], shape);
        string path = Path.Combine(_directory, "misshapen.safetensors");
        file.Save(path);
        var model = new ReferenceModel<double>(Full, new Random(2));
        double[] before = model.Parameters.ToArray();

        InvalidDataException e = AssertWeightError(() => model.LoadWeights(path), Mismatch, path, name + ": " + problem);
        Assert.Equal(name, e.Data[WeightFileErrors.TensorKey]);
        AssertBitwiseEqual<double>(before, model.Parameters, "parameters after the failed load");
    }

    // ---- One layer of a stacked file ----

    [Fact]
    public void ASingleLayerModelReadsAndWritesOneLayerOfAStackedFile()
    {
        // A two-layer bidirectional projected LSTM, and the same as two single-layer models: layer 0 (input 3) and
        // layer 1 (input D·P = 4), loaded with layer: 0 and layer: 1 from the stacked model's file.
        var stacked = new ReferenceModel<double>(new ModelShape(CellKind.Lstm, 3, 4, 2, true, 2, rnnName: "rnn"), new Random(1));
        ModelShape shape = stacked.Shape;
        string path = Path.Combine(_directory, "stacked.safetensors");
        stacked.SaveWeights(path);

        var lower = new ReferenceModel<double>(new ModelShape(CellKind.Lstm, 3, 4, 1, true, 2, rnnName: "rnn"), new Random(2));
        var upper = new ReferenceModel<double>(new ModelShape(CellKind.Lstm, 4, 4, 1, true, 2, rnnName: "rnn"), new Random(3));
        lower.LoadWeights(path, layer: 0);
        upper.LoadWeights(path, layer: 1);
        Assert.Equal(new[] { "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1", "rnn.weight_hr_l1", "rnn.weight_ih_l1_reverse" },
            ModelWeights.TensorNames(upper.Shape, layer: 1).Take(6));
        int split = shape.Tensor("rnn.weight_ih_l1").Offset;
        AssertBitwiseEqual<double>(stacked.Parameters[..split], lower.Parameters, "layer 0");
        AssertBitwiseEqual<double>(stacked.Parameters[split..], upper.Parameters, "layer 1");

        // The two single layers in sequence compute the stacked model, bit for bit.
        const int T = 6;
        var random = new Random(4);
        double[] inputs = Uniform<double>(random, T * 3, 1.5), initial = Uniform<double>(random, shape.StateSize, 1.5);
        double[] expected = new double[T * shape.OutputSize], expectedState = (double[])initial.Clone();
        stacked.Forward(inputs, expected, expectedState, stacked.CreateWorkspace(T));

        double[] lowerState = LayerState(initial, shape, 0), upperState = LayerState(initial, shape, 1);
        double[] middle = new double[T * 4], outputs = new double[T * shape.OutputSize];
        lower.Forward(inputs, middle, lowerState, lower.CreateWorkspace(T));
        upper.Forward(middle, outputs, upperState, upper.CreateWorkspace(T));
        AssertBitwiseEqual<double>(expected, outputs, "outputs of the two single layers");
        AssertBitwiseEqual<double>(LayerState(expectedState, shape, 0), lowerState, "final state of layer 0");
        AssertBitwiseEqual<double>(LayerState(expectedState, shape, 1), upperState, "final state of layer 1");

        // And back: both single layers saved into one file under their layer's names make the stacked model again.
        var file = new WeightFile();
        lower.SaveWeights(file, layer: 0);
        upper.SaveWeights(file, layer: 1);
        var rebuilt = new ReferenceModel<double>(shape, new Random(5));
        rebuilt.LoadWeights(file, strict: true);
        AssertBitwiseEqual<double>(stacked.Parameters, rebuilt.Parameters, "stacked model from two single layers");
    }

    [Fact]
    public void LayerOnAMultiLayerModelIsAnArgumentExceptionAndNothingIsReadOrWritten()
    {
        var model = new ReferenceModel<double>(Full, new Random(1));
        double[] before = model.Parameters.ToArray();
        string path = Path.Combine(_directory, "model.safetensors");
        new ReferenceModel<double>(Full, new Random(2)).SaveWeights(path);
        byte[] bytes = File.ReadAllBytes(path);

        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => model.LoadWeights(path, layer: 1)).ParamName);
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => model.LoadWeights(new MemoryStream(bytes), layer: 1)).ParamName);
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => model.LoadWeights(WeightFile.Parse(bytes), layer: 1)).ParamName);
        AssertBitwiseEqual<double>(before, model.Parameters, "parameters after the refused loads");

        string target = Path.Combine(_directory, "not-written.safetensors");
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => model.SaveWeights(target, layer: 1)).ParamName);
        Assert.False(File.Exists(target));
        using var stream = new MemoryStream();
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => model.SaveWeights(stream, layer: 1)).ParamName);
        Assert.Equal(0, stream.Length);
        var file = new WeightFile();
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => model.SaveWeights(file, layer: 1)).ParamName);
        Assert.Equal(0, file.Count);
        Assert.Equal("layer", Assert.Throws<ArgumentException>(() => ModelWeights.TensorNames(Full, layer: 1)).ParamName);
        Assert.Equal("layer", Assert.Throws<ArgumentOutOfRangeException>(() => model.LoadWeights(path, layer: -1)).ParamName);
    }

    // ---- Module names ----

    [Fact]
    public void AFileOfABareModuleLoadedUnderAModuleNameSuggestsTheNameOrPrefix()
    {
        var bare = new ReferenceModel<double>(new ModelShape(CellKind.Lstm, 3, 4, 2, true, 2), new Random(1));
        string path = Path.Combine(_directory, "bare.safetensors");
        bare.SaveWeights(path);
        Assert.Contains("weight_ih_l0", WeightFile.Load(path).Names);

        var named = new ReferenceModel<double>(new ModelShape(CellKind.Lstm, 3, 4, 2, true, 2, rnnName: "rnn"), new Random(2));
        double[] before = named.Parameters.ToArray();
        InvalidDataException e = AssertWeightError(() => named.LoadWeights(path), Mismatch, path, "rnn.weight_ih_l0: not found", "the file has weight_ih_l0");
        Assert.Contains("Name", e.Message, StringComparison.Ordinal);
        Assert.Contains("prefix", e.Message, StringComparison.Ordinal);
        AssertBitwiseEqual<double>(before, named.Parameters, "parameters after the failed load");

        // The other way round, the file's names carry a prefix the model lacks: the hint is the prefix to pass.
        string prefixed = Path.Combine(_directory, "named.safetensors");
        named.SaveWeights(prefixed);
        var bareAgain = new ReferenceModel<double>(bare.Shape, new Random(3));
        AssertWeightError(() => bareAgain.LoadWeights(prefixed), Mismatch, prefixed, "weight_ih_l0: not found", "pass prefix \"rnn.\"?");
        bareAgain.LoadWeights(prefixed, prefix: "rnn.", strict: true);
        AssertBitwiseEqual<double>(named.Parameters, bareAgain.Parameters, "loaded with the suggested prefix");
    }

    // ---- PyTorch's parameters through a file ----

    public static TheoryData<string, SafeTensorsDType> FixtureFiles
    {
        get
        {
            var data = new TheoryData<string, SafeTensorsDType>();
            foreach (string name in ModelFixture.Names)
            {
                data.Add(name, SafeTensorsDType.F64);
                data.Add(name, SafeTensorsDType.F32);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void PyTorchParametersWrittenToAFileReproducePyTorchsResults(string name, SafeTensorsDType dtype)
    {
        // Each tensor written by PyTorch's own name and shape (the fixture's parameter_names and parameter_shapes),
        // then loaded strictly by the shape's names: the parameters are PyTorch's exactly (float32 values, exact in
        // either dtype), and the model gives PyTorch's float64 results to 1e-10 as ReferenceModelVsPyTorchTests does.
        ModelFixture fixture = ModelFixture.Load(name);
        var file = new WeightFile();
        foreach ((string tensor, int[] shape, int offset) in ModelFixtureTensors.Read(name))
        {
            file.Write<double>(tensor, fixture.Parameters.AsSpan(offset, shape.Aggregate(1, (a, b) => a * b)), shape, dtype);
        }

        byte[] bytes = file.ToArray();
        var model = new ReferenceModel<double>(fixture.Shape, new Random(99));
        model.LoadWeights(new MemoryStream(bytes), strict: true);
        AssertBitwiseEqual<double>(fixture.Parameters, model.Parameters, "parameters");

        var single = new ReferenceModel<float>(fixture.Shape, new Random(99));
        single.LoadWeights(new MemoryStream(bytes), strict: true);
        AssertBitwiseEqual<float>(fixture.Parameters.Select(p => (float)p).ToArray(), single.Parameters, "float parameters");

        int t = fixture.Steps;
        double[] outputs = new double[t * model.OutputSize], state = (double[])fixture.InitialState.Clone();
        Tape<double> tape = model.CreateTape(t);
        model.Forward(fixture.Inputs, outputs, state, tape);
        double[] stateGradient = (double[])fixture.StateGradient.Clone(), inputGradients = new double[fixture.Inputs.Length], parameterGradients = new double[model.ParameterCount];
        model.Backward(tape, fixture.OutputGradients, stateGradient, inputGradients, parameterGradients);

        Error.AssertWithin(outputs, fixture.Float64.Outputs, 1e-10, $"{name} outputs");
        Error.AssertWithin(state, fixture.Float64.FinalState, 1e-10, $"{name} final state");
        Error.AssertWithin(parameterGradients, fixture.Float64.ParameterGradients, 1e-10, $"{name} parameter gradients");
        Error.AssertWithin(inputGradients, fixture.Float64.InputGradients, 1e-10, $"{name} input gradients");
        Error.AssertWithin(stateGradient, fixture.Float64.InitialStateGradient, 1e-10, $"{name} initial-state gradient");
    }

    /// <summary>A file of <see cref="Full"/> (seed 1) without the tensor <paramref name="name"/>.</summary>
    private static WeightFile WithoutTensor(string name)
    {
        var file = new WeightFile();
        new ReferenceModel<double>(Full, new Random(1)).SaveWeights(file);
        Assert.True(file.Remove(name), $"the file had no {name} to remove");
        return file;
    }

    /// <summary>One layer's rows of a two-layer bidirectional state (h rows, then c rows), as a single-layer model's state.</summary>
    private static double[] LayerState(double[] state, ModelShape shape, int layer)
    {
        int r = shape.RecurrentSize, h = shape.HiddenSize;
        var layerState = new double[2 * (r + h)];
        for (int direction = 0; direction < 2; direction++)
        {
            state.AsSpan(shape.HiddenStateOffset(layer, direction), r).CopyTo(layerState.AsSpan(direction * r));
            state.AsSpan(shape.CellStateOffset(layer, direction), h).CopyTo(layerState.AsSpan(2 * r + direction * h));
        }

        return layerState;
    }
}
