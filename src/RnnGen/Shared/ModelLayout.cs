// Compiled into both the runtime library and the generator (which cannot reference it): the one definition of a
// recurrent model's sizes, parameter tensors and state rows, so the emitted constants, the runtime's tapes and weight
// files, and the build-time weight checks can never disagree. Keep it (and TensorSlot.cs) netstandard2.0-clean and free of other runtime types.
using System.Collections.Generic;
using System.Globalization;

namespace RnnGen.Layout;

/// <summary>
/// The layout of a PyTorch recurrent module (<c>nn.LSTM</c> / <c>nn.GRU</c> with <c>num_layers</c>, <c>bidirectional</c>,
/// <c>proj_size</c>, <c>bias</c>), optionally followed by an <c>nn.Linear</c> head applied to every step's output.
/// </summary>
/// <remarks>
/// Parameters follow the module's state_dict: per layer, per direction, <c>weight_ih_l{k}[_reverse]</c> [G·H, in],
/// <c>weight_hh</c> [G·H, Hout], <c>bias_ih</c>, <c>bias_hh</c> [G·H] (with bias), <c>weight_hr</c> [P, H] (projected);
/// then the head's <c>weight</c> [M, D·Hout] and <c>bias</c> [M]. The state is PyTorch's h_n [D·L, Hout] (row
/// layer·D + direction), then for an LSTM c_n [D·L, H]. Within a layer, one direction's state is kept contiguous
/// (h then c, <see cref="LayerStateSize"/> values) wherever the kernels see it.
/// </remarks>
internal sealed class ModelLayout
{
    public const int MaxLayers = 64;

    public ModelLayout(bool lstm, int input, int hidden, int layers, int directions, int projection, bool bias, int headOutputs, string rnnName, string headName)
    {
        Lstm = lstm;
        Input = input;
        Hidden = hidden;
        Layers = layers;
        Directions = directions;
        Projection = projection;
        Bias = bias;
        HeadOutputs = headOutputs;
        RnnName = rnnName;
        HeadName = headName;
    }

    public bool Lstm { get; }

    public int Input { get; }

    public int Hidden { get; }

    public int Layers { get; }

    public int Directions { get; }

    /// <summary>P, the LSTM's projection size (proj_size), or 0 for none.</summary>
    public int Projection { get; }

    public bool Bias { get; }

    /// <summary>M, the head's outputs, or 0 for a model without a head.</summary>
    public int HeadOutputs { get; }

    public string RnnName { get; }

    public string HeadName { get; }

    /// <summary>Gate blocks: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n).</summary>
    public int Gates => Lstm ? 4 : 3;

    /// <summary>G·H: rows of each layer's weight matrices.</summary>
    public int GateRows => Gates * Hidden;

    /// <summary>Hout: the width of h, each direction's output per step (P when projected, else H).</summary>
    public int RecurrentSize => Projection > 0 ? Projection : Hidden;

    /// <summary>D·Hout: a layer's output per step (both directions side by side), and the input of the layers above.</summary>
    public int LayerOutputSize => Directions * RecurrentSize;

    /// <summary>The model's output per step: the head's M, or the top layer's D·Hout.</summary>
    public int OutputSize => HeadOutputs > 0 ? HeadOutputs : LayerOutputSize;

    /// <summary>One direction of one layer's state: h (Hout), then for an LSTM c (H).</summary>
    public int LayerStateSize => RecurrentSize + (Lstm ? Hidden : 0);

    public int StateSize => Layers * Directions * LayerStateSize;

    public int LayerInputSize(int layer) => layer == 0 ? Input : LayerOutputSize;

    /// <summary>One direction of one layer: weight_ih, weight_hh, the biases and weight_hr.</summary>
    public int LayerParameterCount(int layer) =>
        GateRows * (LayerInputSize(layer) + RecurrentSize) + (Bias ? 2 * GateRows : 0) + Projection * Hidden;

    public int LayerOffset(int layer, int direction) =>
        layer == 0
            ? direction * LayerParameterCount(0)
            : Directions * LayerParameterCount(0) + ((layer - 1) * Directions + direction) * LayerParameterCount(1);

    public int HeadOffset => LayerOffset(Layers, 0);

    /// <summary>The head's input is the top layer's output.</summary>
    public int HeadParameterCount => HeadOutputs > 0 ? HeadOutputs * (LayerOutputSize + 1) : 0;

