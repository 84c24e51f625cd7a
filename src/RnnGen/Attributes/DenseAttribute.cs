namespace RnnGen;

/// <summary>
/// Generates a fixed-size, SIMD-vectorised fully connected layer <c>y = W·x + b</c> (PyTorch <c>nn.Linear</c>:
/// <c>weight [output, input]</c>, <c>bias [output]</c>) into the annotated <see langword="partial"/> class: constants,
/// parameters, <c>Forward</c> and <c>Backward</c> over any number of input vectors, and weight files.
/// </summary>
/// <remarks>
/// On a class that also has [Lstm] or [Gru], it is that model's head: an <c>nn.Linear</c> applied to every step's output,
/// whose input must be the top layer's output width.
/// </remarks>
/// <example><code>[Dense(input: 64, output: 10)] public partial class Head;</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>A layer mapping <paramref name="input"/> features to <paramref name="output"/> values.</summary>
    /// <param name="input">Features per input vector (N, PyTorch's <c>in_features</c>), 1 to 4096.</param>
    /// <param name="output">Values per output vector (M, PyTorch's <c>out_features</c>), 1 to 4096.</param>
    public DenseAttribute(int input, int output)
    {
        Input = input;
        Output = output;
    }

    /// <summary>Features per input vector (N).</summary>
    public int Input { get; }

    /// <summary>Values per output vector (M).</summary>
    public int Output { get; }

    /// <summary>
    /// The layer's name in the PyTorch model's state_dict, for weight files: <c>{Name}.weight</c>, <c>{Name}.bias</c>.
    /// On a class with [Lstm] or [Gru] (the model's head) it defaults to "head".
    /// </summary>
    public string? Name { get; set; }
}
