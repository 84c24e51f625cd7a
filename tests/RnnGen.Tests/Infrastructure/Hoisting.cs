using System.Runtime.Intrinsics;

namespace RnnGen.Tests.Infrastructure;

/// <summary>Where a sequence of one stream hoists a layer's input projection on the parameters or a plain frozen copy.</summary>
public static class Hoisting
{
    /// <summary>W_ih + W_hh floats from which it hoists (ModelRunner.HoistingMinimumWeights: 256 KB).</summary>
    public const int MinimumFloats = 64 * 1024;

    /// <summary>The same where the layer steps on Vector512 (ModelRunner.HoistingMinimumWeights512: 384 KB).</summary>
    public const int MinimumFloats512 = 96 * 1024;

    /// <summary>
    /// The threshold of a layer of <paramref name="hidden"/> units, on the path its forward kernels take in this process:
    /// Vector512 where the runtime accelerates it and the layer takes it (from 64 GRU or 96 LSTM units unless
    /// RNNGEN_VECTOR512=0, any size from 16 with RNNGEN_VECTOR512=1). Read from the runtime, as the dispatch reads it,
    /// so that a CPU the knob model of SimdEnvironment misjudges fails PathTests, not these bit-for-bit checks.
    /// </summary>
    public static int MinimumFor(CellKind kind, int hidden)
    {
        string? choice = Environment.GetEnvironmentVariable("RNNGEN_VECTOR512");
        bool large = SimdEnvironment.IsLargeLayer(kind, hidden);
        bool onVector512 = Vector512.IsHardwareAccelerated && hidden >= 16 && (choice == "1" || (large && choice != "0"));
        return onVector512 ? MinimumFloats512 : MinimumFloats;
    }

    /// <summary>
    /// Whether a live Forward of one unprojected layer over <paramref name="steps"/> steps packs the parameters for the
    /// frozen kernels (ModelRunner.PacksPerSequence): on the packed path (Vector256 accelerated, H a multiple of 8), from
    /// 32 steps, or 64 where the packed copy is under 16,384 floats.
    /// </summary>
    public static bool Packs(CellKind kind, int input, int hidden, int steps)
    {
        int gates = kind == CellKind.Lstm ? 4 : 3;
        int packedFloats = gates * hidden * (input + hidden) + (kind == CellKind.Gru ? gates + 1 : gates) * hidden;
        return Vector256.IsHardwareAccelerated && hidden % 8 == 0 && steps >= (packedFloats < 16384 ? 64 : 32) && packedFloats <= 1 << 20;
    }

    /// <summary>
    /// Whether a live pass of <paramref name="batch"/> &gt; 1 streams over <paramref name="steps"/> steps packs the parameters
    /// (ModelRunner.PacksPerSequence), the packed copy (tiles, biases and head; each layer-direction from a cache line) up
    /// to 1 Mi floats, its threshold 64 steps under 16,384 floats, else 32: where Vector512 is accelerated, every layer's
    /// batched frozen step on its Vector512 body (H a multiple of 16, no projection, not a reset-before GRU) and T·B from
    /// the threshold; where only Vector256 is, every layer packed (H a multiple of 8, no projection, not a reset-before
    /// GRU), 8 streams or more and T from the threshold.
    /// </summary>
    public static bool PacksBatch(ModelShape shape, int steps, int batch)
    {
        bool vector512 = Vector512.IsHardwareAccelerated;
        bool packedOnVector256 = !vector512 && Vector256.IsHardwareAccelerated && shape.HiddenSize % 8 == 0 && batch >= 8;
        if (batch < 2 || shape.ProjectionSize != 0 || !shape.ResetAfter || !(vector512 ? shape.HiddenSize % 16 == 0 : packedOnVector256))
        {
            return false;
        }

        // Per layer-direction: the tiles' columns, then 4 packed sums per unit (an LSTM's gates; a GRU's and the n gate's input part).
        int gates = shape.Kind == CellKind.Lstm ? 4 : 3, h = shape.HiddenSize;
        static int Aligned(int floats) => (floats + 15) / 16 * 16;
        int packedFloats = 0;
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            int input = layer == 0 ? shape.InputSize : shape.Directions * h;
            packedFloats += shape.Directions * Aligned(gates * h * (input + h) + 4 * h);
        }

        if (shape.HeadOutputs > 0)
        {
            packedFloats += shape.HeadOutputs * (shape.LayerOutputSize + 1);   // the head's weights and biases, as they are
        }

        return (vector512 ? (long)steps * batch : steps) >= (packedFloats < 16384 ? 64 : 32) && packedFloats <= 1 << 20;
    }

    /// <summary>Whether a layer of <paramref name="hidden"/> units over <paramref name="input"/> inputs and a recurrent size of <paramref name="recurrent"/> hoists.</summary>
    public static bool Hoists(CellKind kind, int input, int recurrent, int hidden) =>
        (kind == CellKind.Lstm ? 4 : 3) * hidden * (input + recurrent) >= MinimumFor(kind, hidden);
}
