namespace RnnGen.Training;

/// <summary>
/// Training met a NaN or an infinity and refused to write it. The toolkit's policy: gradient clipping
/// (<see cref="ParameterSet.ClipGradientNorm"/>, <see cref="ParameterSet.ClipGradientValue"/>) and
/// <see cref="Optimizer.Step"/> check before they write, and throw this instead of writing anything, so parameters,
/// gradients and optimizer state stay exactly as they were and a caller can catch it, skip the batch (zero the
/// gradients) or lower the learning rate, and carry on.
/// </summary>
public sealed class NonFiniteValueException : ArithmeticException
{
    /// <summary>A non-finite value was found; the message says where.</summary>
    public NonFiniteValueException(NonFiniteQuantity quantity, int buffer, int index, float value, string operation)
        : base($"{operation}: {Describe(quantity)} {index} of buffer {buffer} is {value}; nothing was written (parameters, gradients and optimizer state are unchanged). " +
               "Zero the gradients to skip this batch, or lower the learning rate or clip the gradients if it recurs.")
    {
        Quantity = quantity;
        Buffer = buffer;
        Index = index;
        Value = value;
    }

    /// <summary>What held the value.</summary>
    public NonFiniteQuantity Quantity { get; }

    /// <summary>The (parameters, gradients) pair, in the order the <see cref="ParameterSet"/> was given them.</summary>
    public int Buffer { get; }

    /// <summary>The first offending element within that buffer.</summary>
    public int Index { get; }

    /// <summary>The value: NaN, +∞ or −∞.</summary>
    public float Value { get; }

    private static string Describe(NonFiniteQuantity quantity) => quantity switch
    {
        NonFiniteQuantity.Gradient => "gradient",
        NonFiniteQuantity.Parameter => "the updated parameter",
        _ => "the updated optimizer state of parameter",
    };
}
