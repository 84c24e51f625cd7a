using RnnGen.Training;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>Global-norm and value clipping across buffers, ZeroGrad, and the pairs the set accepts.</summary>
public class ParameterSetTests
{
    [Fact]
    public void ClipGradientNormScalesAllBuffersTogetherAndReturnsTheNormBefore()
    {
        float[] g0 = [3, 0, 0], g1 = [0, 4];   // global norm 5, though each buffer alone is below it
        var model = new ParameterSet((new float[3], g0), (new float[2], g1));
        Assert.Equal(5f, model.GradientNorm());

        float before = model.ClipGradientNorm(2.5);
        Assert.Equal(5f, before);
        float scale = 2.5f / (5f + 1e-6f);   // clip_grad_norm_'s coefficient
        Assert.Equal([3 * scale, 0, 0], g0);
        Assert.Equal([0, 4 * scale], g1);
        Assert.Equal(2.5f, model.GradientNorm(), 5);

        // Below the limit nothing changes, bit for bit.
        float[] copy0 = (float[])g0.Clone(), copy1 = (float[])g1.Clone();
        Assert.Equal(model.GradientNorm(), model.ClipGradientNorm(10));
        Assert.Equal(copy0, g0);
        Assert.Equal(copy1, g1);
    }

    [Fact]
    public void TheNormOfLargeGradientsDoesNotOverflow()
    {
        float[] g = [3e30f, 4e30f];   // squares overflow float, not double
        var model = new ParameterSet((new float[2], g));
        Assert.Equal(5e30f, model.GradientNorm(), 1e24f);
        model.ClipGradientNorm(1);
        Assert.Equal(1f, model.GradientNorm(), 5);
    }

    [Fact]
    public void ClipGradientValueClampsEveryBuffer()
    {
        float[] g0 = [-2, 0.5f, 3], g1 = [0.25f, -0.75f];
        var model = new ParameterSet((new float[3], g0), (new float[2], g1));
        model.ClipGradientValue(0.5);
        Assert.Equal([-0.5f, 0.5f, 0.5f], g0);
        Assert.Equal([0.25f, -0.5f], g1);
    }

    [Fact]
    public void ZeroGradClearsEveryGradientAndNoParameter()
    {
        float[] p = [1, 2], g = [3, 4], p1 = [5], g1 = [6];
        var model = new ParameterSet((p, g), (p1, g1));
        new Sgd(model, 0.1).ZeroGrad();
        Assert.Equal([0f, 0], g);
        Assert.Equal([0f], g1);
        Assert.Equal([1f, 2], p);
        Assert.Equal(3, model.ParameterCount);
        Assert.Equal(2, model.Count);
    }

    [Fact]
    public void BadPairsAreRefused()
    {
        float[] shared = new float[4];
        Assert.Throws<ArgumentException>("buffers", () => new ParameterSet());
        Assert.Contains("allocate the gradients as new float[3]", Assert.Throws<ArgumentException>("buffers", () => new ParameterSet((new float[3], new float[2]))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>("buffers", () => new ParameterSet((Memory<float>.Empty, Memory<float>.Empty)));
        Assert.Throws<ArgumentException>("buffers", () => new ParameterSet((shared, new float[4]), (shared, new float[4])));
        Assert.Throws<ArgumentException>("buffers", () => new ParameterSet((shared, shared)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterSet((new float[1], new float[1])).ClipGradientNorm(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(new ParameterSet((new float[1], new float[1])), beta1: 1));
        Assert.Throws<ArgumentException>("nesterov", () => new Sgd(new ParameterSet((new float[1], new float[1])), 0.1, nesterov: true));
    }
}
