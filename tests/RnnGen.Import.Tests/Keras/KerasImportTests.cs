using RnnGen.IO;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Import.Tests.Keras;

/// <summary>
/// The Keras reader on files written to Keras's layout by tests/fixtures/import/make_keras_fixtures.py: the mapped
/// weights equal the script's NumPy mapping exactly, and a generated RnnGen class loaded with them computes what Keras's
/// equations compute, within the parity rule of tests/RnnGen.Tests (ModelParityTests): max |a − e| / max |e| of each
/// result at most max(2 × the float32 error of the reference computation, 2e-6).
/// </summary>
public sealed class KerasImportTests(ITestOutputHelper output)
{
    private const double Floor = 2e-6;

    [Theory]
    [MemberData(nameof(KerasFixture.All), MemberType = typeof(KerasFixture))]
    public void Maps_the_weights_as_the_fixture_script_does(string file)
    {
        KerasFixture fixture = KerasFixture.Load(file);

        ImportedModel model = KerasImport.Read(fixture.Path);

        Assert.Equal(fixture.Declaration, model.Declaration);
        Assert.Equal(fixture.ResetAfter, model.ResetAfter);
        Assert.Equal(fixture.Path, model.Source);
        WeightFile weights = model.ToWeightFile();
        Assert.Equal(fixture.Tensors.Keys.Order(StringComparer.Ordinal), weights.Names.Order(StringComparer.Ordinal));
        foreach ((string name, (int[] shape, float[] values)) in fixture.Tensors)
        {
            Assert.Equal(shape.Select(d => (long)d), weights.GetInfo(name).Shape.ToArray());
            Assert.True(values.AsSpan().SequenceEqual(weights.Read<float>(name)), $"{file}: {name} differs from the NumPy mapping");
        }

        if (model.Kind == CellKind.Gru)
        {
            Assert.Equal(fixture.ResetAfter ? "true" : "false", weights.Metadata["rnngen.gru.reset_after"]);
        }

        Assert.NotEmpty(model.Mapping);
    }

    [Theory]
    [MemberData(nameof(KerasFixture.All), MemberType = typeof(KerasFixture))]
    public void A_generated_class_with_the_imported_weights_computes_what_Keras_computes(string file)
    {
        KerasFixture fixture = KerasFixture.Load(file);
        ImportedModel imported = KerasImport.Read(fixture.Path);
        IRecurrentModel<float> model = KerasModels.Create(file);
        ModelWeights.Load(model, imported.ToWeightFile(), strict: true);
        float[] outputs = new float[fixture.Steps * model.OutputSize];
        float[] state = new float[model.StateSize];
        model.Forward(fixture.Inputs, outputs, state, model.CreateWorkspace(fixture.Steps));

        double[] actualOutputs = Array.ConvertAll(outputs, v => (double)v), actualState = Array.ConvertAll(state, v => (double)v);
        Report(file, "generated", actualOutputs, actualState, fixture);
        Assert.True(Relative(actualOutputs, fixture.Outputs) <= Math.Max(2 * fixture.Float32OutputsError, Floor), $"{file}: outputs");
        Assert.True(Relative(actualState, fixture.State) <= Math.Max(2 * fixture.Float32StateError, Floor), $"{file}: final state");
    }

    [Fact]
    public void A_stream_reads_like_the_file_and_names_its_source()
    {
        KerasFixture fixture = KerasFixture.Load("k3_bilstm_dense.keras");
        using var unseekable = new UnseekableStream(File.ReadAllBytes(fixture.Path));

        ImportedModel model = KerasImport.Read(unseekable, sourceName: "upload.keras");

        Assert.Equal("upload.keras", model.Source);
        Assert.Equal("Keras layer 'encoder' (Dense head 'logits')", model.Origin);
        Assert.Equal(KerasImport.Read(fixture.Path).TensorNames, model.TensorNames);
    }

    [Fact]
    public void The_origin_and_mapping_say_what_was_read()
    {
        ImportedModel model = KerasImport.Read(KerasFixture.Load("k3_gru_stacked.keras").Path);

        Assert.Equal("Keras layer 'gru_a' (+1 stacked)", model.Origin);
        Assert.Contains("'dropout' (Dropout) is skipped: it does nothing at inference", model.Mapping);
        Assert.Contains("layer 'gru_b': layers/gru_1/cell/vars/0 [4, 12] → weight_ih_l1 (transposed, gate blocks z,r,h → r,z,n)", model.Mapping);
        Assert.Contains("'gru_b' has return_sequences=False: Keras outputs only the last step, which is RnnGen's last output", model.Mapping);
    }

    [Fact]
    public void A_named_layer_starts_the_stack()
    {
        string path = KerasFixture.Load("k3_gru_stacked.keras").Path;

        ImportedModel upper = KerasImport.Read(path, layer: "gru_b");

        Assert.Equal(1, upper.Layers);
        Assert.Equal(4, upper.InputSize);
        Assert.Equal("Keras layer 'gru_b'", upper.Origin);
    }

    private void Report(string file, string what, double[] outputs, double[] state, KerasFixture fixture)
    {
        output.WriteLine($"{file} ({what}): outputs max abs {MaxAbs(outputs, fixture.Outputs):E2}, relative {Relative(outputs, fixture.Outputs):E2} " +
            $"(float32 reference {fixture.Float32OutputsError:E2}); state max abs {MaxAbs(state, fixture.State):E2}, relative {Relative(state, fixture.State):E2} " +
            $"(float32 reference {fixture.Float32StateError:E2})");
    }

    /// <summary>max |a − e| ÷ max |e|, the measure of tests/RnnGen.Tests' Error.Relative.</summary>
    private static double Relative(double[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double magnitude = expected.Max(Math.Abs);
        double error = MaxAbs(actual, expected);
        return magnitude == 0 ? error : error / magnitude;
    }

    private static double MaxAbs(double[] actual, double[] expected) => actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
