using RnnGen.Training;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>
/// The NaN/∞ policy: clipping and optimizer steps detect a NaN or ±∞ (in a gradient, or produced by the update) and
/// throw <see cref="NonFiniteValueException"/> naming it, having written nothing; training can then carry on.
/// </summary>
public class NonFiniteTests
{
    public static TheoryData<string> Optimizers => new() { "sgd", "sgd-momentum", "adam", "adamw" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void ANaNGradientIsRefusedAndNothingChanges(string kind)
    {
        var (model, parameters, gradients) = Model();
        Optimizer optimizer = Create(kind, model);
        Fill(gradients, 0.1f);
        optimizer.Step();   // some state to protect
        float[][] before = Copy(parameters);

        Fill(gradients, 0.2f);
        gradients[1][3] = float.NaN;
        var e = Assert.Throws<NonFiniteValueException>(optimizer.Step);
        Assert.Equal((NonFiniteQuantity.Gradient, 1, 3), (e.Quantity, e.Buffer, e.Index));
        Assert.True(float.IsNaN(e.Value));
        Assert.Contains("gradient 3 of buffer 1 is NaN; nothing was written", e.Message, StringComparison.Ordinal);
        AssertSame(before, parameters);
        Assert.Equal(1, optimizer.StepCount);

        // Skip the batch and go on: the next step is exactly what it would have been without the bad one.
        var (twin, twinParameters, twinGradients) = Model();
        Optimizer reference = Create(kind, twin);
        Fill(twinGradients, 0.1f);
        reference.Step();
        Fill(gradients, 0.3f);
        Fill(twinGradients, 0.3f);
        optimizer.Step();
        reference.Step();
        AssertSame(twinParameters, parameters);
    }

    [Fact]
    public void AnInfiniteGradientIsRefusedByClipping()
    {
        var (model, parameters, gradients) = Model();
        Fill(gradients, 0.5f);
        gradients[0][7] = float.PositiveInfinity;
        float[][] before = Copy(gradients);
        Assert.Equal(NonFiniteQuantity.Gradient, Assert.Throws<NonFiniteValueException>(() => model.ClipGradientNorm(1)).Quantity);
        Assert.Throws<NonFiniteValueException>(() => model.ClipGradientValue(0.1));   // clamping would hide the ∞
        AssertSame(before, gradients);
        Assert.False(model.GradientsAreFinite());
        Assert.Equal(float.PositiveInfinity, model.GradientNorm());
    }

    /// <summary>Finite gradients whose update overflows float: refused before any buffer (even the first) is written.</summary>
    [Fact]
    public void AnUpdateThatOverflowsIsRefusedBeforeAnythingIsWritten()
    {
        var (model, parameters, gradients) = Model();
        Fill(gradients, 1f);
        parameters[1][2] = -3e38f;
        gradients[1][2] = 3e38f;   // p − lr·g = −6e38: −∞ in float
        float[][] before = Copy(parameters);
        var optimizer = new Sgd(model, learningRate: 1);
        var e = Assert.Throws<NonFiniteValueException>(optimizer.Step);
        Assert.Equal((NonFiniteQuantity.Parameter, 1, 2, float.NegativeInfinity), (e.Quantity, e.Buffer, e.Index, e.Value));
        AssertSame(before, parameters);   // buffer 0 too, though its own update was fine
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void AdamStateThatOverflowsIsRefused()
    {
        var (model, parameters, gradients) = Model();
        Fill(gradients, 1f);
        gradients[0][300 - 1] = 3e38f;   // g² overflows the second moment (the parameter itself would stay finite)
        var optimizer = new Adam(model, learningRate: 1e-3);
        var e = Assert.Throws<NonFiniteValueException>(optimizer.Step);
        Assert.Equal((NonFiniteQuantity.OptimizerState, 0, 299), (e.Quantity, e.Buffer, e.Index));
    }

    private static (ParameterSet, float[][], float[][]) Model()
    {
        float[][] parameters = [Enumerable.Range(0, 300).Select(i => MathF.Sin(i)).ToArray(), Enumerable.Range(0, 5).Select(i => MathF.Cos(i)).ToArray()];
        float[][] gradients = [new float[300], new float[5]];
        return (new ParameterSet((parameters[0], gradients[0]), (parameters[1], gradients[1])), parameters, gradients);
    }

    private static Optimizer Create(string kind, ParameterSet model) => kind switch
    {
        "sgd" => new Sgd(model, 0.1),
        "sgd-momentum" => new Sgd(model, 0.1, momentum: 0.9, nesterov: true),
        "adam" => new Adam(model, 0.01, weightDecay: 0.1),
        _ => new AdamW(model, 0.01),
    };

    private static void Fill(float[][] buffers, float value)
    {
        foreach (float[] b in buffers)
        {
            for (int i = 0; i < b.Length; i++)
            {
                b[i] = value * MathF.Cos(3 * i);
            }
        }
    }

    private static float[][] Copy(float[][] buffers) => buffers.Select(b => (float[])b.Clone()).ToArray();

    private static void AssertSame(float[][] expected, float[][] actual)
    {
        for (int b = 0; b < expected.Length; b++)
        {
            Assert.Equal(expected[b], actual[b]);
        }
    }
}
