using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// One instruction path of the emitted kernels: 512-bit, 256-bit or 128-bit vectors, or scalar. Kernel bodies are
/// written once and rendered per width through the width-suffixed helpers of RnnGen.Generated.KernelBase.
/// </summary>
internal sealed record Width(string Suffix, int Lanes, string Condition)
{
    public static readonly Width V512 = new("512", 16, "global::RnnGen.Simd.SimdSupport.Vector512Kernels");
    public static readonly Width V256 = new("256", 8, "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated");
    public static readonly Width V128 = new("128", 4, "global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated");
    public static readonly Width Scalar = new("1", 1, "true");

    /// <summary>
    /// The hidden size from which the training kernels (one step back, batched or not, and the parameter gradients)
    /// dispatch to Vector512 by default rather than only when opted in. On a Zen 4 whole training steps took 0.86–0.92×
    /// their Vector256 time from 128 units and 0.88–0.99× at 64 (BenchmarkDotNet medians); smaller layers were not
    /// measured to gain and keep the opt-in.
    /// </summary>
    public const int TrainingVector512Hidden = 64;

    /// <summary>
    /// The hidden size from which the forward kernels (Step, the hoisted StepProjected, StepBatch) dispatch to Vector512
    /// by default: 64 units for a GRU, 96 for an LSTM. In-process on a Zen 5 (medians of 7 rounds) the GRU's step took
    /// 0.73–0.85× its Vector256 time from (8,64) to (64,128) and 8 streams' StepBatch 0.67–0.84×; the LSTM's step
    /// 0.82–0.92× at (16,96) and (64,128), level at (8,128), but 1.01–1.06× at (8,64) and (32,64), where 16 rows of four
    /// gates per pass leave too few passes. Smaller layers keep the opt-in (<see cref="V512"/>). On a Zen 4 (512-bit
    /// work split in two) the forward step had measured 0.99–1.15× its Vector256 time at these sizes, within that run's noise.
    /// </summary>
    public static int ForwardVector512Hidden(LayerSpec spec) => spec.Kind == CellKind.Lstm ? 96 : 64;

    /// <summary>The paths the training kernels of a cell dispatch over: <see cref="For"/>'s, Vector512 on by default from <see cref="TrainingVector512Hidden"/>.</summary>
    public static Width[] ForTraining(int hidden) => ForLayer(hidden >= TrainingVector512Hidden, hidden);

    /// <summary>The paths the forward kernels of a layer dispatch over: <see cref="For"/>'s, Vector512 on by default from <see cref="ForwardVector512Hidden"/>.</summary>
    public static Width[] ForForward(LayerSpec spec) => ForLayer(spec.Hidden >= ForwardVector512Hidden(spec), spec.Hidden);

    /// <summary>A large layer's paths, Vector512 first and taken unless opted out; a small layer's, <see cref="For"/>'s.</summary>
    private static Width[] ForLayer(bool large, int hidden) => large ? [V512ByDefault, V256, V128, Scalar] : For(hidden);

    /// <summary>Whether a layer's training kernels take Vector512 by default where its forward kernels do not (an LSTM of 64…95 units).</summary>
    public static bool TrainsOnlyOn512ByDefault(LayerSpec spec) =>
        spec.Hidden >= TrainingVector512Hidden && spec.Hidden < ForwardVector512Hidden(spec);

    /// <summary>The Vector512 path of large layers' kernels: taken unless opted out.</summary>
    private static readonly Width V512ByDefault = V512 with { Condition = "global::RnnGen.Simd.SimdSupport.Vector512LargeLayers" };

    public bool IsScalar => Lanes == 1;

    public string PathName => IsScalar ? "Scalar" : "Vector" + Suffix;

    public string Zero => IsScalar ? "0f" : $"Broadcast{Suffix}(0f)";

    public string Load(string pointer, string index) => $"Load{Suffix}(ref {pointer}, {index})";

    public string Broadcast(string scalar) => IsScalar ? scalar : $"Broadcast{Suffix}({scalar})";

    /// <summary>
    /// The width a loop over <paramref name="count"/> values takes inside this path's kernels: this one when they fill a
    /// vector, else scalar; except that the Vector512 path steps down to Vector256 for 8…15 values (an input of 8 would
    /// otherwise be walked one value at a time, slower than on the Vector256 path). The narrower paths keep their rule.
    /// </summary>
    public Width Fitting(int count) => count >= Lanes ? this : this == V512 && count >= V256.Lanes ? V256 : Scalar;

    /// <summary>The paths a cell gets: a vector path works on whole vectors of hidden units, so it needs H ≥ lanes.</summary>
    public static Width[] For(int hidden) =>
        hidden >= 16 ? [V512, V256, V128, Scalar] : hidden >= 8 ? [V256, V128, Scalar] : hidden >= 4 ? [V128, Scalar] : [Scalar];
}
