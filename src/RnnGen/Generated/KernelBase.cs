using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen.Simd;

namespace RnnGen.Generated;

/// <summary>
/// The base of every generated cell's nested <c>Kernels</c> class: short names for loads, stores and the
/// activation functions, so the generated kernels read like the equations. Names are suffixed by width
/// (512, 256, 128, 1 for scalar) so one kernel body serves every path.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class KernelBase
{
    /// <summary>Not constructible: the generated subclasses hold only static members.</summary>
    protected KernelBase()
    {
    }

    /// <summary>16 floats from p[i…i+15], unchecked (the generated caller has checked the lengths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> Load512(ref float p, nint i) => Vector512.LoadUnsafe(ref p, (nuint)i);

    /// <summary>8 floats from p[i…i+7], unchecked (the generated caller has checked the lengths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> Load256(ref float p, nint i) => Vector256.LoadUnsafe(ref p, (nuint)i);

    /// <summary>4 floats from p[i…i+3], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> Load128(ref float p, nint i) => Vector128.LoadUnsafe(ref p, (nuint)i);

    /// <summary>p[i], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Load1(ref float p, nint i) => Unsafe.Add(ref p, i);

    /// <summary>A reference to the first element of <paramref name="span"/> (checked by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ref float Ref(ReadOnlySpan<float> span) => ref MemoryMarshal.GetReference(span);

    /// <summary>A reference to the first element of <paramref name="array"/>, without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ref float Ref(float[] array) => ref MemoryMarshal.GetArrayDataReference(array);

    /// <summary>
    /// Copies <paramref name="count"/> floats of states that the kernels wrote <paramref name="stored"/> floats per
    /// store, unchecked, never loading across two stores: such a load waits until both reach the cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void CopyStored(ref float source, ref float destination, int count, int stored) =>
        VectorMath.CopyStored(ref source, ref destination, count, stored);

    /// <summary>A reference to p[i], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ref float At(ref float p, nint i) => ref Unsafe.Add(ref p, i);

    /// <summary>Writes 16 floats to p[i…i+15], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Store(Vector512<float> value, ref float p, nint i) => value.StoreUnsafe(ref p, (nuint)i);

    /// <summary>Writes 8 floats to p[i…i+7], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Store(Vector256<float> value, ref float p, nint i) => value.StoreUnsafe(ref p, (nuint)i);

    /// <summary>Writes 4 floats to p[i…i+3], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Store(Vector128<float> value, ref float p, nint i) => value.StoreUnsafe(ref p, (nuint)i);

    /// <summary>Writes p[i], unchecked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static void Store(float value, ref float p, nint i) => Unsafe.Add(ref p, i) = value;

    /// <summary>x in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> Broadcast512(float x) => Vector512.Create(x);

    /// <summary>x in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> Broadcast256(float x) => Vector256.Create(x);

    /// <summary>x in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> Broadcast128(float x) => Vector128.Create(x);

    /// <summary>x itself (the scalar path's broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Broadcast1(float x) => x;

    /// <summary>Sixteen strided floats p[i], p[i+s], …, p[i+15s] as one vector (a column of a row-major matrix).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> Gather512(ref float p, nint i, int stride) =>
        Vector512.Create(Gather256(ref p, i, stride), Gather256(ref p, i + 8 * stride, stride));

    /// <summary>Eight strided floats p[i], p[i+s], …, p[i+7s] as one vector (a column of a row-major matrix).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> Gather256(ref float p, nint i, int stride) => Vector256.Create(
        Unsafe.Add(ref p, i), Unsafe.Add(ref p, i + stride), Unsafe.Add(ref p, i + 2 * stride), Unsafe.Add(ref p, i + 3 * stride),
        Unsafe.Add(ref p, i + 4 * stride), Unsafe.Add(ref p, i + 5 * stride), Unsafe.Add(ref p, i + 6 * stride), Unsafe.Add(ref p, i + 7 * stride));

    /// <summary>Four strided floats p[i], p[i+s], p[i+2s], p[i+3s] as one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> Gather128(ref float p, nint i, int stride) => Vector128.Create(
        Unsafe.Add(ref p, i), Unsafe.Add(ref p, i + stride), Unsafe.Add(ref p, i + 2 * stride), Unsafe.Add(ref p, i + 3 * stride));

    /// <inheritdoc cref="Activations.Sigmoid(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> Sigmoid(Vector512<float> x) => Activations.Sigmoid(x);

    /// <inheritdoc cref="Activations.Sigmoid(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> Sigmoid(Vector256<float> x) => Activations.Sigmoid(x);

    /// <inheritdoc cref="Activations.Sigmoid(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> Sigmoid(Vector128<float> x) => Activations.Sigmoid(x);

    /// <inheritdoc cref="Activations.Sigmoid(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Sigmoid(float x) => Activations.Sigmoid(x);

    /// <inheritdoc cref="Activations.Tanh(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> Tanh(Vector512<float> x) => Activations.Tanh(x);

    /// <inheritdoc cref="Activations.Tanh(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> Tanh(Vector256<float> x) => Activations.Tanh(x);

    /// <inheritdoc cref="Activations.Tanh(Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> Tanh(Vector128<float> x) => Activations.Tanh(x);

    /// <inheritdoc cref="Activations.Tanh(float)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Tanh(float x) => Activations.Tanh(x);

    /// <summary>
    /// States and recurrent gradients smaller than this are stored as zero. Arithmetic that produces or reads
    /// subnormal floats (below 2^−126) takes a microcode assist on x86, some 50× slower, and .NET has no
    /// flush-to-zero mode: a state decaying towards zero (silence in an audio stream, a vanishing gradient)
    /// stalled a (64,128) LSTM at ~0.4 ms a step for dozens of steps. 1e-30 rather than 2^−126, so that the
    /// next step's products of weights with the state stay normal too; it is 25 orders of magnitude below
    /// what a float32 network resolves.
    /// </summary>
    protected const float FlushThreshold = VectorConstants.FlushBelow;

    /// <summary>x with lanes below <see cref="FlushThreshold"/> in magnitude set to zero (NaN and ±∞ pass through).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> FlushTiny(Vector512<float> x) =>
        Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), Vector512.Create(FlushThreshold)));

    /// <inheritdoc cref="FlushTiny(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> FlushTiny(Vector256<float> x) =>
        Vector256.AndNot(x, VectorConstants.IsTiny(x));

    /// <inheritdoc cref="FlushTiny(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> FlushTiny(Vector128<float> x) =>
        Vector128.AndNot(x, VectorConstants.IsTiny(x));

    /// <inheritdoc cref="FlushTiny(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float FlushTiny(float x) => MathF.Abs(x) < FlushThreshold ? 0f : x;

    /// <summary>a·b + c, fused.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => VectorMath.MultiplyAdd(a, b, c);

    /// <summary>a·b + c, fused where the hardware can.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => VectorMath.MultiplyAdd(a, b, c);

    /// <summary>a·b + c, fused where the hardware can.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => VectorMath.MultiplyAdd(a, b, c);

    /// <summary>a·b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float MultiplyAdd(float a, float b, float c) => VectorMath.MultiplyAdd(a, b, c);

    /// <summary>
    /// True where the Vector128 kernels sum their row products in double: x86 with AVX but without FMA (Sandy and Ivy
    /// Bridge, or DOTNET_EnableAVX2=0). A JIT-time constant, so the branch not taken is not compiled.
    /// </summary>
    /// <remarks>
    /// Without FMA, a·b + c rounds the product and then the sum. With saturating gates the products of a
    /// pre-activation reach tens while the sum may end near zero, and those extra roundings put the Vector128 path
    /// without FMA past the float32 parity rule (1.1× the bound on make_fixtures.py's gru_7x13_s16_x4). In double each
    /// product is exact and the sum of a row rounds to float once: more accurate than FMA in float, and with AVX four
    /// doubles fill one register, so a product costs a conversion, a multiply and an add (against a multiply and an
    /// add). Without AVX (SSE only) the kernels keep float.
    /// </remarks>
    protected static bool ProductsInDouble128 => Avx.IsSupported && !SimdSupport.FusedMultiplyAdd;

    /// <summary>Four floats widened to double, exactly (only where <see cref="ProductsInDouble128"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<double> Widen128(Vector128<float> x) => Avx.ConvertToVector256Double(x);

    /// <summary>a·b in double, a widened from float: exact, as 24 + 24 significant bits fit in 53 (only where <see cref="ProductsInDouble128"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<double> WideMultiply128(Vector128<float> a, Vector256<double> b) => Avx.Multiply(Avx.ConvertToVector256Double(a), b);

    /// <summary>a·b + c in double, a widened from float: the product is exact, the sum rounds once (only where <see cref="ProductsInDouble128"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<double> WideMultiplyAdd128(Vector128<float> a, Vector256<double> b, Vector256<double> c) =>
        Avx.Add(Avx.Multiply(Avx.ConvertToVector256Double(a), b), c);

    /// <summary>
    /// The horizontal sums of four double accumulators, each rounded once to float: lane k = Σ lanes of a<sub>k</sub>
    /// (only where <see cref="ProductsInDouble128"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> SumEachWide128(Vector256<double> a0, Vector256<double> a1, Vector256<double> a2, Vector256<double> a3)
    {
        // [a0₀+a0₁, a1₀+a1₁, a0₂+a0₃, a1₂+a1₃] and the same for a2, a3; then the low halves plus the high halves.
        Vector256<double> pairs01 = Avx.HorizontalAdd(a0, a1), pairs23 = Avx.HorizontalAdd(a2, a3);
        Vector256<double> sums = Avx.Add(Avx.Permute2x128(pairs01, pairs23, 0x20), Avx.Permute2x128(pairs01, pairs23, 0x31));
        return Avx.ConvertToVector128Single(sums);
    }

    /// <inheritdoc cref="VectorMath.SumEach(Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> SumEach(
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7,
        Vector512<float> a8, Vector512<float> a9, Vector512<float> a10, Vector512<float> a11,
        Vector512<float> a12, Vector512<float> a13, Vector512<float> a14, Vector512<float> a15) =>
        VectorMath.SumEach(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);

    /// <inheritdoc cref="VectorMath.Fold(Vector512{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> Fold(Vector512<float> a) => VectorMath.Fold(a);

    /// <inheritdoc cref="VectorMath.SumEach(Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> SumEach(
        Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7) =>
        VectorMath.SumEach(a0, a1, a2, a3, a4, a5, a6, a7);

    /// <inheritdoc cref="VectorMath.SumEach(Vector128{float}, Vector128{float}, Vector128{float}, Vector128{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> SumEach(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3) =>
        VectorMath.SumEach(a0, a1, a2, a3);

    /// <summary>The sum of the lanes of <paramref name="x"/> (a dot product's last step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Sum(Vector512<float> x) => Vector512.Sum(x);

    /// <summary>The sum of the lanes of <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Sum(Vector256<float> x) => Vector256.Sum(x);

    /// <summary>The sum of the lanes of <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Sum(Vector128<float> x) => Vector128.Sum(x);

    /// <summary>x itself (the scalar path's lane sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Sum(float x) => x;

    /// <inheritdoc cref="VectorMath.TailMask512(int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> TailMask512(int valid) => VectorMath.TailMask512(valid);

    /// <inheritdoc cref="VectorMath.TailMask256(int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> TailMask256(int valid) => VectorMath.TailMask256(valid);

    /// <inheritdoc cref="VectorMath.TailMask128(int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector128<float> TailMask128(int valid) => VectorMath.TailMask128(valid);

    /// <inheritdoc cref="InputProjection.Project"/>
    protected static void ProjectInputs(ref float w, ref float bias, bool hasBias, int rows, int columns, ref float xs, int xStride, ref float dest, int steps) =>
        InputProjection.Project(ref w, ref bias, hasBias, rows, columns, ref xs, xStride, ref dest, steps);

    /// <inheritdoc cref="GradientGather.Gather"/>
    protected static void GatherUnitGradients(ref float da, nint daStride, nint gateStride, int gates, nint count, nint units, ref float dst) =>
        GradientGather.Gather(ref da, daStride, gateStride, gates, count, units, ref dst);

    /// <inheritdoc cref="PackedInputProjection.Project"/>
    protected static void ProjectPackedInputs(
        ref float weights, int tileWeights, ref float biases, int tileBiases, int tiles, int width, int inputs, ref float xs, int xStride, ref float dest, int steps) =>
        PackedInputProjection.Project(ref weights, tileWeights, ref biases, tileBiases, tiles, width, inputs, ref xs, xStride, ref dest, steps);

    /// <summary>
    /// A pinned array with room for <paramref name="length"/> floats from a 64-byte boundary, which is at
    /// <paramref name="offset"/> (<see cref="CacheAligned"/>).
    /// </summary>
    protected static float[] AllocateAligned(int length, out int offset) => CacheAligned.Allocate<float>(length, out offset);

    /// <summary>Where the first 64-byte boundary of a pinned array from <see cref="AllocateAligned"/> is, in floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static int AlignedOffset(float[] pinned) => CacheAligned.Start(pinned);

    /// <summary>
    /// The weights of the even column of a bfloat16 pair (<see cref="PackTilesBFloat16"/>): the upper halves of the lanes,
    /// which are those bfloat16 values as floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> EvenBFloat16(Vector256<float> pair) => Vector256.BitwiseAnd(pair.AsUInt32(), Vector256.Create(0xFFFF0000u)).AsSingle();

    /// <summary>The weights of the odd column of a bfloat16 pair: the lower halves of the lanes, shifted up into floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector256<float> OddBFloat16(Vector256<float> pair) => Vector256.ShiftLeft(pair.AsUInt32(), 16).AsSingle();

    /// <inheritdoc cref="EvenBFloat16(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> EvenBFloat16(Vector512<float> pair) => Vector512.BitwiseAnd(pair.AsUInt32(), Vector512.Create(0xFFFF0000u)).AsSingle();

    /// <inheritdoc cref="OddBFloat16(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static Vector512<float> OddBFloat16(Vector512<float> pair) => Vector512.ShiftLeft(pair.AsUInt32(), 16).AsSingle();

    /// <summary>
    /// <see cref="PackTiles"/> with two bfloat16 weights per 32-bit slot, for the packed 16-bit kernels: within each product
    /// (W_ih, then W_hh) columns 2p and 2p + 1 of a tile share one packed column, column 2p in the upper half of each lane
    /// (<see cref="EvenBFloat16(Vector256{float})"/>) and column 2p + 1 in the lower half (<see cref="OddBFloat16(Vector256{float})"/>); an odd column count ends
    /// with a pair whose lower halves are zero. The biases follow as float32, as PackTiles lays them out. Every weight of
    /// <paramref name="parameters"/> must already be a bfloat16 value (WeightRounding): its lower 16 bits are dropped.
    /// </summary>
    protected static void PackTilesBFloat16(
        ReadOnlySpan<float> parameters, Span<float> packed, int gates, int input, int hidden, bool bias, int tile, int separateBiasGate)
    {
        int tiles = hidden / tile, width = gates * tile, columns = input + hidden;
        int pairs = (input + 1) / 2 + (hidden + 1) / 2;
        int biasesPerTile = (gates + (separateBiasGate >= 0 ? 1 : 0)) * tile;
        var wide = new float[tiles * (columns * width + biasesPerTile)];
        PackTiles(parameters, wide, gates, input, hidden, projection: 0, bias, tile, separateBiasGate);
        Span<uint> pairBits = MemoryMarshal.Cast<float, uint>(packed.Slice(0, tiles * pairs * width));
        for (int t = 0; t < tiles; t++)
        {
            // PackTiles' W_ih columns of every tile come first, then their W_hh columns; here both stay per tile.
            Span<uint> target = pairBits.Slice(t * pairs * width, pairs * width);
            int p = 0;
            foreach ((int start, int count) in new[] { (t * input * width, input), (tiles * input * width + t * hidden * width, hidden) })
            {
                for (int k = 0; k < count; k += 2, p++)
                {
                    for (int lane = 0; lane < width; lane++)
                    {
                        uint even = BitConverter.SingleToUInt32Bits(wide[start + k * width + lane]) & 0xFFFF0000u;
                        uint odd = k + 1 < count ? BitConverter.SingleToUInt32Bits(wide[start + (k + 1) * width + lane]) >> 16 : 0u;
                        target[p * width + lane] = even | odd;
                    }
                }
            }
        }

        wide.AsSpan(tiles * columns * width).CopyTo(packed.Slice(pairBits.Length, tiles * biasesPerTile));
    }

    /// <summary>
    /// Repacks one layer-direction's PyTorch-layout parameters for the column-streaming kernels of a frozen copy. Hidden
    /// units are split into tiles of <paramref name="tile"/>; per tile, column k of W_ih (and of W_hh) holds that tile's
    /// rows of every gate side by side (gate g's units at g·tile…), so one broadcast of x[k] (h[k]) feeds contiguous
    /// vectors of outputs and no horizontal sums are needed. Every tile's W_ih columns come first, tile after tile, then
    /// every tile's W_hh columns: a loop over one product's columns then reads one contiguous stream from tile to tile
    /// (the hoisted step of a sequence reads only W_hh's). The biases follow, per tile: b_ih + b_hh per
    /// gate, except that <paramref name="separateBiasGate"/> (a GRU's n, whose recurrent part r scales) keeps b_ih at its
    /// place and b_hh after the gates; zeros for a layer without biases. A projection's weight_hr follows as it is.
    /// </summary>
    /// <param name="parameters">weight_ih [G·H, I], weight_hh [G·H, Hout], then the biases (when <paramref name="bias"/>) and weight_hr [P, H].</param>
    /// <param name="packed">Where the packed copy goes.</param>
    /// <param name="gates">G.</param>
    /// <param name="input">I.</param>
    /// <param name="hidden">H.</param>
    /// <param name="projection">P, or 0: h then has H values.</param>
    /// <param name="bias">Whether the layer has biases.</param>
    /// <param name="tile">Hidden units per tile; divides H.</param>
    /// <param name="separateBiasGate">The gate whose two biases stay apart, or −1.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected static void PackTiles(
        ReadOnlySpan<float> parameters, Span<float> packed, int gates, int input, int hidden, int projection, bool bias, int tile, int separateBiasGate)
    {
        int recurrent = projection > 0 ? projection : hidden;
        int rows = gates * hidden, columns = input + recurrent, tiles = hidden / tile, width = gates * tile;
        int biasesPerTile = (gates + (separateBiasGate >= 0 ? 1 : 0)) * tile;
        ReadOnlySpan<float> wih = parameters.Slice(0, rows * input);
        ReadOnlySpan<float> whh = parameters.Slice(rows * input, rows * recurrent);
        int afterWeights = rows * columns;
        ReadOnlySpan<float> bih = bias ? parameters.Slice(afterWeights, rows) : default;
        ReadOnlySpan<float> bhh = bias ? parameters.Slice(afterWeights + rows, rows) : default;
        Span<float> weights = packed.Slice(0, tiles * columns * width);
        Span<float> biases = packed.Slice(weights.Length, tiles * biasesPerTile);
        for (int t = 0; t < tiles; t++)
        {
            Span<float> inputColumns = weights.Slice(t * input * width, input * width);
            Span<float> recurrentColumns = weights.Slice(tiles * input * width + t * recurrent * width, recurrent * width);
            for (int g = 0; g < gates; g++)
            {
                // Gate g's rows of this tile, transposed: row u's column k goes to lane g·tile + u of packed column k.
                int row = g * hidden + t * tile;
                BlockTranspose.Rows(wih.Slice(row * input, tile * input), input, tile, inputColumns.Slice(g * tile), width);
                BlockTranspose.Rows(whh.Slice(row * recurrent, tile * recurrent), recurrent, tile, recurrentColumns.Slice(g * tile), width);
            }
        }

        biases.Clear();
        if (bias)
        {
            for (int t = 0; t < tiles; t++)
            {
                Span<float> b = biases.Slice(t * biasesPerTile, biasesPerTile);
                for (int g = 0; g < gates; g++)
                {
                    for (int u = 0; u < tile; u++)
                    {
                        int row = g * hidden + t * tile + u, lane = g * tile + u;
                        if (g == separateBiasGate)
                        {
                            b[lane] = bih[row];
                            b[gates * tile + u] = bhh[row];
                        }
                        else
                        {
                            b[lane] = bih[row] + bhh[row];
                        }
                    }
                }
            }
        }

        if (projection > 0)
        {
            int hr = afterWeights + (bias ? 2 * rows : 0);
            parameters.Slice(hr, projection * hidden).CopyTo(packed.Slice(weights.Length + biases.Length, projection * hidden));
        }
    }
}
