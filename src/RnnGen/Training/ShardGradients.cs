namespace RnnGen.Training;

/// <summary>One shard's gradient buffers, laid out like the <see cref="ParameterSet"/>'s, zeroed before its step.</summary>
public readonly ref struct ShardGradients
{
    private readonly float[][] _buffers;

    internal ShardGradients(float[][] buffers) => _buffers = buffers;

    /// <summary>Buffers, as many as the parameter set has.</summary>
    public int Count => _buffers.Length;

    /// <summary>The gradients for the parameter set's buffer <paramref name="index"/>.</summary>
    public Span<float> this[int index] => _buffers[index];
}
