namespace RnnGen.Training;

/// <summary>What held the NaN or infinity a <see cref="NonFiniteValueException"/> reports.</summary>
public enum NonFiniteQuantity
{
    /// <summary>A gradient: the loss or the backward pass produced NaN or ±∞.</summary>
    Gradient,

    /// <summary>A parameter the optimizer step would have produced (it overflowed float).</summary>
    Parameter,

    /// <summary>An optimizer state value (a momentum buffer, Adam's moments) the step would have produced.</summary>
    OptimizerState,
}
