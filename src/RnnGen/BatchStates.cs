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
        int rows = shape.Layers * shape.Directions, hout = shape.RecurrentSize, hidden = shape.HiddenSize;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> state = states.Slice(b * shape.StateSize, shape.StateSize);
            for (int row = 0; row < rows; row++)
            {
                state.Slice(row * hout, hout).CopyTo(h.Slice((row * batch + b) * hout, hout));
                if (shape.Kind == CellKind.Lstm)
                {
                    state.Slice(rows * hout + row * hidden, hidden).CopyTo(c.Slice((row * batch + b) * hidden, hidden));
                }
            }
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
        int rows = shape.Layers * shape.Directions, hout = shape.RecurrentSize, hidden = shape.HiddenSize;
        for (int b = 0; b < batch; b++)
        {
            Span<T> state = states.Slice(b * shape.StateSize, shape.StateSize);
            for (int row = 0; row < rows; row++)
            {
                h.Slice((row * batch + b) * hout, hout).CopyTo(state.Slice(row * hout, hout));
                if (shape.Kind == CellKind.Lstm)
                {
                    c.Slice((row * batch + b) * hidden, hidden).CopyTo(state.Slice(rows * hout + row * hidden, hidden));
                }
            }
        }
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
