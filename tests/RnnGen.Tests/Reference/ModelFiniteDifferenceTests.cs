using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Reference;

/// <summary>
/// The whole reference model's Backward against central differences of L = Σ outputs⊙R₁ + Σ final_state⊙R₂ for every
/// option of <see cref="ModelShape"/>: stacked (2 and 3 layers), bidirectional (1 and 2 layers), projected (one and two
/// directions, 2 layers), without biases (LSTM and GRU, alone and combined with the other options), the reset-before
/// GRU (alone, bidirectional stacked, stacked without biases), each with and
/// without a linear head, at PyTorch's initial weights and at three times them (saturated gates). Every parameter, input
/// and initial-state entry is checked, I = 3, H = 4, P = 2, M = 3, T = 5.
/// </summary>
/// <remarks>
/// Criterion and step as <see cref="FiniteDifferenceTests"/>: |a − n| ≤ 1e-6·max(1, |a|, |n|), h = 1e-6. L sums at
/// most ~60 terms of size ≲ 2, so rounding costs ≲ 1e-14 / 2h ≈ 1e-8 and truncation ≈ h²·|L'''| ≈ 1e-12 per entry:
/// a correct Backward stays two orders below the tolerance, while a wrong or missing term (a direction, a layer's
/// state, the projection or the head) is off by about its own size. Measured worst errors: 1.4e-10 to 1e-9 at weights
/// ×1, up to 5e-9 at ×3 (GRU, 3 bidirectional layers without biases, with a head); reset-before GRUs at most 1.8e-9.
/// The 68 cases take about 2 s.
/// </remarks>
public sealed class ModelFiniteDifferenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-6;
    private const int Steps = 5;

    public static TheoryData<string, bool, double> Cases
    {
        get
        {
            var data = new TheoryData<string, bool, double>();
            foreach (string configuration in ModelTestShapes.Configurations)
            {
                foreach (bool head in new[] { false, true })
                {
                    data.Add(configuration, head, 1.0);
                    data.Add(configuration, head, 3.0);   // weights ×3: gates saturate, where sloppy σ′/tanh′ terms show
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryParameterInputAndInitialStateEntry(string configuration, bool head, double weightScale)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head);
        var problem = new ModelGradientProblem(shape, Steps, weightScale, seed: 31);
        GradientComparison result = problem.CheckEveryEntry(problem.Analytic(), Tolerance);

        string name = $"{shape} T={Steps} weights×{weightScale}";
        output.WriteLine(result.Summary(name));
        result.AssertPassed(name);
        Assert.Equal(shape.ParameterCount + Steps * shape.InputSize + shape.StateSize, result.Checked);
    }

    // The check must notice a gradient that misses part of L: here R₂ of the top layer (both directions), whose
    // initial-state gradient then lacks the whole path through the top layer's final state.
    [Theory]
    [InlineData("lstm_proj_bi_l2")]
    [InlineData("gru_bi_l2")]
    public void DroppingTheTopLayersFinalStateGradientIsCaught(string configuration)
    {
        ModelShape shape = ModelTestShapes.Create(configuration, head: true);
        var problem = new ModelGradientProblem(shape, Steps, weightScale: 1, seed: 31);
        double[] partial = (double[])problem.StateWeights.Clone();
        int top = shape.Layers - 1;
        for (int direction = 0; direction < shape.Directions; direction++)
        {
            Array.Clear(partial, shape.HiddenStateOffset(top, direction), shape.RecurrentSize);
            if (shape.Kind == CellKind.Lstm)
            {
                Array.Clear(partial, shape.CellStateOffset(top, direction), shape.HiddenSize);
            }
        }

        GradientComparison result = problem.CheckEveryEntry(problem.Analytic(finalStateGradient: partial), Tolerance);
        output.WriteLine(result.Summary("without the top layer's R₂"));
        Assert.True(result.Failures.Count > 0, "a Backward without the top layer's final-state gradient passed the finite-difference check");
    }
}
