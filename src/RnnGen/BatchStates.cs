using System.Numerics;
using RnnGen.Generated;

namespace RnnGen;

/// <summary>
/// Converts a batch's states between RnnGen's layout and PyTorch's. RnnGen keeps each stream's state whole, stream after
/// stream ([B, StateSize], each laid out as the single-stream state: h rows then c rows), so one stream's state is one
/// contiguous slice; PyTorch's <c>(h_n, c_n)</c> are <c>[D·L, B, Hout]</c> and <c>[D·L, B, H]</c>, row by row across
/// the batch.
/// </summary>
public static class BatchStates
{
    /// <summary>RnnGen's [B, StateSize] states as PyTorch's h_n [D·L, B, Hout] and, for an LSTM, c_n [D·L, B, H].</summary>
    /// <param name="shape">The model's shape.</param>
    /// <param name="states">B·StateSize values, stream after stream.</param>
    /// <param name="h">D·L·B·Hout values, overwritten.</param>
    /// <param name="c">D·L·B·H values for an LSTM, overwritten; empty for a GRU.</param>
    /// <exception cref="ArgumentException">A length does not fit the shape and the batch.</exception>
    public static void ToPyTorch<T>(ModelShape shape, ReadOnlySpan<T> states, Span<T> h, Span<T> c)
        where T : IFloatingPointIeee754<T>
    {
        int batch = Check(shape, states.Length, h.Length, c.Length);
        for (int i = 0, blocks = Blocks(shape, batch); i < blocks; i++)
        {
            (int state, int pyTorch, int length, bool cell) = Block(shape, batch, i);
            states.Slice(state, length).CopyTo((cell ? c : h).Slice(pyTorch, length));
        }
    }

    /// <summary>PyTorch's h_n [D·L, B, Hout] (and c_n [D·L, B, H]) as RnnGen's [B, StateSize] states.</summary>
    /// <param name="shape">The model's shape.</param>
    /// <param name="h">D·L·B·Hout values.</param>
    /// <param name="c">D·L·B·H values for an LSTM; empty for a GRU.</param>
    /// <param name="states">B·StateSize values, overwritten.</param>
    /// <exception cref="ArgumentException">A length does not fit the shape and the batch.</exception>
    public static void FromPyTorch<T>(ModelShape shape, ReadOnlySpan<T> h, ReadOnlySpan<T> c, Span<T> states)
        where T : IFloatingPointIeee754<T>
    {
        int batch = Check(shape, states.Length, h.Length, c.Length);
        for (int i = 0, blocks = Blocks(shape, batch); i < blocks; i++)
        {
            (int state, int pyTorch, int length, bool cell) = Block(shape, batch, i);
            (cell ? c : h).Slice(pyTorch, length).CopyTo(states.Slice(state, length));
        }
    }

    /// <summary>The contiguous blocks the two layouts share: every stream's h rows, and for an LSTM its c rows.</summary>
    private static int Blocks(ModelShape shape, int batch) =>
        batch * shape.Layers * shape.Directions * (shape.Kind == CellKind.Lstm ? 2 : 1);

    /// <summary>
    /// Block <paramref name="index"/> (stream b's row, layer·D + direction, of h, then of c): where it starts in RnnGen's
    /// states and in PyTorch's h_n (or c_n, when <c>cell</c>), and its length. Both conversions copy by this one map.
    /// </summary>
    private static (int State, int PyTorch, int Length, bool Cell) Block(ModelShape shape, int batch, int index)
    {
        int rows = shape.Layers * shape.Directions, hout = shape.RecurrentSize, hidden = shape.HiddenSize;
        int perStream = shape.Kind == CellKind.Lstm ? 2 * rows : rows;
        int b = index / perStream, block = index % perStream, stream = b * shape.StateSize;
        if (block < rows)
        {
            return (stream + block * hout, (block * batch + b) * hout, hout, false);
        }

        int row = block - rows;
        return (stream + rows * hout + row * hidden, (row * batch + b) * hidden, hidden, true);
    }

    private static int Check(ModelShape shape, int states, int h, int c)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int batch = Guard.Rows(states, shape.StateSize, nameof(states));
        int rows = shape.Layers * shape.Directions;
        Guard.Length(h, rows * batch * shape.RecurrentSize, nameof(h));
        Guard.Length(c, shape.Kind == CellKind.Lstm ? rows * batch * shape.HiddenSize : 0, nameof(c));
        return batch;
    }
}
