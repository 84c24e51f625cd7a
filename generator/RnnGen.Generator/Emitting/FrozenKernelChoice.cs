using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The one rule for which kernel a frozen snapshot runs where a packed kernel fits (<see cref="FrozenEmitter.TileFor"/>):
/// the packed step, or the layer's own step on a plain copy. Set it from measurements: it decides nothing about
/// correctness (both compute the same equations; the plain copy gives the cell's Step bit for bit), only speed.
/// </summary>
/// <remarks>
/// Measured (BenchmarkDotNet, one round, AMD EPYC Zen 4, Vector256, ns per single-stream step, weights ×4), frozen
/// packed vs the cell's own step:
/// <code>
///   (I, H)       LSTM            GRU
///   (1, 8)       47.0 vs 71.0    44.4 vs 60.7     packed faster
///   (8, 32)     228.6 vs 283.6  158.3 vs 216.5    packed faster
///   (32, 64)     1040 vs 1027     773 vs 728      packed slower
///   (64, 128)    3906 vs 3723    2827 vs 2751     packed slower
///   (128, 256)  17938 vs 19589  13608 vs 14120    packed faster
/// </code>
/// So: packed except for H in [<see cref="PlainFromHidden"/>, <see cref="PlainToHidden"/>], both kinds. Only I = H/2 was
/// measured, and no projected layer: those keep the packed step. A plain copy also means no packed batched kernels
/// for the layer (FrozenStepBatch steps stream by stream; the batched training step runs StepBatch on the parameters).
/// </remarks>
internal static class FrozenKernelChoice
{
    /// <summary>The hidden sizes where the packed single step measured slower than the layer's own step.</summary>
    public const int PlainFromHidden = 64, PlainToHidden = 128;

    /// <summary>Whether the frozen snapshot of a layer a packed kernel fits runs that kernel (else its own step on a plain copy).</summary>
    public static bool Packs(LayerSpec spec) =>
        spec.Projection > 0 || spec.Hidden < PlainFromHidden || spec.Hidden > PlainToHidden;
}
