namespace RnnGen;

/// <summary>
/// The precision of the weight matrices in a frozen snapshot (<c>Freeze(WeightPrecision)</c>). Biases, inputs, states and
/// all arithmetic stay float32; only the weights are rounded.
/// </summary>
public enum WeightPrecision
{
    /// <summary>The weights as they are (what <c>Freeze()</c> takes).</summary>
    Float32,

    /// <summary>
    /// bfloat16: float32's 8-bit exponent with 8 significant bits. Each weight is rounded to the nearest bfloat16, ties to
    /// even, as PyTorch's <c>w.bfloat16().float()</c>. On the Vector256 path the snapshot stores the weights in 16 bits
    /// (half the bytes to stream per step) and widens them in registers; its results are those of a float32 snapshot of
    /// the rounded weights.
    /// </summary>
    BFloat16,

    /// <summary>
    /// IEEE half (binary16): a 5-bit exponent with 11 significant bits. Each weight is rounded to the nearest half, ties to
    /// even, as PyTorch's <c>w.half().float()</c>; magnitudes beyond 65504 become infinite and below 2^−24 zero. The
    /// snapshot keeps the rounded weights as float32 (.NET has no vector half-to-float conversion), so it is no faster.
    /// </summary>
    Half,
}
