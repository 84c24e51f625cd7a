using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Simd;

/// <summary>
/// The projection with the steps across the vector, so that no sum is horizontal: each block of steps' inputs is
/// transposed once (X^T[k, s] = x_{t+s}[k]), then per tile of eight rows acc_r += W[r, k] · X^T[k, :] over k, W[r, k]
/// broadcast from memory (one FMA with its load per 8 or 16 multiply-adds, where the row-dot product spends a horizontal
/// sum per output), and the tile's 8 × steps sums are transposed in registers into rows P[t, r…r+7]. Each sum is the
/// same float in either tile: bias plus the even columns in order, plus the odd columns in order (two chains per row keep
/// 16 FMAs in flight), so a step's projection does not depend on where its block starts.
/// </summary>
internal static partial class InputProjection
{
    /// <summary>Rows of W per tile: eight accumulators, one per row, each a vector of steps.</summary>
    private const int RowsPerTile = 8;

    /// <summary>Columns up to which a block's transposed inputs fit the stack (16 steps of 512 columns, 32 KB).</summary>
    private const int MaxTransposedColumns = 512;

    /// <summary>Whether <see cref="Project"/> takes the transposed product for this shape on this host.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Transposes(int rows, int columns) =>
        Vector256.IsHardwareAccelerated && Avx.IsSupported && rows >= RowsPerTile && columns <= MaxTransposedColumns;

    /// <summary>
    /// Steps per tile where the remaining steps are <paramref name="remaining"/>: 16 (one Vector512) where large layers take
    /// Vector512 and more than eight remain, else 8 (one Vector256), so that a short tail does not pay for a whole Vector512.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int StepsPerTile(int remaining) =>
        SimdSupport.Vector512LargeLayers && Avx512F.IsSupported && remaining > Vector256<float>.Count ? Vector512<float>.Count : Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProjectTransposed(ref float w, ref float bias, bool hasBias, int rows, int columns, ref float xs, int xStride, ref float dest, int steps)
    {
        // Tiles only narrow as the steps run out, so the first one is the widest.
        Span<float> transposed = stackalloc float[columns * StepsPerTile(steps)];
        ref float xt = ref MemoryMarshal.GetReference(transposed);
        for (int t = 0; t < steps;)
        {
            int width = StepsPerTile(steps - t), count = Math.Min(width, steps - t);
            Transpose(ref Unsafe.Add(ref xs, (nint)t * xStride), xStride, columns, count, width, ref xt);
            ref float d = ref Unsafe.Add(ref dest, (nint)t * rows);
            for (int r = 0; r < rows; r += RowsPerTile)
            {
                // Where rows is no multiple of 8 the last tile overlaps the one before: its shared rows get the same sums again.
                int r0 = Math.Min(r, rows - RowsPerTile);
                ref float w0 = ref Unsafe.Add(ref w, (nint)r0 * columns);
                ref float b0 = ref Unsafe.Add(ref bias, r0);
                ref float d0 = ref Unsafe.Add(ref d, r0);
                if (width == Vector512<float>.Count)
                {
                    EightRows<Tile512, Vector512<float>>(ref w0, columns, ref b0, hasBias, ref xt, ref d0, rows, count);
                }
                else
                {
                    EightRows<Tile256, Vector256<float>>(ref w0, columns, ref b0, hasBias, ref xt, ref d0, rows, count);
                }
            }

            t += count;
        }
    }

    /// <summary>xt[k·width + s] = x[s·xStride + k] for s &lt; count, zero for count ≤ s &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(ref float x, int xStride, int columns, int count, int width, ref float xt)
    {
        for (int k = 0; k < columns; k++)
        {
            ref float column = ref Unsafe.Add(ref xt, (nint)k * width);
            int s = 0;
            for (; s < count; s++)
            {
                Unsafe.Add(ref column, s) = Unsafe.Add(ref x, (nint)s * xStride + k);
            }

            for (; s < width; s++)
            {
                Unsafe.Add(ref column, s) = 0f;
            }
        }
    }

