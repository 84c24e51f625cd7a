using RnnGen.IO;
using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Interop;

/// <summary>
/// A reset-before GRU's tensors have PyTorch's names and shapes, so the weight file says which GRU they belong to: every
/// GRU's SaveWeights writes the metadata entry "rnngen.gru.reset_after" ("true" or "false"), LoadWeights refuses a file
/// whose entry disagrees (a missing entry meaning "true", as in PyTorch's files), naming the entry, the value it expects
/// and the one it found, and leaves the parameters as they were. LSTMs neither write nor read the entry. The tape of one
/// variant is refused by the other.
/// </summary>
public sealed class ResetBeforeWeightsTests
{
    private const string Key = WeightMetadata.GruResetAfterKey;

    [Fact]
    public void TheKeyIsTheOneOtherToolsWrite() => Assert.Equal("rnngen.gru.reset_after", Key);

    [Fact]
    public void AResetBeforeModelRoundTripsWithItsEntry()
    {
        var model = new GruRbL2Bi13Head(new Random(1));
        WeightFile file = Saved(model);
        Assert.Equal("false", file.Metadata[Key]);

        var loaded = new GruRbL2Bi13Head(new Random(2));
        loaded.LoadWeights(file);
        Models.AssertBitwise(model.Parameters, loaded.Parameters, "parameters through a file");

        // The reference model of the same shape reads and writes the same file.
        var reference = new ReferenceModel<float>(GruRbL2Bi13Head.Shape);
        reference.LoadWeights(file);
        Models.AssertBitwise(model.Parameters, reference.Parameters, "reference parameters through the file");
        Assert.Equal("false", Saved(reference).Metadata[Key]);
    }

    [Fact]
    public void EveryGruWritesItsVariantAndAnLstmWritesNone()
    {
        Assert.Equal("true", Saved(new GruL2Bi13Head(new Random(1))).Metadata[Key]);
        Assert.Equal("true", Saved(new ReferenceGru<double>(3, 5)).Metadata[Key]);
        Assert.Equal("false", Saved(new ReferenceGru<double>(3, 5, resetAfter: false)).Metadata[Key]);
        Assert.Equal("false", Saved(new GruRb7x13(new Random(1))).Metadata[Key]);
        Assert.False(Saved(new LstmL2Head(new Random(1))).Metadata.ContainsKey(Key));
        Assert.False(Saved(new ReferenceLstm<float>(3, 5)).Metadata.ContainsKey(Key));
    }

    /// <summary>Same shape, other variant, both ways: refused with the entry, the expected and the actual value; nothing changes.</summary>
    [Fact]
    public void AFileOfTheOtherVariantIsRefusedBothWaysAndNothingChanges()
    {
        var resetBefore = new GruRbL2Bi13Head(new Random(1));
        var resetAfter = new GruL2Bi13Head(new Random(2));
        Assert.Equal(GruRbL2Bi13Head.Shape.Tensors.Select(t => t.Name), GruL2Bi13Head.Shape.Tensors.Select(t => t.Name));
        WeightFile beforeFile = Saved(resetBefore), afterFile = Saved(resetAfter);
        float[] beforeParameters = resetBefore.Parameters.ToArray(), afterParameters = resetAfter.Parameters.ToArray();

        SafeTensorsFiles.AssertWeightError(() => resetBefore.LoadWeights(afterFile), WeightFileErrors.MismatchKind,
            $"metadata entry '{Key}' is \"true\"", "expects \"false\"", "ResetAfter = false");
        SafeTensorsFiles.AssertWeightError(() => resetAfter.LoadWeights(beforeFile), WeightFileErrors.MismatchKind,
            $"metadata entry '{Key}' is \"false\"", "expects \"true\"", "PyTorch's GRU");
        Models.AssertBitwise(beforeParameters, resetBefore.Parameters, "reset-before parameters after a refused load");
        Models.AssertBitwise(afterParameters, resetAfter.Parameters, "reset-after parameters after a refused load");
    }

