using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RnnGen.Simd;

namespace RnnGen.Generated;

/// <summary>
/// Drives a generated model's fixed-size layer kernels through its layers, directions and head: streaming steps,
/// sequence passes, training records and backpropagation through time. A generated model derives a private class
/// from this one (an alias for its kernel types) and calls these members from its public surface; every argument is
/// checked here, before anything is written.
/// </summary>
/// <remarks>
/// The type arguments are structs, so the JIT compiles one copy of this code per model with every size a constant.
/// Parameters are the model's state_dict: layer-directions in order (<see cref="Offset"/>), then the head. The user's
/// state is PyTorch's (h_n rows, then c_n rows); each layer-direction's part is gathered into a contiguous
/// h-then-c buffer for the kernels and scattered back, once per call when streaming.
/// </remarks>
/// <typeparam name="TModel">The model's layer count, direction count and shape.</typeparam>
/// <typeparam name="TFirst">The kernels of layer 0.</typeparam>
/// <typeparam name="TUpper">The kernels of layers 1 and up (the same shape, reading D·Hout inputs).</typeparam>
/// <typeparam name="THead">The head's kernels, or <see cref="NoHead"/>.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
[SkipLocalsInit]
public abstract partial class ModelRunner<TModel, TFirst, TUpper, THead>
    where TModel : IModelKernels
    where TFirst : ILayerKernels
    where TUpper : ILayerKernels
    where THead : IHeadKernels
{
    /// <summary>Not constructible: a generated model derives a private class from this one to name it briefly.</summary>
    protected ModelRunner()
    {
    }

    // The sizes below are constants once the type arguments are known, but the step path is large enough that the JIT's
    // inlining budget runs out before it reaches them: AggressiveInlining keeps them from being calls on every step.
    private static int Layers { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TModel.Layers; }

    private static int Directions { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TModel.Directions; }

    /// <summary>Hout.</summary>
    private static int Recurrent { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TFirst.RecurrentSize; }

    /// <summary>One layer-direction's state (every layer's is the same size).</summary>
    private static int LayerState { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TFirst.StateSize; }

    private static int LayerOutput { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Directions * Recurrent; }

    private static bool HasHead { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => THead.OutputSize > 0; }

    /// <summary>Features per step the model reads.</summary>
    public static int InputSize { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => TFirst.InputSize; }

    /// <summary>Values per step the model writes.</summary>
    public static int OutputSize { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => HasHead ? THead.OutputSize : LayerOutput; }

    /// <summary>h_n then c_n.</summary>
    public static int StateSize { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Layers * Directions * LayerState; }

    /// <summary>Every layer-direction's parameters, then the head's.</summary>
    public static int ParameterCount => HeadOffset + THead.ParameterCount;

    /// <summary>One layer, one direction: the user's state is that layer's state, nothing to gather.</summary>
    private static bool SingleLayerState { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Layers * Directions == 1; }

    /// <summary>A layer-direction's W_ih + W_hh floats: G·H·(I + Hout), I the input of layer 0 or of the layers above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LayerWeights(int layer) =>
        layer == 0 ? TFirst.GateRows * (TFirst.InputSize + TFirst.RecurrentSize) : TUpper.GateRows * (TUpper.InputSize + TUpper.RecurrentSize);

    /// <summary>Where layer <paramref name="layer"/>, direction <paramref name="direction"/> starts in the parameters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Offset(int layer, int direction) =>
        layer == 0
            ? direction * TFirst.ParameterCount
            : Directions * TFirst.ParameterCount + ((layer - 1) * Directions + direction) * TUpper.ParameterCount;

    private static int HeadOffset { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Offset(Layers, 0); }

    /// <summary>A pinned buffer for the parameters from a cache-line boundary (<see cref="ParameterStart"/>).</summary>
    public static float[] AllocateParameters() => CacheAligned.Allocate<float>(ParameterCount, out _);

    /// <summary>Where the parameters start in a buffer from <see cref="AllocateParameters"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ParameterStart(float[] buffer) => CacheAligned.Start(buffer);

    // ---- State layout: PyTorch's h_n rows then c_n rows for the user, one contiguous h-then-c per layer-direction for the kernels.

    private static void Gather(ref float state, int layer, int direction, ref float layerState)
    {
        int row = layer * Directions + direction;
        Copy(ref At(ref state, row * Recurrent), ref layerState, Recurrent);
        int cell = LayerState - Recurrent;
        if (cell > 0)
        {
            Copy(ref At(ref state, Layers * Directions * Recurrent + row * cell), ref At(ref layerState, Recurrent), cell);
        }
    }

    private static void Scatter(ref float layerState, ref float state, int layer, int direction)
    {
        int row = layer * Directions + direction;
        Copy(ref layerState, ref At(ref state, row * Recurrent), Recurrent);
        int cell = LayerState - Recurrent;
        if (cell > 0)
        {
            Copy(ref At(ref layerState, Recurrent), ref At(ref state, Layers * Directions * Recurrent + row * cell), cell);
        }
    }

    // ---- Small unchecked helpers (every length is checked before they run).

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Ref(ReadOnlySpan<float> span) => ref MemoryMarshal.GetReference(span);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float At(ref float p, int i) => ref Unsafe.Add(ref p, (nint)i);

    /// <summary>Copies state rows (or parts of them: h, c, outputs), never loading across two of the kernels' stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref float source, ref float destination, int count) =>
        VectorMath.CopyStored(ref source, ref destination, count, StoredFloats);

    /// <summary>
    /// Floats per store in which the kernels write a state's parts: 8 where h (or its projection) and c fill 256-bit
    /// vectors, 4 where they fill 128-bit ones, else 1 (the copy then need not care).
    /// </summary>
    private static int StoredFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Recurrent % 8 == 0 && LayerState % 8 == 0 ? 8 : Recurrent % 4 == 0 && LayerState % 4 == 0 ? 4 : 1;
    }
}
