namespace RnnGen.Generated;

/// <summary>
/// Rounds weights to a 16-bit <see cref="WeightPrecision"/> and back to float32, bit for bit as PyTorch's
/// <c>w.bfloat16().float()</c> and <c>w.half().float()</c> do, so a snapshot's results do not depend on the CPU.
/// </summary>
internal static class WeightRounding
{
    /// <summary>
    /// Every weight matrix of <paramref name="shape"/> in <paramref name="parameters"/> (its tensors named weight*: W_ih,
    /// W_hh, W_hr, the head's weight) rounded in place; biases are left as they are.
    /// </summary>
    public static void RoundWeights(Span<float> parameters, ModelShape shape, WeightPrecision precision)
    {
        if (precision == WeightPrecision.Float32)
        {
            return;
        }

        foreach (ParameterTensor tensor in shape.Tensors)
        {
            if (IsWeight(tensor.Name))
            {
                Round(parameters.Slice(tensor.Offset, tensor.Length), precision);
            }
        }
    }

    /// <summary>Whether a state_dict name is a weight matrix (weight_ih_l0, rnn.weight_hr_l1_reverse, head.weight) rather than a bias.</summary>
    public static bool IsWeight(string name)
    {
        int dot = name.LastIndexOf('.');
        return name.AsSpan(dot + 1).StartsWith("weight", StringComparison.Ordinal);
    }

    /// <summary>Each value rounded to <paramref name="precision"/> and widened back, in place.</summary>
    public static void Round(Span<float> values, WeightPrecision precision)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = precision switch
            {
                WeightPrecision.BFloat16 => RoundToBFloat16(values[i]),
                WeightPrecision.Half => (float)(System.Half)values[i],
                _ => values[i],
            };
        }
    }

    /// <summary>
    /// x rounded to the nearest bfloat16 (the upper 16 bits of a float32), ties to even; any NaN becomes the quiet NaN
    /// 0x7FC0, as PyTorch's round_to_nearest_even (c10/util/BFloat16.h) does.
    /// </summary>
    public static float RoundToBFloat16(float x)
    {
        if (float.IsNaN(x))
        {
            return BitConverter.UInt32BitsToSingle(0x7FC00000u);
        }

        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return BitConverter.UInt32BitsToSingle((bits + roundingBias) & 0xFFFF0000u);
    }
}
