namespace RnnGen.Import.Mapping;

/// <summary>Row-major rearrangements every importer needs: gate blocks into PyTorch's order, and transposes.</summary>
internal static class GateBlocks
{
    /// <summary>
    /// Gate block g of the result is block <c>sourceOrder[g]</c> of <paramref name="values"/>, which holds
    /// <c>sourceOrder.Length</c> blocks of <paramref name="blockLength"/> values each (rows of one gate, or one
    /// gate's biases). E.g. ONNX LSTM i, o, f, c into PyTorch i, f, g, o: <c>sourceOrder = [0, 2, 3, 1]</c>.
    /// </summary>
    public static float[] Reorder(ReadOnlySpan<float> values, int blockLength, ReadOnlySpan<int> sourceOrder)
    {
        if (values.Length != blockLength * sourceOrder.Length)
        {
            throw new ArgumentException($"expected {sourceOrder.Length} blocks of {blockLength} values, found {values.Length} values", nameof(values));
        }

        var result = new float[values.Length];
        for (int g = 0; g < sourceOrder.Length; g++)
        {
            values.Slice(sourceOrder[g] * blockLength, blockLength).CopyTo(result.AsSpan(g * blockLength));
        }

        return result;
    }

    /// <summary>The transpose of the row-major <paramref name="rows"/>×<paramref name="columns"/> matrix <paramref name="values"/>.</summary>
    public static float[] Transpose(ReadOnlySpan<float> values, int rows, int columns)
    {
        if (values.Length != rows * columns)
        {
            throw new ArgumentException($"expected {rows}×{columns} values, found {values.Length}", nameof(values));
        }

        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[c * rows + r] = values[r * columns + c];
            }
        }

        return result;
    }
}
