using System.Numerics;
using RnnGen.Generated;
using RnnGen.IO;

namespace RnnGen.Reference;

/// <summary>
/// The reference fully connected layer (PyTorch <c>nn.Linear</c>): runtime sizes, any IEEE floating-point type,
/// written plainly. It is the oracle the generated <see cref="DenseAttribute"/> layers are tested against.
/// </summary>
public sealed class ReferenceDense<T> : IDenseLayer<T> where T : IFloatingPointIeee754<T>
{
    private readonly T[] _parameters;

    /// <summary>A layer of the given sizes with PyTorch's default initialisation (see <see cref="Initialization.UniformLinear"/>) drawn from <paramref name="random"/> (or <see cref="Random.Shared"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public ReferenceDense(int inputSize, int outputSize, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        InputSize = inputSize;
        OutputSize = outputSize;
        ParameterCount = checked(outputSize * inputSize + outputSize);
        _parameters = new T[ParameterCount];
        Initialization.UniformLinear<T>(_parameters, inputSize, random);
    }

    /// <inheritdoc/>
    public int InputSize { get; }

    /// <inheritdoc/>
    public int OutputSize { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public Span<T> Parameters => _parameters;

    /// <inheritdoc/>
    public Memory<T> ParameterMemory => _parameters;

    /// <inheritdoc/>
    public Span<T> Weight => _parameters.AsSpan(0, OutputSize * InputSize);

    /// <inheritdoc/>
    public Span<T> Bias => _parameters.AsSpan(OutputSize * InputSize, OutputSize);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> inputs, Span<T> outputs)
    {
        int rows = Guard.Rows(inputs.Length, InputSize, nameof(inputs));
        Guard.Length(outputs.Length, rows * OutputSize, nameof(outputs));
        for (int t = 0; t < rows; t++)
        {
            Span<T> y = outputs.Slice(t * OutputSize, OutputSize);
            Bias.CopyTo(y);                                                         // y = b
            Linear.AddProduct<T>(Weight, inputs.Slice(t * InputSize, InputSize), y); // y += W·x
        }
    }

    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradients, Span<T> inputGradients, Span<T> parameterGradients)
    {
        int rows = Guard.Rows(inputs.Length, InputSize, nameof(inputs));
        Guard.Length(outputGradients.Length, rows * OutputSize, nameof(outputGradients));
        Guard.LengthOrEmpty(inputGradients.Length, rows * InputSize, nameof(inputGradients));
        Guard.Length(parameterGradients.Length, ParameterCount, nameof(parameterGradients));
        int weights = OutputSize * InputSize;
        for (int t = 0; t < rows; t++)
        {
            ReadOnlySpan<T> x = inputs.Slice(t * InputSize, InputSize), dy = outputGradients.Slice(t * OutputSize, OutputSize);
            Linear.AddOuter(dy, x, parameterGradients[..weights]);                // dW += dy ⊗ x
            Linear.Add(dy, parameterGradients.Slice(weights, OutputSize));        // db += dy
            if (!inputGradients.IsEmpty)
            {
                Span<T> dx = inputGradients.Slice(t * InputSize, InputSize);
                dx.Clear();
                Linear.AddTransposedProduct<T>(Weight, dy, dx);                   // dx = Wᵀ·dy
            }
        }
    }

    /// <summary>Loads <c>{prefix}weight</c> [M, N] and <c>{prefix}bias</c> [M] from a safetensors file; on any error the parameters stay unchanged.</summary>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended verbatim to both names, e.g. <c>"head."</c> for a model whose layer is <c>model.head</c>.</param>
    /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this layer does not use are an error.</param>
    /// <exception cref="InvalidDataException">The file is invalid or does not fit this layer (see <see cref="WeightFileErrors"/>).</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public void LoadWeights(string path, string prefix = "", bool strict = false) => DenseWeights.Load(this, path, prefix, strict);

    /// <summary>Loads the parameters from a safetensors file read from <paramref name="stream"/> to its end (left open).</summary>
    /// <inheritdoc cref="LoadWeights(string, string, bool)"/>
    public void LoadWeights(Stream stream, string prefix = "", bool strict = false) => DenseWeights.Load(this, stream, prefix, strict);

    /// <summary>Loads the parameters from a weight file shared with other modules.</summary>
    /// <inheritdoc cref="LoadWeights(string, string, bool)"/>
    public void LoadWeights(WeightFile file, string prefix = "", bool strict = false) => DenseWeights.Load(this, file, prefix, strict);

    /// <summary>Saves <c>{prefix}weight</c> and <c>{prefix}bias</c> as a new safetensors file (F32 for float, F64 for double), atomically.</summary>
    /// <param name="path">The file, replaced only once the new one is complete.</param>
    /// <param name="prefix">Prepended verbatim to both names.</param>
    public void SaveWeights(string path, string prefix = "") => DenseWeights.Save(this, path, prefix);

    /// <summary>Writes the parameters as a safetensors file into <paramref name="stream"/> (left open).</summary>
    /// <inheritdoc cref="SaveWeights(string, string)"/>
    public void SaveWeights(Stream stream, string prefix = "") => DenseWeights.Save(this, stream, prefix);

    /// <summary>Adds the parameters to a weight file shared with other modules.</summary>
    /// <inheritdoc cref="SaveWeights(string, string)"/>
    public void SaveWeights(WeightFile file, string prefix = "") => DenseWeights.Save(this, file, prefix);
}
