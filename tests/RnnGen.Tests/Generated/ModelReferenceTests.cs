using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Generated models on the wide shapes (every vector path, both layer kernels, projection, bidirectional, head) against
/// <see cref="ReferenceModel{T}"/> in double with the same parameters, and tapes swapped between the generated model
/// and the float reference: a tape records the same values whichever implementation filled it.
/// </summary>
public sealed class ModelReferenceTests(ITestOutputHelper output)
{
    // As for the cells: 2e-6 of each tensor's largest entry with PyTorch's default weights, 4e-5 with saturated gates (×4).
    private const double Floor = 2e-6, SaturatedFloor = 4e-5;

    public static TheoryData<string, double, int> Cases()
    {
        var data = new TheoryData<string, double, int>();
        foreach (string name in GeneratedModels.VectorNames)
        {
            foreach (double scale in new[] { 1.0, 4.0 })
            {
                foreach (int steps in new[] { 1, 7, 60 })
                {
                    data.Add(name, scale, steps);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDoubleReference(string name, double scale, int steps)
    {
        (IRecurrentModel<float> model, var data) = Setup(name, scale, steps);
        var reference = new ReferenceModel<double>(model.Shape);
        FixtureRunner.Widen<float>(model.Parameters).CopyTo(reference.Parameters);

        CellResults expected = data.Run(reference), actual = data.Run(model);
        double bound = scale > 1 ? SaturatedFloor : Floor;
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{name} ×{scale} T={steps} {tensor}: {Error.Relative(actual[tensor], expected[tensor]):E2}");
            Error.AssertWithin(actual[tensor], expected[tensor], bound, $"{name} ×{scale} T={steps}: {tensor}");
        }
    }

    /// <summary>
    /// Sequences of 64 steps and more: the weight gradients are summed over blocks of 64 steps, so 65 and 130 steps cross
    /// block boundaries (a partial last block, several blocks) that 1, 7 and 60 never reach. Whole models and plain cells.
    /// </summary>
    [Theory]
    [InlineData(nameof(Lstm16x32L2), 64)]
    [InlineData(nameof(Lstm16x32L2), 130)]
    [InlineData(nameof(Gru8x24L2BiHead), 65)]
    [InlineData(nameof(Gru8x24L2BiHead), 130)]
    [InlineData(nameof(Lstm12x40P16L2BiHead), 130)]
    [InlineData(nameof(Lstm32x64L2Head), 130)]
    [InlineData(nameof(LstmProjL2BiHead), 130)]
    [InlineData(nameof(GruNoBiasHead), 130)]
    [InlineData("cell Lstm 64 128", 130)]
    [InlineData("cell Gru 64 128", 130)]
    [InlineData("cell Lstm 7 13", 65)]
    [InlineData("cell Gru 13 24", 130)]
    public void LongSequencesMatchTheDoubleReference(string name, int steps)
    {
        IRecurrentModel<float> model;
        var random = new Random(steps);
        if (name.StartsWith("cell ", StringComparison.Ordinal))
        {
            string[] parts = name.Split(' ');
            model = GeneratedCells.Create(Enum.Parse<CellKind>(parts[1]), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture), random);
        }
        else
        {
            model = GeneratedModels.Create(name, random);
        }

        var reference = new ReferenceModel<double>(model.Shape);
        FixtureRunner.Widen<float>(model.Parameters).CopyTo(reference.Parameters);
        var data = ModelData.Random(random, model.Shape, steps);
        CellResults expected = data.Run(reference), actual = data.Run(model);
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{name} T={steps} {tensor}: {Error.Relative(actual[tensor], expected[tensor]):E2}");
            Error.AssertWithin(actual[tensor], expected[tensor], Floor, $"{name} T={steps}: {tensor}");
        }
    }

    /// <summary>
    /// A tape recorded by the float reference holds what the generated model records (to float rounding, value by value),
    /// and backpropagates through the generated model to the gradients of the generated model's own tape; and the
    /// other way round.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void TapesAreInterchangeable(string name, double scale, int steps)
    {
        (IRecurrentModel<float> model, var data) = Setup(name, scale, steps);
        var reference = new ReferenceModel<float>(model.Shape);
        model.Parameters.CopyTo(reference.Parameters);
        Tape<float> generatedTape = model.CreateTape(steps), referenceTape = reference.CreateTape(steps);

        CellResults generated = data.Run(model, generatedTape, model);
        CellResults referenceOwn = data.Run(reference, referenceTape, reference);
        AssertSameRecord(model.Shape, generatedTape, referenceTape, scale, $"{name} ×{scale} T={steps}");

        // Swapped: each implementation's Backward over the other's tape (re-recorded, so nothing of the run above is reused).
        CellResults referenceToGenerated = data.Run(reference, reference.CreateTape(steps), model);
        CellResults generatedToReference = data.Run(model, model.CreateTape(steps), reference);

        // Backward is deterministic in the tape: the swapped runs differ from the own-tape runs by the tapes' rounding only.
        double bound = scale > 1 ? SaturatedFloor : Floor;
        foreach (ResultTensor tensor in CellResults.Tensors)
        {
            output.WriteLine($"{name} ×{scale} T={steps} {tensor}: reference tape → generated {Error.Relative(referenceToGenerated[tensor], generated[tensor]):E2}, generated tape → reference {Error.Relative(generatedToReference[tensor], referenceOwn[tensor]):E2}");
            Error.AssertWithin(referenceToGenerated[tensor], generated[tensor], bound, $"{name} ×{scale} T={steps}: {tensor}, generated Backward on the reference's tape vs on its own");
            Error.AssertWithin(generatedToReference[tensor], referenceOwn[tensor], bound, $"{name} ×{scale} T={steps}: {tensor}, reference Backward on the generated tape vs on its own");
        }
    }

    private static (IRecurrentModel<float> Model, ModelData Data) Setup(string name, double scale, int steps)
    {
        int seed = name.Length * 1000 + steps;
        IRecurrentModel<float> model = Models.Scaled(GeneratedModels.Create(name, new Random(seed)), scale);
        return (model, ModelData.Random(new Random(seed + 1), model.Shape, steps));
    }

    /// <summary>Every section of the two records agrees value by value, to float rounding of the tensor's largest entry.</summary>
    private static void AssertSameRecord(ModelShape shape, Tape<float> generated, Tape<float> reference, double scale, string what)
    {
        Assert.Equal(reference.Steps, generated.Steps);
        double bound = scale > 1 ? SaturatedFloor : Floor;
        void Check(ReadOnlySpan<float> g, ReadOnlySpan<float> r, string section) =>
            Error.AssertWithin(FixtureRunner.Widen(g), FixtureRunner.Widen(r), bound, $"{what}: tape {section}");

        for (int layer = 0; layer < shape.Layers; layer++)
        {
            Check(generated.Inputs(layer), reference.Inputs(layer), $"Inputs({layer})");
            for (int direction = 0; direction < shape.Directions; direction++)
            {
                Check(generated.States(layer, direction), reference.States(layer, direction), $"States({layer}, {direction})");
                Check(generated.Activations(layer, direction), reference.Activations(layer, direction), $"Activations({layer}, {direction})");
            }
        }

        if (shape.HeadOutputs > 0)
        {
            Check(generated.LayerOutputs, reference.LayerOutputs, "LayerOutputs");
        }
    }
}
