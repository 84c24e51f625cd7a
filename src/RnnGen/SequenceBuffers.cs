namespace RnnGen;

/// <summary>
/// The checks <see cref="Tape{T}"/> and <see cref="Workspace{T}"/> share: both are buffers sized for one model's
/// sequences (its shape, the longest sequence, the most streams) and serve only that model.
/// </summary>
internal static class SequenceBuffers
{
    /// <summary>Throws unless a buffer can be sized by these arguments.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive.</exception>
    internal static void CheckArguments(ModelShape shape, int maxSteps, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
    }

    /// <summary>Throws unless <paramref name="shape"/> is the one the buffer (a "tape" or a "workspace", made by <paramref name="factory"/>) was created for.</summary>
    internal static void EnsureShape(ModelShape created, ModelShape shape, string buffer, string factory, string paramName)
    {
        if (!shape.Equals(created))
        {
            throw new ArgumentException($"The {buffer} was created for {ModelShape.Describe(created, shape)}, not for {ModelShape.Describe(shape, created)}; create one with this model's {factory}.", paramName);
        }
    }
}