    /// <summary>A file without the entry is PyTorch's: PyTorch's GRU reads it, the reset-before GRU refuses it.</summary>
    [Fact]
    public void AFileWithoutTheEntryIsPyTorchsGru()
    {
        WeightFile file = Saved(new Gru7x13(new Random(1)));
        Assert.True(file.Metadata.Remove(Key));
        using var bytes = new MemoryStream();
        file.Save(bytes);

        var pyTorch = new Gru7x13(new Random(2));
        pyTorch.LoadWeights(new MemoryStream(bytes.ToArray()));
        Models.AssertBitwise(file.Read<float>("weight_hh_l0"), pyTorch.WeightHh, "PyTorch's GRU reads a file without the entry");

        var resetBefore = new GruRb7x13(new Random(3));
        float[] before = resetBefore.Parameters.ToArray();
        InvalidDataException e = SafeTensorsFiles.AssertWeightError(() => resetBefore.LoadWeights(new MemoryStream(bytes.ToArray())), WeightFileErrors.MismatchKind,
            $"metadata entry '{Key}' is absent, which means \"true\" (a PyTorch file)", "expects \"false\"");
        Assert.Null(e.Data[WeightFileErrors.TensorKey]);
        Models.AssertBitwise(before, resetBefore.Parameters, "parameters after a refused load");
        Assert.Throws<InvalidDataException>(() => new ReferenceGru<double>(7, 13, resetAfter: false).LoadWeights(new MemoryStream(bytes.ToArray())));
    }

    /// <summary>An entry that is neither "true" nor "false" fits neither GRU; an LSTM ignores the entry.</summary>
    [Fact]
    public void AnUnknownValueFitsNeitherGruAndAnLstmIgnoresTheEntry()
    {
        WeightFile file = Saved(new GruRb7x13(new Random(1)));
        file.Metadata[Key] = "False";
        SafeTensorsFiles.AssertWeightError(() => new GruRb7x13().LoadWeights(file), WeightFileErrors.MismatchKind, "is \"False\"", "expects \"false\"");
        SafeTensorsFiles.AssertWeightError(() => new Gru7x13().LoadWeights(file), WeightFileErrors.MismatchKind, "is \"False\"", "expects \"true\"");

        WeightFile lstm = Saved(new Lstm7x13(new Random(1)));
        lstm.Metadata[Key] = "false";
        new Lstm7x13().LoadWeights(lstm);
    }

    /// <summary>The variant is part of the shape: a tape or workspace of one is refused by the other, generated or reference.</summary>
    [Fact]
    public void ATapeOfOneVariantIsRefusedByTheOther()
    {
        var resetBefore = new GruRb7x13(new Random(1));
        var resetAfter = new Gru7x13(new Random(1));
        Assert.NotEqual(GruRb7x13.Shape, Gru7x13.Shape);
        Assert.Equal("GRU(7, 13, reset_after=False)", GruRb7x13.Shape.ToString());
        float[] inputs = new float[3 * 7], outputs = new float[3 * 13], state = new float[13];

        var e = Assert.Throws<ArgumentException>(() => resetBefore.Forward(inputs, outputs, state, resetAfter.CreateTape(3)));
        Assert.Contains("was created for GRU(7, 13), not for GRU(7, 13, reset_after=False)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => resetAfter.Forward(inputs, outputs, state, resetBefore.CreateTape(3)));
        Assert.Contains("was created for GRU(7, 13, reset_after=False), not for GRU(7, 13)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => resetBefore.Forward(inputs, outputs, state, resetAfter.CreateWorkspace(3)));

        var reference = new ReferenceGru<float>(7, 13, resetAfter: false);
        Assert.Equal(GruRb7x13.Shape, reference.Shape);
        reference.Forward(inputs, outputs, state, resetBefore.CreateTape(3));
        Assert.Throws<ArgumentException>(() => reference.Forward(inputs, outputs, state, resetAfter.CreateTape(3)));
    }

    [Fact]
    public void AnLstmHasNoResetBeforeVariant()
    {
        Assert.Null(typeof(LstmAttribute).GetProperty("ResetAfter"));   // [Lstm(…, ResetAfter = false)] does not compile
        Assert.NotNull(typeof(GruAttribute).GetProperty("ResetAfter"));
        Assert.True(new GruAttribute(3, 5).ResetAfter);
        Assert.Throws<ArgumentException>(() => new ModelShape(CellKind.Lstm, 3, 5, resetAfter: false));
        Assert.True(new ModelShape(CellKind.Lstm, 3, 5).ResetAfter);
        Assert.True(Lstm7x13.Shape.ResetAfter);
        Assert.False(GruRb16x64L2.Shape.ResetAfter);
    }

    private static WeightFile Saved<T>(IRecurrentModel<T> model)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var file = new WeightFile();
        ModelWeights.Save(model, file);
        using var stream = new MemoryStream();
        file.Save(stream);
        return WeightFile.Load(new MemoryStream(stream.ToArray()));
    }
}