    /// <summary>
    /// Rows r…r+7 (from <paramref name="w0"/>) against one tile of steps (<typeparamref name="TTile"/>: 16 in a Vector512,
    /// 8 in a Vector256): P[s, r…r+7] for s &lt; count. Not inlined: with both tiles' loops inlined into one method the
    /// projection ran at 0.64–0.70× this speed at 64 columns (microbenchmark, Zen 5).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void EightRows<TTile, TVector>(ref float w0, int columns, ref float bias, bool hasBias, ref float xt, ref float d, int rows, int count)
        where TTile : struct, ITile<TVector>
        where TVector : struct
    {
        nint stride = columns, steps = TTile.Steps;
        ref float w1 = ref Unsafe.Add(ref w0, stride);
        ref float w2 = ref Unsafe.Add(ref w1, stride);
        ref float w3 = ref Unsafe.Add(ref w2, stride);
        ref float w4 = ref Unsafe.Add(ref w3, stride);
        ref float w5 = ref Unsafe.Add(ref w4, stride);
        ref float w6 = ref Unsafe.Add(ref w5, stride);
        ref float w7 = ref Unsafe.Add(ref w6, stride);
        TVector a0 = TTile.Broadcast(0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        if (hasBias)
        {
            a0 = TTile.Broadcast(bias); a1 = TTile.Broadcast(Unsafe.Add(ref bias, 1));
            a2 = TTile.Broadcast(Unsafe.Add(ref bias, 2)); a3 = TTile.Broadcast(Unsafe.Add(ref bias, 3));
            a4 = TTile.Broadcast(Unsafe.Add(ref bias, 4)); a5 = TTile.Broadcast(Unsafe.Add(ref bias, 5));
            a6 = TTile.Broadcast(Unsafe.Add(ref bias, 6)); a7 = TTile.Broadcast(Unsafe.Add(ref bias, 7));
        }

        // Two chains per row (even and odd columns), so that 16 FMAs are in flight where their latency would otherwise
        // leave the FMA units idle; the halves are added at the end.
        TVector b0 = TTile.Broadcast(0f), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0, b6 = b0, b7 = b0;
        nint k = 0;
        for (; k + 2 <= stride; k += 2)
        {
            TVector x = TTile.Load(ref Unsafe.Add(ref xt, k * steps));
            TVector y = TTile.Load(ref Unsafe.Add(ref xt, (k + 1) * steps));
            a0 = TTile.MultiplyAdd(Unsafe.Add(ref w0, k), x, a0); b0 = TTile.MultiplyAdd(Unsafe.Add(ref w0, k + 1), y, b0);
            a1 = TTile.MultiplyAdd(Unsafe.Add(ref w1, k), x, a1); b1 = TTile.MultiplyAdd(Unsafe.Add(ref w1, k + 1), y, b1);
            a2 = TTile.MultiplyAdd(Unsafe.Add(ref w2, k), x, a2); b2 = TTile.MultiplyAdd(Unsafe.Add(ref w2, k + 1), y, b2);
            a3 = TTile.MultiplyAdd(Unsafe.Add(ref w3, k), x, a3); b3 = TTile.MultiplyAdd(Unsafe.Add(ref w3, k + 1), y, b3);
            a4 = TTile.MultiplyAdd(Unsafe.Add(ref w4, k), x, a4); b4 = TTile.MultiplyAdd(Unsafe.Add(ref w4, k + 1), y, b4);
            a5 = TTile.MultiplyAdd(Unsafe.Add(ref w5, k), x, a5); b5 = TTile.MultiplyAdd(Unsafe.Add(ref w5, k + 1), y, b5);
            a6 = TTile.MultiplyAdd(Unsafe.Add(ref w6, k), x, a6); b6 = TTile.MultiplyAdd(Unsafe.Add(ref w6, k + 1), y, b6);
            a7 = TTile.MultiplyAdd(Unsafe.Add(ref w7, k), x, a7); b7 = TTile.MultiplyAdd(Unsafe.Add(ref w7, k + 1), y, b7);
        }

        if (k < stride)
        {
            TVector x = TTile.Load(ref Unsafe.Add(ref xt, k * steps));
            a0 = TTile.MultiplyAdd(Unsafe.Add(ref w0, k), x, a0); a1 = TTile.MultiplyAdd(Unsafe.Add(ref w1, k), x, a1);
            a2 = TTile.MultiplyAdd(Unsafe.Add(ref w2, k), x, a2); a3 = TTile.MultiplyAdd(Unsafe.Add(ref w3, k), x, a3);
            a4 = TTile.MultiplyAdd(Unsafe.Add(ref w4, k), x, a4); a5 = TTile.MultiplyAdd(Unsafe.Add(ref w5, k), x, a5);
            a6 = TTile.MultiplyAdd(Unsafe.Add(ref w6, k), x, a6); a7 = TTile.MultiplyAdd(Unsafe.Add(ref w7, k), x, a7);
        }

        TTile.StoreTransposed(
            TTile.Add(a0, b0), TTile.Add(a1, b1), TTile.Add(a2, b2), TTile.Add(a3, b3),
            TTile.Add(a4, b4), TTile.Add(a5, b5), TTile.Add(a6, b6), TTile.Add(a7, b7), ref d, rows, count);
    }

    /// <summary>One vector of steps: what <see cref="EightRows"/> needs of it.</summary>
    private interface ITile<TVector>
        where TVector : struct
    {
        /// <summary>Steps per vector.</summary>
        static abstract int Steps { get; }

        static abstract TVector Broadcast(float value);

        static abstract TVector Load(ref float source);

        /// <summary>w·x + acc, fused.</summary>
        static abstract TVector MultiplyAdd(float w, TVector x, TVector acc);

        static abstract TVector Add(TVector a, TVector b);

        /// <summary>Rows r…r+7 of the tile's steps (a<sub>i</sub> lane s = P[s, r+i]), transposed: P[s, r…r+7] to d[s·rows…] for s &lt; count.</summary>
        static abstract void StoreTransposed(TVector a0, TVector a1, TVector a2, TVector a3, TVector a4, TVector a5, TVector a6, TVector a7, ref float d, int rows, int count);
    }

    /// <summary>16 steps in a Vector512.</summary>
    private readonly struct Tile512 : ITile<Vector512<float>>
    {
        public static int Steps => Vector512<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MultiplyAdd(float w, Vector512<float> x, Vector512<float> acc) => Avx512F.FusedMultiplyAdd(Vector512.Create(w), x, acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        /// <summary>
        /// Within each 128-bit block L, 32-bit then 64-bit interleaves gather rows 4g…4g+3 at step 4L+e into block L of
        /// quad (g, e); the two groups' blocks then go side by side, one step per 256-bit half.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreTransposed(
            Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
            Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, ref float d, int rows, int count)
        {
            Vector512<float> l01 = Avx512F.UnpackLow(a0, a1), h01 = Avx512F.UnpackHigh(a0, a1);
            Vector512<float> l23 = Avx512F.UnpackLow(a2, a3), h23 = Avx512F.UnpackHigh(a2, a3);
            Vector512<float> l45 = Avx512F.UnpackLow(a4, a5), h45 = Avx512F.UnpackHigh(a4, a5);
            Vector512<float> l67 = Avx512F.UnpackLow(a6, a7), h67 = Avx512F.UnpackHigh(a6, a7);
            StoreQuads(UnpackLow64(l01, l23), UnpackLow64(l45, l67), ref d, rows, count, 0);
            StoreQuads(UnpackHigh64(l01, l23), UnpackHigh64(l45, l67), ref d, rows, count, 1);
            StoreQuads(UnpackLow64(h01, h23), UnpackLow64(h45, h67), ref d, rows, count, 2);
            StoreQuads(UnpackHigh64(h01, h23), UnpackHigh64(h45, h67), ref d, rows, count, 3);

            static Vector512<float> UnpackLow64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();
            static Vector512<float> UnpackHigh64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
        }

        /// <summary>
        /// Steps e, 4 + e, 8 + e and 12 + e (those below count) from quads g0 (rows 0–3) and g1 (rows 4–7), whose block L
        /// holds step 4L + e: blocks L of both side by side make that step's eight rows.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreQuads(Vector512<float> g0, Vector512<float> g1, ref float d, int rows, int count, int e)
        {
            const byte Interleave = 0b11_01_10_00; // [b0, b1, b2, b3] → [b0, b2, b1, b3]
            Vector512<float> front = Avx512F.Shuffle4x128(g0, g1, 0b01_00_01_00); // [g0.b0, g0.b1, g1.b0, g1.b1]
            Vector512<float> back = Avx512F.Shuffle4x128(g0, g1, 0b11_10_11_10);  // [g0.b2, g0.b3, g1.b2, g1.b3]
            front = Avx512F.Shuffle4x128(front, front, Interleave);
            back = Avx512F.Shuffle4x128(back, back, Interleave);
            StoreStep(front.GetLower(), ref d, rows, count, e);
            StoreStep(front.GetUpper(), ref d, rows, count, 4 + e);
            StoreStep(back.GetLower(), ref d, rows, count, 8 + e);
            StoreStep(back.GetUpper(), ref d, rows, count, 12 + e);
        }
    }

    /// <summary>8 steps in a Vector256.</summary>
    private readonly struct Tile256 : ITile<Vector256<float>>
    {
        public static int Steps => Vector256<float>.Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MultiplyAdd(float w, Vector256<float> x, Vector256<float> acc) => VectorMath.MultiplyAdd(Vector256.Create(w), x, acc);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        /// <summary>As <see cref="Tile512"/> does within each 128-bit block; then block L of both groups makes step 4L+e.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void StoreTransposed(
            Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
            Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7, ref float d, int rows, int count)
        {
            Vector256<float> l01 = Avx.UnpackLow(a0, a1), h01 = Avx.UnpackHigh(a0, a1);
            Vector256<float> l23 = Avx.UnpackLow(a2, a3), h23 = Avx.UnpackHigh(a2, a3);
            Vector256<float> l45 = Avx.UnpackLow(a4, a5), h45 = Avx.UnpackHigh(a4, a5);
            Vector256<float> l67 = Avx.UnpackLow(a6, a7), h67 = Avx.UnpackHigh(a6, a7);
            StoreQuads(UnpackLow64(l01, l23), UnpackLow64(l45, l67), ref d, rows, count, 0);
            StoreQuads(UnpackHigh64(l01, l23), UnpackHigh64(l45, l67), ref d, rows, count, 1);
            StoreQuads(UnpackLow64(h01, h23), UnpackLow64(h45, h67), ref d, rows, count, 2);
            StoreQuads(UnpackHigh64(h01, h23), UnpackHigh64(h45, h67), ref d, rows, count, 3);

            static Vector256<float> UnpackLow64(Vector256<float> a, Vector256<float> b) => Avx.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();
            static Vector256<float> UnpackHigh64(Vector256<float> a, Vector256<float> b) => Avx.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
        }

        /// <summary>Steps e and 4 + e (those below count) from quads g0 (rows 0–3) and g1 (rows 4–7), whose block L holds step 4L + e.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreQuads(Vector256<float> g0, Vector256<float> g1, ref float d, int rows, int count, int e)
        {
            StoreStep(Avx.Permute2x128(g0, g1, 0x20), ref d, rows, count, e);     // [g0.b0, g1.b0]
            StoreStep(Avx.Permute2x128(g0, g1, 0x31), ref d, rows, count, 4 + e); // [g0.b1, g1.b1]
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStep(Vector256<float> sums, ref float d, int rows, int count, int step)
    {
        if (step < count)
        {
            sums.StoreUnsafe(ref Unsafe.Add(ref d, (nint)step * rows));
        }
    }
}
