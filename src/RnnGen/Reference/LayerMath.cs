using System.Numerics;

namespace RnnGen.Reference;

/// <summary>
/// The equations of one direction of one layer, on a span of its parameters (state_dict order: weight_ih, weight_hh,
/// then bias_ih and bias_hh when the layer has biases, then weight_hr when it is projected). Runtime sizes, any IEEE
/// type, written plainly: the oracle's arithmetic. A layer state is h (Hout values) then, for an LSTM, c (H).
/// </summary>
internal abstract class LayerMath<T> where T : IFloatingPointIeee754<T>
{
    protected LayerMath(CellKind kind, int input, int hidden, int projection, bool bias)
    {
        Input = input;
        Hidden = hidden;
        Projection = projection;
        HasBias = bias;
        GateRows = CellShape.GateCount(kind) * hidden;
        Recurrent = projection > 0 ? projection : hidden;
        StateSize = Recurrent + (kind == CellKind.Lstm ? hidden : 0);
        ParameterCount = GateRows * (input + Recurrent) + (bias ? 2 * GateRows : 0) + projection * hidden;
    }

    public int Input { get; }

    public int Hidden { get; }

    /// <summary>P, or 0.</summary>
    public int Projection { get; }

    public bool HasBias { get; }

    public int GateRows { get; }

    /// <summary>Hout: the width of h.</summary>
    public int Recurrent { get; }

    public int StateSize { get; }

    public int ParameterCount { get; }

    public static LayerMath<T> For(ModelShape shape, int layer) => shape.Kind == CellKind.Lstm
        ? new LstmMath<T>(shape.Layout.LayerInputSize(layer), shape.HiddenSize, shape.ProjectionSize, shape.Bias)
        : new GruMath<T>(shape.Layout.LayerInputSize(layer), shape.HiddenSize, shape.Bias, shape.ResetAfter);

    protected ReadOnlySpan<T> WeightIh(ReadOnlySpan<T> p) => p[..(GateRows * Input)];

    protected ReadOnlySpan<T> WeightHh(ReadOnlySpan<T> p) => p.Slice(GateRows * Input, GateRows * Recurrent);

    /// <summary>bias_ih, or empty without biases.</summary>
    protected ReadOnlySpan<T> BiasIh(ReadOnlySpan<T> p) => HasBias ? p.Slice(GateRows * (Input + Recurrent), GateRows) : default;

    /// <summary>bias_hh, or empty without biases.</summary>
    protected ReadOnlySpan<T> BiasHh(ReadOnlySpan<T> p) => HasBias ? p.Slice(GateRows * (Input + Recurrent + 1), GateRows) : default;

    protected ReadOnlySpan<T> WeightHr(ReadOnlySpan<T> p) => p.Slice(ParameterCount - Projection * Hidden, Projection * Hidden);

    /// <summary>y = b (or 0 without biases) for the rows of <paramref name="y"/>, starting at bias row <paramref name="row"/>.</summary>
    protected static void StartFromBias(ReadOnlySpan<T> bias, int row, Span<T> y)
    {
        if (bias.IsEmpty)
        {
            y.Clear();
        }
        else
        {
            bias.Slice(row, y.Length).CopyTo(y);
        }
    }

    /// <summary>dW_ih += da_ih ⊗ x, dW_hh += da_hh ⊗ h, db_ih += da_ih, db_hh += da_hh (the biases when there are).</summary>
    protected void AccumulateGateGradients(
        ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> inputGateGradients, ReadOnlySpan<T> hiddenGateGradients, Span<T> dp)
    {
        int ih = GateRows * Input, hh = GateRows * Recurrent;
        Linear.AddOuter(inputGateGradients, x, dp[..ih]);
        Linear.AddOuter(hiddenGateGradients, h, dp.Slice(ih, hh));
        if (HasBias)
        {
            Linear.Add(inputGateGradients, dp.Slice(ih + hh, GateRows));
            Linear.Add(hiddenGateGradients, dp.Slice(ih + hh + GateRows, GateRows));
        }
    }

    /// <summary>Values one step records (the tape's per-step activations).</summary>
    public abstract int ActivationsPerStep { get; }

    /// <summary>Scratch one backward step needs for its pre-activation gradients.</summary>
    public abstract int GradientsPerStep { get; }

    /// <summary>One step forward: reads <paramref name="previous"/> fully before writing <paramref name="next"/> (they may be the same span).</summary>
    public abstract void Step(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, Span<T> next, Span<T> activations);

    /// <summary>
    /// One step back: <paramref name="stateGradient"/> holds dL/d(state after the step), its h part including the
    /// output's gradient, and is overwritten with dL/d(state before it); <paramref name="dx"/> is overwritten unless
    /// empty; the parameter gradients accumulate into <paramref name="dp"/> (this layer-direction's block).
    /// </summary>
    public abstract void Backward(
        ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> previous, ReadOnlySpan<T> activations,
        Span<T> stateGradient, Span<T> gradients, Span<T> dx, Span<T> dp);
}
