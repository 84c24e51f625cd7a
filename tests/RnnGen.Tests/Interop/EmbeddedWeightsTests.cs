using RnnGen.IO;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>Weights compiled into the assembly (the RnnGenWeights item in RnnGen.Tests.csproj) and their run-time errors.</summary>
public class EmbeddedWeightsTests
{
    [Fact]
    public void TheGeneratedFactoryLoadsTheEmbeddedPyTorchModel()
    {
        // The targets embed the file under a fixed name; FromEmbeddedWeights reads it with the attribute's prefix.
        Assert.Contains("RnnGen.Weights.tagger.safetensors", typeof(EmbeddedTagger).Assembly.GetManifestResourceNames());
        EmbeddedTagger cell = EmbeddedTagger.FromEmbeddedWeights();

        CellFixture fixture = PyTorchFixture.Load("lstm_7x13");
        Assert.Equal(FixtureRunner.Convert<float>(fixture.Parameters), cell.Parameters.ToArray());
        PyTorchSafeTensorsTests.AssertMatchesPyTorch(FixtureRunner.Run(cell, fixture), fixture, "embedded tagger");
    }

    [Fact]
    public void MissingEmbeddedWeightsAreAClearRunTimeError()
    {
        var cell = new Lstm7x13(new Random(1));
        float[] before = cell.Parameters.ToArray();
        var e = Assert.Throws<FileNotFoundException>(() =>
            CellWeights.Load(cell, WeightFile.LoadEmbedded(typeof(EmbeddedTagger).Assembly, "models/missing.safetensors"), "rnn."));
        Assert.Contains("embedded:RnnGen.Tests/missing.safetensors: the assembly has no embedded weights 'missing.safetensors'", e.Message);
        Assert.Contains("it embeds tagger.safetensors", e.Message);
        Assert.Contains("<RnnGenWeights Include=\"missing.safetensors\" />", e.Message);
        Assert.Equal(before, cell.Parameters.ToArray());
    }

    [Fact]
    public void EmbeddedWeightsOfTheWrongShapeAreAClearRunTimeError()
    {
        // The build checks what attributes name; code that loads embedded weights by hand is checked at run time.
        var cell = new Lstm3x5(new Random(2));
        float[] before = cell.Parameters.ToArray();
        SafeTensorsFiles.AssertWeightError(
            () => CellWeights.Load(cell, WeightFile.LoadEmbedded(typeof(EmbeddedTagger).Assembly, "tagger.safetensors"), "rnn."),
            WeightFileErrors.MismatchKind, "embedded:RnnGen.Tests/tagger.safetensors: rnn.weight_ih_l0: expected [20, 3], found [52, 7]");
        Assert.Equal(before, cell.Parameters.ToArray());
    }
}