    public int ParameterCount => HeadOffset + HeadParameterCount;

    /// <summary>Where layer·D + direction's h starts in the state.</summary>
    public int HiddenStateOffset(int layer, int direction) => (layer * Directions + direction) * RecurrentSize;

    /// <summary>Where layer·D + direction's c starts in the state (LSTM).</summary>
    public int CellStateOffset(int layer, int direction) => Layers * Directions * RecurrentSize + (layer * Directions + direction) * Hidden;

    /// <summary>
    /// Values a tape records per step of one layer-direction besides its input and state: an LSTM's four gate
    /// activations and tanh(c′) (5·H), plus m = o⊙tanh(c′) when projected (the input of weight_hr); a GRU's r, z, n and
    /// W_hn·h + b_hn (4·H), or for the reset-before GRU r, z, n and r⊙h (the input of W_hn), the same size.
    /// </summary>
    public int ActivationsPerStep => Lstm ? (Projection > 0 ? 6 : 5) * Hidden : 4 * Hidden;

    /// <summary>
    /// Backward scratch per step: an LSTM's four pre-activation gradients (4·H), plus dL/dh′ (P) when projected (for
    /// weight_hr's gradient); a GRU's gradients for the input side (r, z, n) then the recurrent side (6·H).
    /// </summary>
    public int GradientsPerStep => Lstm ? 4 * Hidden + Projection : 6 * Hidden;

    /// <summary>
    /// Whether the batched training step packs the weights: a layer kind with a packed kernel (H a multiple of 8, no
    /// projection). The generated kernels decide per instruction path; the tape only makes room.
    /// </summary>
    public bool PacksForBatch => Projection == 0 && Hidden % 8 == 0;

    /// <summary>Floats of one layer-direction's weights packed in tiles: every gate row's columns, then 4·H biases.</summary>
    public int PackedLayerSize(int layer) => GateRows * (LayerInputSize(layer) + RecurrentSize) + 4 * Hidden;

    /// <summary>Gate sums per stream of the packed batched step: G·H, and a GRU's n gate keeps its input part apart (4·H either way).</summary>
    public int GateSumsPerStream => 4 * Hidden;

    /// <summary>
    /// Floats one backward step of one stream needs: dL/d(previous state) first (LayerStateSize), then scratch: an
    /// LSTM's dL/dm behind a projection (H); a GRU's z⊙dh′, the path that skips the gates (H).
    /// </summary>
    public int BackwardScratch => Lstm ? LayerStateSize + (Projection > 0 ? Hidden : 0) : 2 * Hidden;

    /// <summary>
    /// Every parameter tensor in state_dict order. <paramref name="firstLayerName"/> renumbers the layers in the names
    /// (a single-layer model reading layer k of a stacked file: <c>weight_ih_l{k}</c>).
    /// </summary>
    public IReadOnlyList<TensorSlot> Tensors(int firstLayerName = 0)
    {
        var tensors = new List<TensorSlot>();
        string rnn = RnnName.Length == 0 ? "" : RnnName + ".";
        for (int layer = 0; layer < Layers; layer++)
        {
            for (int direction = 0; direction < Directions; direction++)
            {
                string suffix = (firstLayerName + layer).ToString(CultureInfo.InvariantCulture) + (direction == 1 ? "_reverse" : "");
                int offset = LayerOffset(layer, direction);
                void Add(string stem, params int[] shape)
                {
                    var slot = new TensorSlot(rnn + stem + suffix, shape, offset);
                    tensors.Add(slot);
                    offset += slot.Length;
                }

                Add("weight_ih_l", GateRows, LayerInputSize(layer));
                Add("weight_hh_l", GateRows, RecurrentSize);
                if (Bias)
                {
                    Add("bias_ih_l", GateRows);
                    Add("bias_hh_l", GateRows);
                }

                if (Projection > 0)
                {
                    Add("weight_hr_l", Projection, Hidden);
                }
            }
        }

        if (HeadOutputs > 0)
        {
            string head = HeadName.Length == 0 ? "" : HeadName + ".";
            tensors.Add(new TensorSlot(head + "weight", [HeadOutputs, LayerOutputSize], HeadOffset));
            tensors.Add(new TensorSlot(head + "bias", [HeadOutputs], HeadOffset + HeadOutputs * LayerOutputSize));
        }

        return tensors;
    }
}
