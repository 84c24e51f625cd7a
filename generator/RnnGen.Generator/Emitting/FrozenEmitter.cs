using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Writes a layer's frozen kernels: <c>Freeze</c> (the copy a model's snapshot keeps), <c>FrozenStep</c>, and where it
/// fits the packed step. The packed layout (RnnGen.Generated.KernelBase.PackTiles) holds the weights per tile of hidden units,
/// column-major within the tile, so the step broadcasts one value of z = [x; h] at a time against contiguous weights of
/// every gate, keeps all accumulators in registers and needs no horizontal sums. It exists on the Vector256 path for H a
/// multiple of 8, its single-stream steps (float32, hoisted, bfloat16) with a Vector512 body too for tiles of 16; elsewhere
/// the copy is plain and the layer's own step runs on it.
/// </summary>
internal static partial class FrozenEmitter
{
    /// <summary>Columns per unrolled group of the column loops.</summary>
    private const int Unroll = 4;

    /// <summary>Independent FMA chains wanted in flight: with fewer accumulators per tile the columns alternate between two sets.</summary>
    private const int Chains = 8;

    /// <summary>
    /// Hidden units per tile: 16 (two vectors per gate) when H allows, else 8; null when no packed kernel fits (or, for the
    /// reset-before GRU, none is written: its n gate needs every unit's r before W_hn·(r⊙h), which a tile cannot see).
    /// </summary>
    public static int? TileFor(LayerSpec spec) => spec.Hidden % 8 != 0 || spec.ResetBefore ? null : spec.Hidden % 16 == 0 ? 16 : 8;

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Inside a layer's kernels: the frozen copy's layout, Freeze, FrozenStep and the packed step.</summary>
    public static void EmitKernels(SourceWriter w, LayerKernels kernels)
    {
        LayerSpec spec = kernels.Spec;
        if (TileFor(spec) is not int tile)
        {
            string why = spec.ResetBefore ? "the reset-before GRU has no packed kernel (W_hn·(r⊙h) needs every unit's r)" : "no packed kernel fits this size (H is not a multiple of 8)";
            w.Lines($$"""
                /// <summary>Floats of a frozen copy: {{why}}, so it is the parameters as they are.</summary>
                public static int FrozenLength => ParameterCount;

                /// <summary>A frozen copy of one direction's parameters: a plain copy.</summary>
                private static void Freeze(global::System.ReadOnlySpan<float> parameters, global::System.Span<float> frozen) => parameters.CopyTo(frozen);

                /// <summary>One step on a frozen copy, updating a layer state in place with the layer's own step; scratch holds StateSize + ActivationsPerStep floats.</summary>
                [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
                private static void FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch)
                {
                    StepState(ref frozen, ref x, ref state, ref scratch);
                }

                """);
            EmitUnpackedBatch(w);
            EmitUnpackedRecording(w);
            EmitBFloat16AsFloat32(w, why);
            EmitUnpackedHoisted(w);
            EmitNoProjectAhead(w, "a plain copy has no packed step to hide it in");
            return;
        }

        int gates = spec.Gates, vectors = tile / 8, tiles = spec.Hidden / tile, width = gates * tile;
        int biases = kernels.PackedSums * tile;
        string hr = kernels.Projected ? "PackedHrOffset = PackedBiasOffset + Tiles * TileBiases, PackedLength = PackedHrOffset + ProjectionSize * HiddenSize" : "PackedLength = PackedBiasOffset + Tiles * TileBiases";
        w.Lines($$"""
            /// <summary>Hidden units per tile of the packed layout, tiles, and floats per packed column (every gate's rows of a tile).</summary>
            public const int Tile = {{N(tile)}}, Tiles = {{N(tiles)}}, TileColumn = {{N(width)}};
            public const int TileWeights = (InputSize + {{kernels.Recurrent}}) * TileColumn, TileBiases = {{N(biases)}};
            /// <summary>A tile's W_ih and W_hh columns, and where the W_hh columns start: after every tile's W_ih columns (PackTiles).</summary>
            public const int TileInputWeights = InputSize * TileColumn, TileRecurrentWeights = {{kernels.Recurrent}} * TileColumn, RecurrentWeightsOffset = Tiles * TileInputWeights;
            public const int PackedBiasOffset = Tiles * TileWeights, {{hr}};

            /// <summary>Whether a frozen copy is packed: the packed kernel is written for 256-bit vectors.</summary>
            public static bool PackedPath => global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

            /// <summary>Floats of a frozen copy: packed on the Vector256 path, the parameters as they are elsewhere.</summary>
            public static int FrozenLength { [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] get => PackedPath ? PackedLength : ParameterCount; }

            /// <summary>A frozen copy of one direction's parameters: packed (layout: RnnGen.Generated.KernelBase.PackTiles) on the Vector256 path, a plain copy elsewhere.</summary>
            private static void Freeze(global::System.ReadOnlySpan<float> parameters, global::System.Span<float> frozen)
            {
                if (PackedPath)
                {
                    PackTiles(parameters, frozen, {{N(gates)}}, InputSize, HiddenSize, projection: {{(kernels.Projected ? "ProjectionSize" : "0")}}, bias: {{(spec.Bias ? "true" : "false")}}, Tile, separateBiasGate: {{N(kernels.SeparateBiasGate)}});
                }
                else
                {
                    parameters.CopyTo(frozen);
                }
            }

            """);

        // In place when one tile, or a projection, lets it be (PackedStateUpdate); else from a copy of h.
        bool inPlace = tiles == 1 || kernels.Projected;
        string step = tile == Packed512Tile ? "PackedStep" : "PackedStep256";   // tiles of 16 also have a Vector512 body
        string packed = PackedStateUpdate(kernels, inPlace, $"{step}(ref frozen, ref x");
        w.Lines($$"""
            /// <summary>One step on a frozen copy, updating a layer state in place; scratch holds StateSize + ActivationsPerStep floats.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch)
            {
                if (PackedPath)
                {
                    {{packed.Replace("\n", "\n        ")}}
                    return;
                }

                StepState(ref frozen, ref x, ref state, ref scratch);
            }

            """);
        if (kernels.Projected)
        {
            EmitUnpackedBatch(w);
            EmitUnpackedRecording(w);
        }
        else
        {
            EmitPackedBatch(w, kernels, tile);
            w.Line();
            EmitPackedRecording(w, kernels, tile);
        }

        w.Line();
        EmitPackedStep(w, kernels, tile, vectors, hoisted: false);
        if (tile == Packed512Tile)
        {
            w.Line();
            EmitPackedStep512(w, kernels, hoisted: false);
        }

        w.Line();
        EmitPackedHoisted(w, kernels, inPlace, tile == Packed512Tile ? "PackedStepProjected" : "PackedStepProjected256");
        w.Line();
        EmitPackedStep(w, kernels, tile, vectors, hoisted: true);
        if (tile == Packed512Tile)
        {
            w.Line();
            EmitPackedStep512(w, kernels, hoisted: true);
        }

        w.Line();
        if (ProjectsAhead(kernels))
        {
            EmitPackedStep512(w, kernels, hoisted: true, ahead: true);
            w.Line();
            EmitProjectAhead(w);
        }
        else
        {
            EmitNoProjectAhead(w, "its Vector512 hoisted step has no room for it: tiles of 8, a projection, or an odd count of paired tiles");
        }

        if (kernels.Projected)
        {
            EmitBFloat16AsFloat32(w, "a projection's step has no packed 16-bit kernel");
        }
        else
        {
            string bfloat16Step = tile == Packed512Tile ? "PackedStepBFloat16" : "PackedStep256BFloat16";   // tiles of 16 also have a Vector512 body
            EmitBFloat16Kernels(w, kernels, tile, vectors, PackedStateUpdate(kernels, inPlace, $"{bfloat16Step}(ref frozen, ref x"));
        }
    }

    /// <summary>
    /// A layer without a packed 16-bit kernel: its bfloat16 frozen copy is the float32 one of the rounded weights, stepped
    /// by the float32 frozen kernels.
    /// </summary>
    private static void EmitBFloat16AsFloat32(SourceWriter w, string why) => w.Lines($$"""

        /// <summary>Floats of a bfloat16 frozen copy: {{why}}, so it is the float32 frozen copy of the rounded weights.</summary>
        public static int FrozenLengthBFloat16 => FrozenLength;

        /// <summary>A bfloat16 frozen copy of parameters whose weights are rounded to bfloat16: Freeze's float32 copy.</summary>
        private static void FreezeBFloat16(global::System.ReadOnlySpan<float> rounded, global::System.Span<float> frozen) => Freeze(rounded, frozen);

        /// <summary>One step on a bfloat16 frozen copy: FrozenStep.</summary>
        [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static void FrozenStepBFloat16(ref float frozen, ref float x, ref float state, ref float scratch) => FrozenStep(ref frozen, ref x, ref state, ref scratch);

        /// <summary>One step of count streams on a bfloat16 frozen copy: FrozenStepBatch.</summary>
        private static void FrozenStepBatchBFloat16(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count) =>
            FrozenStepBatch(ref frozen, ref x, xStride, ref states, ref scratch, count);
        """);

    /// <summary>
    /// The packed 16-bit kernels of a bfloat16 frozen copy (layout: RnnGen.Generated.KernelBase.PackTilesBFloat16): the
    /// packed float32 layout with columns 2p and 2p + 1 of each product sharing one column of 32-bit slots, so a load of 8
    /// slots yields two columns' weights by an AND and a shift. Each accumulator sums the same products in the same order
    /// as the float32 packed step, so on weights rounded to bfloat16 both give the same floats; except in a GRU's 16-unit
    /// tiles, whose sums run in one set of accumulators instead of two alternating ones (EmitPackedStep). Tiles of 16 units
    /// have a Vector512 body too (16 slots, one vector per gate), the 256-bit body's floats bit for bit. The batched step
    /// runs <see cref="EmitBlock"/>'s register blocks on the pairs (column 2p, then 2p + 1, into each accumulator): the
    /// float32 batched step's floats on the rounded weights.
    /// </summary>
    private static void EmitBFloat16Kernels(SourceWriter w, LayerKernels kernels, int tile, int vectors, string packedCall)
    {
        LayerSpec spec = kernels.Spec;
        Width[] bodies = BatchBodies(tile);
        int partials = kernels.PackedSums * tile;
        string wide = Vector512First(bodies, "BatchTiles512BFloat16(ref frozen, ref x, xStride, ref states, ref h, ref partial, count)");
        w.Lines($$"""

            /// <summary>Packed columns per tile of a bfloat16 copy (two weights per slot, an odd input count padded), and where its biases start.</summary>
            public const int TileWeightsBFloat16 = ((InputSize + 1) / 2 + HiddenSize / 2) * TileColumn;
            public const int PackedBiasOffsetBFloat16 = Tiles * TileWeightsBFloat16, PackedLengthBFloat16 = PackedBiasOffsetBFloat16 + Tiles * TileBiases;

            /// <summary>Whether a bfloat16 frozen copy is packed two weights per slot: the 16-bit kernel needs 256-bit vectors (tiles of 16 also have a 512-bit body).</summary>
            public static bool PackedPathBFloat16 => global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

            /// <summary>Floats of a bfloat16 frozen copy: packed two weights per slot on the Vector256 path, the float32 frozen copy of the rounded weights elsewhere.</summary>
            public static int FrozenLengthBFloat16 { [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] get => PackedPathBFloat16 ? PackedLengthBFloat16 : FrozenLength; }

            /// <summary>A bfloat16 frozen copy of parameters whose weights are rounded to bfloat16: two weights per slot on the Vector256 path, Freeze's copy elsewhere.</summary>
            private static void FreezeBFloat16(global::System.ReadOnlySpan<float> rounded, global::System.Span<float> frozen)
            {
                if (PackedPathBFloat16)
                {
                    PackTilesBFloat16(rounded, frozen, {{N(spec.Gates)}}, InputSize, HiddenSize, bias: {{(spec.Bias ? "true" : "false")}}, Tile, separateBiasGate: {{N(kernels.SeparateBiasGate)}});
                }
                else
                {
                    Freeze(rounded, frozen);
                }
            }

            /// <summary>One step on a bfloat16 frozen copy, updating a layer state in place; scratch holds StateSize + ActivationsPerStep floats.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void FrozenStepBFloat16(ref float frozen, ref float x, ref float state, ref float scratch)
            {
                if (PackedPathBFloat16)
                {
                    {{packedCall.Replace("\n", "\n        ")}}
                    return;
                }

                FrozenStep(ref frozen, ref x, ref state, ref scratch);
            }

            /// <summary>Streams per register block of FrozenStepBatchBFloat16.</summary>
            private const int {{string.Join(", ", bodies.Select(b => $"{BlockStreamsName(b, bfloat16: true)} = {N(BlockStreams(spec.Gates, b, bfloat16: true))}"))}};

            /// <summary>
            /// One step of count streams on a bfloat16 frozen copy, in place: FrozenStepBatch's blocks of streams on the pairs of
            /// columns (each weight widened once per block){{(bodies.Length == 1 ? "" : ", on the Vector512 body where it is accelerated")}}; FrozenStepBatch where the copy is float32.
            /// </summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            private static void FrozenStepBatchBFloat16(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count)
            {
                if (!PackedPathBFloat16)
                {
                    FrozenStepBatch(ref frozen, ref x, xStride, ref states, ref scratch, count);
                    return;
                }

                // Every stream's h, copied aside, as FrozenStepBatch does.
                {{StatesAside}}

                {{wide}}BatchTiles256BFloat16(ref frozen, ref x, xStride, ref states, ref h, ref partial, count);
            }

            """);
        foreach (Width body in bodies)
        {
            EmitBatchTiles(w, kernels, body, partials, bfloat16: true);
            w.Line();
        }

        foreach (Width body in bodies)
        {
            for (int block = BlockStreams(spec.Gates, body, bfloat16: true); block >= 1; block--)
            {
                EmitBlock(w, kernels, tile, block, partials, body, bfloat16: true);
                w.Line();
            }
        }

        EmitPackedStep(w, kernels, tile, vectors, hoisted: false, bfloat16: true);
        if (tile == Packed512Tile)
        {
            w.Line();
            EmitPackedStep512(w, kernels, hoisted: false, bfloat16: true);
        }
    }

    /// <summary>Registers a 256-bit kernel may count on (AVX2's 16).</summary>
    private const int Registers = 16;

    /// <summary>
    /// Registers a Vector512 register block counts on: fewer than AVX-512's 32, as measured (in-process on a Zen 5, frozen
    /// StepBatch of 16 streams): at 5 LSTM or 6 GRU streams (S·(G+1) = 25, 24) blocks spilled, LSTM (8,32) 180 ns per
    /// stream-step against 91 at 4 streams, (64,128) 1,325 against 969; GRUs at 5 streams were level with 6.
    /// </summary>
    private const int Registers512 = 21;

    /// <summary>
    /// The sets of accumulators a packed 256-bit step alternates its column sums between: two where that shortens the
    /// dependency chains and fits the registers. A bfloat16 pair needs two broadcasts, the mask and the loaded slots besides
    /// the accumulators: where two sets would not fit AVX2's 16 registers (a GRU's 16-unit tile: 12 accumulators), one set,
    /// as spilling costs more. A Vector512 body takes the same sets, so each lane sums in the same order.
    /// </summary>
    private static int Sets(int accumulators, bool bfloat16) =>
        accumulators >= Chains || (bfloat16 && 2 * accumulators + 5 > Registers) ? 1 : 2;

    /// <summary>Floats of a column chunk that stays in L1 while every block of streams uses it (16 KB).</summary>
    private const int ChunkFloats = 4096;

    /// <summary>
    /// Streams per register block of a batched kernel: S·G accumulators + S broadcasts + 1 weight vector fit the path's
    /// registers; on bfloat16 pairs the widening mask takes one more of AVX2's 16 (an LSTM's 3 streams spilled: (64,128)
    /// at B = 32 took 2,191 ns per stream-step against 1,734 on float32, in-process with AVX-512 off).
    /// </summary>
    private static int BlockStreams(int gates, Width width, bool bfloat16 = false) =>
        (width == Width.V512 ? Registers512 - 1 : Registers - (bfloat16 ? 2 : 1)) / (gates + 1);

    /// <summary>The constant that holds <see cref="BlockStreams"/> in the generated kernels: BlockStreams, BlockStreams512BFloat16, ….</summary>
    private static string BlockStreamsName(Width width, bool bfloat16) => $"BlockStreams{(width == Width.V512 ? "512" : "")}{(bfloat16 ? "BFloat16" : "")}";

    /// <summary>
    /// The widths of a layer's batched packed kernels, widest first: a Vector512 body where tiles hold 16 units (one vector
    /// per gate), besides the Vector256 one every packed layer has.
    /// </summary>
    private static Width[] BatchBodies(int tile) => tile == Packed512Tile ? [Width.V512, Width.V256] : [Width.V256];

    /// <summary>
    /// The batched frozen steps' first lines on a packed copy: every stream's h copied to the start of scratch (h), the
    /// partial sums after them (partial); written at a method body's first indentation, as <see cref="Vector512First"/>.
    /// </summary>
    private const string StatesAside = """
        ref float h = ref scratch;
            ref float partial = ref At(ref scratch, count * HiddenSize);
            for (nint b = 0; b < count; b++)
            {
                CopyStored(ref At(ref states, b * StateSize), ref At(ref h, b * HiddenSize), HiddenSize, StoredFloats);
            }
        """;

    /// <summary>
    /// Where a layer has a Vector512 body: the lines that hand the call to it where Vector512 is accelerated, written at a
    /// method body's first indentation (4 spaces) before the Vector256 body's call; nothing otherwise.
    /// </summary>
    private static string Vector512First(Width[] bodies, string call) => bodies.Length == 1 ? "" : $$"""
        if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            {
                {{call}};
                return;
            }

            
        """;

    /// <summary>The name of a batched register block of <paramref name="streams"/> streams on <paramref name="width"/>: Block3, Block5x512, Block4x512BFloat16, ….</summary>
    private static string BlockName(string kind, int streams, Width width, bool bfloat16 = false) =>
        $"{kind}{N(streams)}{(width == Width.V512 ? "x512" : "")}{(bfloat16 ? "BFloat16" : "")}";

    /// <summary>
    /// The batched frozen step: B streams share each load of the packed weights. Per tile of hidden units and per sub-tile
    /// (one vector per gate: 8 units on the Vector256 body, the whole tile of 16 on the Vector512 one), the tile's columns
    /// go in chunks that stay in L1; each chunk serves every block of S streams, whose S·G accumulators (S·G + S broadcasts
    /// + 1 weight ≤ 16 registers; on the Vector512 body S·(G + 1) ≤ 20, <see cref="Registers512"/>) carry between chunks
    /// through a per-stream buffer of partial sums. The last chunk's sums go straight into the gate equations. Each accumulator sums its columns in order, as the packed
    /// step of an LSTM does.
    /// </summary>
    private static void EmitPackedBatch(SourceWriter w, LayerKernels kernels, int tile)
    {
        LayerSpec spec = kernels.Spec;
        int gates = spec.Gates, width = gates * tile;
        int chunk = System.Math.Max(8, ChunkFloats / width / 4 * 4);
        int partials = kernels.PackedSums * tile;
        Width[] bodies = BatchBodies(tile);
        string streams = string.Join(", ", bodies.Select(b => $"{BlockStreamsName(b, bfloat16: false)} = {N(BlockStreams(gates, b))}"));
        string wide = Vector512First(bodies, "BatchTiles512(ref frozen, ref x, xStride, ref states, ref h, ref partial, count)");
        w.Lines($$"""
            /// <summary>Scratch floats per stream FrozenStepBatch needs: a copy of its h, and the partial sums of one sub-tile by gate{{kernels.PackedSumsNote}}.</summary>
            public const int FrozenScratchPerStream = HiddenSize + {{N(partials)}};

            /// <summary>Streams per register block, and packed columns per chunk (<see cref="ChunkColumns"/> × {{N(width * 4)}} bytes stay in L1).</summary>
            private const int {{streams}}, ChunkColumns = {{N(chunk)}};

            /// <summary>
            /// The fewest streams from which a live batch steps on a packed copy with FrozenStepBatch{{(bodies.Length == 1 ? "" : ": 2 where its Vector512 body runs")}}; 8 where Vector512 is not accelerated (from 8 streams the Vector256 body took 0.75–0.96× the live batch's time for an LSTM on a Zen 5 with AVX-512 off, 0.66–0.98× for a GRU on a Zen 3); never elsewhere.
            /// </summary>
            public static int FrozenBatchMinimumStreams => !PackedPath ? int.MaxValue : global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? {{(bodies.Length == 1 ? "int.MaxValue" : "2")}} : 8;

            /// <summary>
            /// One step of count streams on a frozen copy, in place: each packed weight is loaded once per block of streams
            /// and each chunk of columns once from memory for all of them{{(bodies.Length == 1 ? "" : "; on the Vector512 body where it is accelerated")}}.
            /// </summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            private static void FrozenStepBatch(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count)
            {
                if (!PackedPath)
                {
                    for (nint b = 0; b < count; b++)
                    {
                        FrozenStep(ref frozen, ref At(ref x, b * xStride), ref At(ref states, b * StateSize), ref scratch);
                    }

                    return;
                }

                // Every stream's h, copied aside: each tile reads all of it while the tiles before it write the new one.
                {{StatesAside}}

                {{wide}}BatchTiles256(ref frozen, ref x, xStride, ref states, ref h, ref partial, count);
            }
            """);
        foreach (Width body in bodies)
        {
            w.Line();
            EmitBatchTiles(w, kernels, body, partials);
        }

        foreach (Width body in bodies)
        {
            for (int block = BlockStreams(gates, body); block >= 1; block--)
            {
                w.Line();
                EmitBlock(w, kernels, tile, block, partials, body);
            }
        }
    }

    /// <summary>
    /// FrozenStepBatch's tiles on one body: per sub-tile of one vector per gate, W_ih·x then W_hh·h chunk by chunk; with
    /// <paramref name="bfloat16"/>, on a bfloat16 copy (each tile's W_ih pairs, then its W_hh pairs; a chunk of n columns
    /// is n / 2 packed columns).
    /// </summary>
    private static void EmitBatchTiles(SourceWriter w, LayerKernels kernels, Width width, int partials, bool bfloat16 = false)
    {
        int streams = BlockStreams(kernels.Spec.Gates, width, bfloat16);
        string full = BlockStreamsName(width, bfloat16);
        string block = BlockName("Block", streams, width, bfloat16);
        string format = bfloat16 ? "BFloat16" : "";
        string columns = bfloat16
            ? """
                ref float inputColumns = ref At(ref frozen, tile * TileWeightsBFloat16);
                        ref float recurrentColumns = ref At(ref inputColumns, (InputSize + 1) / 2 * TileColumn);
                        ref float bias = ref At(ref frozen, PackedBiasOffsetBFloat16 + tile * TileBiases);
                """
            : """
                ref float inputColumns = ref At(ref frozen, tile * TileInputWeights);
                        ref float recurrentColumns = ref At(ref frozen, RecurrentWeightsOffset + tile * TileRecurrentWeights);
                        ref float bias = ref At(ref frozen, PackedBiasOffset + tile * TileBiases);
                """;
        string column = bfloat16 ? "k0 / 2 * TileColumn + sub" : "k0 * TileColumn + sub";
        string inputArguments = $"ref chunk, ref At(ref x, b * xStride + k0), xStride, n, ref At(ref bias, sub), k0 == 0, ref At(ref partial, b * {N(partials)}), false, ref At(ref states, b * StateSize), ref At(ref h, b * HiddenSize), j";
        string recurrentArguments = $"ref chunk, ref At(ref h, b * HiddenSize + k0), HiddenSize, n, ref bias, false, ref At(ref partial, b * {N(partials)}), last, ref At(ref states, b * StateSize), ref At(ref h, b * HiddenSize), j";
        w.Lines($$"""
            /// <summary>FrozenStepBatch{{format}} on {{width.PathName}}, sub-tiles of {{N(width.Lanes)}} units; h holds every stream's h before the step.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            private static void BatchTiles{{width.Suffix}}{{format}}(ref float frozen, ref float x, int xStride, ref float states, ref float h, ref float partial, int count)
            {
                for (nint tile = 0; tile < Tiles; tile++)
                {
                    {{columns}}
                    for (nint sub = 0; sub < Tile; sub += {{N(width.Lanes)}})
                    {
                        nint j = tile * Tile + sub;
                        // a += W_ih·x, chunk by chunk, the partial sums starting from the biases
                        for (nint k0 = 0; k0 < InputSize; k0 += ChunkColumns)
                        {
                            int n = (int)global::System.Math.Min(ChunkColumns, InputSize - k0);
                            ref float chunk = ref At(ref inputColumns, {{column}});
                            nint b = 0;
                            for (; b + {{full}} <= count; b += {{full}})
                            {
                                {{block}}({{inputArguments}});
                            }

                            {{Remainder(streams, inputArguments, 16, width, bfloat16: bfloat16)}}
                        }

            """);
        if (kernels.PackedSetAside($"At(ref partial, b * {N(partials)})", g => N(width.Lanes * g), width) is string setAside)
        {
            w.Lines(Indent(setAside, 12));
        }

        w.Lines($$"""
                        // a += W_hh·h, chunk by chunk; the last chunk ends in the gate equations
                        for (nint k0 = 0; k0 < HiddenSize; k0 += ChunkColumns)
                        {
                            int n = (int)global::System.Math.Min(ChunkColumns, HiddenSize - k0);
                            bool last = k0 + n == HiddenSize;
                            ref float chunk = ref At(ref recurrentColumns, {{column}});
                            nint b = 0;
                            for (; b + {{full}} <= count; b += {{full}})
                            {
                                {{block}}({{recurrentArguments}});
                            }

                            {{Remainder(streams, recurrentArguments, 16, width, bfloat16: bfloat16)}}
                        }
                    }
                }
            }
            """);
    }

    /// <summary>
    /// The streams left after the full blocks (fewer than S): one block of exactly that many. The lines after the first are
    /// indented by <paramref name="indent"/> spaces, the template's own indentation where this is interpolated.
    /// </summary>
    private static string Remainder(int streams, string arguments, int indent, Width width, string kind = "Block", bool bfloat16 = false)
    {
        if (streams == 1)
        {
            return "";
        }

        string pad = new(' ', indent);
        var lines = new List<string> { "switch (count - b)", pad + "{" };
        for (int left = 1; left < streams; left++)
        {
            lines.Add($"{pad}    case {N(left)}: {BlockName(kind, left, width, bfloat16)}({arguments}); break;");
        }

        lines.Add(pad + "}");
        return string.Join("\n", lines);
    }

    /// <summary>
    /// The register block of <paramref name="streams"/> streams: a += W[chunk]·z over n columns, each weight vector loaded
    /// once for all of them; then either the partial sums back to memory or, after the last chunk, the gate equations.
    /// </summary>
    private static void EmitBlock(SourceWriter w, LayerKernels kernels, int tile, int streams, int partials, Width width, bool bfloat16 = false)
    {
        string[] gates = kernels.GateNames;
        string Acc(int g, int s) => Accumulator(gates, g, s);
        w.Line($"/// <summary>{N(streams)} stream{(streams == 1 ? "" : "s")}' sums over the chunk's first <paramref name=\"columns\"/> columns (stream s's inputs at zRows + s·zStride); the gate equations when last.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void {BlockName("Block", streams, width, bfloat16)}(ref float chunk, ref float zRows, int zStride, int columns, ref float bias, bool first, ref float partial, bool last, ref float next, ref float previous, nint j)"))
        {
            string Offset(int g, int s) => Plus(s * partials, g * width.Lanes);
            EmitColumnSums(w, gates, tile, streams, "partial", Offset, width, bfloat16);
            using (w.Block("if (!last)"))
            {
                EmitStoreSums(w, gates, streams, "partial", Offset);
                w.Line("return;");
            }

            for (int s = 0; s < streams; s++)
            {
                w.Line();
                using (w.Block(""))
                {
                    if (s > 0)
                    {
                        w.Line($"ref float next{N(s)} = ref At(ref next, {N(s)} * StateSize);");
                    }

                    w.Line(kernels.PackedBindings(g => Acc(g, s), width.Load("partial", Plus(s * partials, gates.Length * width.Lanes))));
                    var update = new SourceWriter();
                    kernels.EmitStateUpdate(update, width, StateTargets.Packed);
                    string text = update.ToString().TrimEnd('\n');
                    if (s > 0)
                    {
                        // Stream s's state and h copy lie s rows on.
                        text = text.Replace("ref next,", $"ref next{N(s)},").Replace("(ref next, ", $"(ref next{N(s)}, ")
                            .Replace("(ref previous, j)", $"(ref previous, {N(s)} * HiddenSize + j)");
                    }

                    w.Lines(text);
                }
            }
        }
    }

    private static string Plus(int a, int b) => a + b == 0 ? "0" : N(a + b);

    /// <summary>The batched frozen step as one frozen step per stream (its states in place, one after another).</summary>
    private static void EmitUnpackedBatch(SourceWriter w) => w.Lines("""
        /// <summary>Scratch floats per stream FrozenStepBatch needs beyond FrozenStep's.</summary>
        public const int FrozenScratchPerStream = 0;

        /// <summary>The fewest streams from which a live batch steps on a packed copy with FrozenStepBatch: never, it has no packed batched kernel.</summary>
        public static int FrozenBatchMinimumStreams => int.MaxValue;

        /// <summary>One step of count streams on a frozen copy, in place: stream b's input at x[b·xStride…], its state at states[b·StateSize…].</summary>
        private static void FrozenStepBatch(ref float frozen, ref float x, int xStride, ref float states, ref float scratch, int count)
        {
            for (nint b = 0; b < count; b++)
            {
                FrozenStep(ref frozen, ref At(ref x, b * xStride), ref At(ref states, b * StateSize), ref scratch);
            }
        }
        """);

    /// <summary>Without a packed kernel, the batched training step is <c>StepBatch</c> on the parameters themselves.</summary>
    private static void EmitUnpackedRecording(SourceWriter w) => w.Lines("""

        /// <summary>Whether the batched training step runs on weights packed by Freeze: not for this layer (no packed kernel fits it).</summary>
        public static bool PacksForBatch => false;

        /// <summary>One recorded step of count streams: StepBatch on the parameters themselves (packed and sums are not used).</summary>
        private static void StepBatchPacked(ref float packed, ref float xs, int xStride, ref float previousRows, ref float nextRows, ref float activationRows, int activationsStride, ref float sums, int count) =>
            StepBatch(ref packed, ref xs, xStride, ref previousRows, ref nextRows, ref activationRows, activationsStride, count);
        """);

    /// <summary>
    /// The batched training step on weights packed by Freeze (once per sequence pass): per sub-tile (8 units on the
    /// Vector256 body, the whole tile of 16 on the Vector512 one), each chunk of packed columns serves every block of S
    /// streams, whose gate sums go to a per-stream row; then each stream's gate equations, recorded exactly as Step records them.
    /// </summary>
    private static void EmitPackedRecording(SourceWriter w, LayerKernels kernels, int tile)
    {
        Width[] bodies = BatchBodies(tile);
        string wide = Vector512First(bodies, "StepBatchPacked512(ref packed, ref xs, xStride, ref previousRows, ref nextRows, ref activationRows, activationsStride, ref sums, count)");
        w.Lines($$"""
            /// <summary>Whether the batched training step runs on weights packed by Freeze (the Vector256 path).</summary>
            public static bool PacksForBatch => PackedPath;

            /// <summary>Gate sums per stream of <see cref="StepBatchPacked"/>: a = b + W_ih·x + W_hh·h by gate{{kernels.PackedSumsNote}}.</summary>
            private const int GateSums = {{N(kernels.PackedSums)}} * HiddenSize;

            /// <summary>
            /// One recorded step of count streams on weights packed by Freeze: stream b reads xs + b·xStride and previousRows +
            /// b·StateSize, writes nextRows + b·StateSize and activationRows + b·activationsStride; sums holds count·GateSums floats.
            /// </summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            private static void StepBatchPacked(ref float packed, ref float xs, int xStride, ref float previousRows, ref float nextRows, ref float activationRows, int activationsStride, ref float sums, int count)
            {
                {{wide}}StepBatchPacked256(ref packed, ref xs, xStride, ref previousRows, ref nextRows, ref activationRows, activationsStride, ref sums, count);
            }
            """);
        foreach (Width body in bodies)
        {
            w.Line();
            EmitRecordingBody(w, kernels, body);
        }

        foreach (Width body in bodies)
        {
            for (int block = BlockStreams(kernels.Spec.Gates, body); block >= 1; block--)
            {
                w.Line();
                EmitSumsBlock(w, kernels, tile, block, body);
            }
        }
    }

    /// <summary>StepBatchPacked on one body: the sums per sub-tile of one vector per gate, then the recorded gate equations.</summary>
    private static void EmitRecordingBody(SourceWriter w, LayerKernels kernels, Width width)
    {
        int gates = kernels.Spec.Gates;
        int streams = BlockStreams(gates, width);
        string full = BlockStreamsName(width, bfloat16: false);
        string sums = BlockName("Sums", streams, width);
        string sumsCall(string z, string zStride, string bias, string first) =>
            $"ref chunk, ref At(ref {z}), {zStride}, n, ref {bias}, {first}, ref At(ref sums, b * GateSums + j)";
        w.Lines($$"""
            /// <summary>StepBatchPacked on {{width.PathName}}, sub-tiles of {{N(width.Lanes)}} units.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
            private static void StepBatchPacked{{width.Suffix}}(ref float packed, ref float xs, int xStride, ref float previousRows, ref float nextRows, ref float activationRows, int activationsStride, ref float sums, int count)
            {
                for (nint tile = 0; tile < Tiles; tile++)
                {
                    ref float inputColumns = ref At(ref packed, tile * TileInputWeights);
                    ref float recurrentColumns = ref At(ref packed, RecurrentWeightsOffset + tile * TileRecurrentWeights);
                    ref float bias = ref At(ref packed, PackedBiasOffset + tile * TileBiases);
                    for (nint sub = 0; sub < Tile; sub += {{N(width.Lanes)}})
                    {
                        nint j = tile * Tile + sub;
                        ref float subBias = ref At(ref bias, sub);
                        // a = b + W_ih·x, chunk by chunk
                        for (nint k0 = 0; k0 < InputSize; k0 += ChunkColumns)
                        {
                            int n = (int)global::System.Math.Min(ChunkColumns, InputSize - k0);
                            ref float chunk = ref At(ref inputColumns, k0 * TileColumn + sub);
                            nint b = 0;
                            for (; b + {{full}} <= count; b += {{full}})
                            {
                                {{sums}}({{sumsCall("xs, b * xStride + k0", "xStride", "subBias", "k0 == 0")}});
                            }

                            {{Remainder(streams, sumsCall("xs, b * xStride + k0", "xStride", "subBias", "k0 == 0"), 16, width, "Sums")}}
                        }

            """);
        if (kernels.PackedSetAside("At(ref sums, b * GateSums + j)", g => GateOffset(g, "HiddenSize"), width) is string setAside)
        {
            w.Lines(Indent(setAside, 12));
        }

        w.Lines($$"""
                        // a += W_hh·h, chunk by chunk
                        for (nint k0 = 0; k0 < HiddenSize; k0 += ChunkColumns)
                        {
                            int n = (int)global::System.Math.Min(ChunkColumns, HiddenSize - k0);
                            ref float chunk = ref At(ref recurrentColumns, k0 * TileColumn + sub);
                            nint b = 0;
                            for (; b + {{full}} <= count; b += {{full}})
                            {
                                {{sums}}({{sumsCall("previousRows, b * StateSize + k0", "StateSize", "subBias", "false")}});
                            }

                            {{Remainder(streams, sumsCall("previousRows, b * StateSize + k0", "StateSize", "subBias", "false"), 16, width, "Sums")}}
                        }
                    }
                }

                // The gate equations, stream by stream, recorded as Step records them
                for (nint b = 0; b < count; b++)
                {
                    ref float row = ref At(ref sums, b * GateSums);
                    ref float previous = ref At(ref previousRows, b * StateSize);
                    ref float next = ref At(ref nextRows, b * StateSize);
                    ref float activations = ref At(ref activationRows, b * activationsStride);
                    for (nint j = 0; j < HiddenSize; j += {{N(width.Lanes)}})
                    {
                        {{kernels.PackedBindings(g => width.Load("row", Plus(GateOffset(g, "HiddenSize"), "j")), width.Load("row", Plus(GateOffset(gates, "HiddenSize"), "j")))}}
            """);
        var update = new SourceWriter();
        kernels.EmitStateUpdate(update, width, StateTargets.Recording);
        w.Lines(Indent(update.ToString().TrimEnd('\n'), 12));
        w.Lines("""
                    }
                }
            }
            """);
    }

    /// <summary>S streams' gate sums over a chunk of packed columns, from the biases (first) or their sums so far.</summary>
    private static void EmitSumsBlock(SourceWriter w, LayerKernels kernels, int tile, int streams, Width width)
    {
        string[] gates = kernels.GateNames;
        string Offset(int g, int s) => string.Join(" + ", new[] { s == 0 ? null : $"{N(s)} * GateSums", g == 0 ? null : g == 1 ? "HiddenSize" : $"{N(g)} * HiddenSize" }.Where(t => t is not null).DefaultIfEmpty("0"));
        w.Line($"/// <summary>{N(streams)} stream{(streams == 1 ? "'s" : "s'")} gate sums over the chunk's first <paramref name=\"columns\"/> columns (stream s's inputs at zRows + s·zStride, sums at sums + s·GateSums).</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void {BlockName("Sums", streams, width)}(ref float chunk, ref float zRows, int zStride, int columns, ref float bias, bool first, ref float sums)"))
        {
            EmitColumnSums(w, gates, tile, streams, "sums", Offset, width);
            EmitStoreSums(w, gates, streams, "sums", Offset);
        }
    }

    /// <summary>The accumulator of gate g for stream s in a register block: a{gate}{s}.</summary>
    private static string Accumulator(string[] gates, int g, int s) => $"a{gates[g]}{N(s)}";

    /// <summary>
    /// A register block's sums over the chunk's columns: each accumulator starts from the tile's bias (first) or from
    /// <paramref name="sums"/> at <paramref name="offset"/>(g, s); then per packed column, each stream's z_k is broadcast
    /// once and each gate's weights loaded once for all streams. Inputs and columns go by reference, so the loop body is
    /// loads and FMAs only.
    /// </summary>
    private static void EmitColumnSums(SourceWriter w, string[] gates, int tile, int streams, string sums, System.Func<int, int, string> offset, Width width, bool bfloat16 = false)
    {
        string acc(int g, int s) => Accumulator(gates, g, s);
        for (int s = 0; s < streams; s++)
        {
            for (int g = 0; g < gates.Length; g++)
            {
                w.Line($"var {acc(g, s)} = first ? {width.Load("bias", N(g * tile))} : {width.Load(sums, offset(g, s))};");
            }
        }

        for (int s = 1; s < streams; s++)
        {
            w.Line($"ref float zRow{N(s)} = ref At(ref zRows, {(s == 1 ? "" : N(s) + " * ")}zStride);");
        }

        // Column k: each stream's z_k broadcast once, each gate's weights loaded once for all streams (a bfloat16 pair's
        // even or odd halves widened).
        void Column(string k, string? widen, string suffix)
        {
            for (int s = 0; s < streams; s++)
            {
                w.Line($"var z{N(s)}{suffix} = {width.Broadcast($"Load1(ref {(s == 0 ? "zRows" : $"zRow{N(s)}")}, {k})")};");
            }

            for (int g = 0; g < gates.Length; g++)
            {
                string load = width.Load("column", N(g * tile));
                w.Line($"var w{gates[g]}{suffix} = {(widen is null ? load : $"{widen}({load})")};");
                for (int s = 0; s < streams; s++)
                {
                    w.Line($"{acc(g, s)} = MultiplyAdd(w{gates[g]}{suffix}, z{N(s)}{suffix}, {acc(g, s)});");
                }
            }
        }

        w.Line("ref float column = ref chunk;");
        if (!bfloat16)
        {
            using (w.Block("for (nint k = 0; k < columns; k++, column = ref At(ref column, TileColumn))"))
            {
                Column("k", null, "");
            }

            return;
        }

        // Columns k and k + 1 share a packed column: k in its slots' upper halves, k + 1 in the lower ones.
        using (w.Block("for (nint k = 0; k + 1 < columns; k += 2, column = ref At(ref column, TileColumn))"))
        {
            Column("k", "EvenBFloat16", "");
            Column("k + 1", "OddBFloat16", "b");
        }

        using (w.Block("if ((columns & 1) != 0)"))
        {
            w.Line("// An odd count (W_ih's last chunk) ends with a pair whose lower halves are padding.");
            Column("columns - 1", "EvenBFloat16", "");
        }
    }

    /// <summary>Every accumulator of a register block back to <paramref name="sums"/> at <paramref name="offset"/>(g, s).</summary>
    private static void EmitStoreSums(SourceWriter w, string[] gates, int streams, string sums, System.Func<int, int, string> offset)
    {
        for (int s = 0; s < streams; s++)
        {
            for (int g = 0; g < gates.Length; g++)
            {
                w.Line($"Store({Accumulator(gates, g, s)}, ref {sums}, {offset(g, s)});");
            }
        }
    }

    /// <summary>The offset of gate block g: 0, size, 2 * size, ….</summary>
    private static string GateOffset(int g, string size) => g == 0 ? "0" : g == 1 ? size : $"{N(g)} * {size}";

    /// <summary>a + b, leaving out zeros.</summary>
    private static string Plus(string a, string b) => a == "0" ? b : b == "0" ? a : $"{a} + {b}";

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n').Select(line => line.Length == 0 ? line : new string(' ', spaces) + line));

    /// <summary>
    /// The packed step: on float32 columns, or (<paramref name="bfloat16"/>) on pairs of bfloat16 columns;
    /// <paramref name="hoisted"/> (float32 only): PackedStepProjected256, whose accumulators start from a row of
    /// FrozenProjectInputs (the biases and W_ih·x, in the biases' layout) and which streams only the W_hh columns.
    /// </summary>
    private static void EmitPackedStep(SourceWriter w, LayerKernels kernels, int tile, int vectors, bool hoisted, bool bfloat16 = false)
    {
        string format = bfloat16 ? "BFloat16" : "";
        LayerSpec spec = kernels.Spec;
        int accumulators = kernels.GateNames.Length * vectors;
        int sets = Sets(accumulators, bfloat16);
        var names = new List<string>();
        foreach (string gate in kernels.GateNames)
        {
            for (int v = 0; v < vectors; v++)
            {
                names.Add($"a{gate}{N(v)}");
            }
        }

        string m = kernels.Projected ? ", ref float m" : "";
        w.Line(hoisted
            ? "/// <summary>PackedStep256 with the input part (biases and W_ih·x) read from projected, a row of FrozenProjectInputs.</summary>"
            : kernels.Projected
                ? "/// <summary>One step on packed weights: h from previous, c updated in place in next, each unit's m into m, then h' = W_hr·m into next.</summary>"
                : "/// <summary>One step on packed weights: h from previous (a copy, or the state itself when there is one tile); c and h' into next.</summary>");
        if (bfloat16)
        {
            w.Line("/// <remarks>Each load of 8 slots holds two columns of bfloat16 weights: column 2p by EvenBFloat16, 2p + 1 by OddBFloat16.</remarks>");
        }

        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        string signature = hoisted ? $"PackedStepProjected256(ref float w, ref float projected, ref float previous, ref float next{m})"
            : $"{(bfloat16 ? "PackedStep256BFloat16" : "PackedStep256")}(ref float w, ref float x, ref float previous, ref float next{m})";
        using (w.Block($"private static void {signature}"))
        {
            w.Line(hoisted
                ? $"// Per tile of {N(tile)} hidden units: a = (b + W_ih·x, from projected) + W_hh·h for the tile's rows of every gate, one"
                : $"// Per tile of {N(tile)} hidden units: a = W·[x; h] + b for the tile's rows of every gate, one column at a time");
            w.Line(hoisted
                ? "// column at a time (broadcast h_k, multiply-add the column's contiguous weights), then the gate equations in registers."
                : "// (broadcast z_k, multiply-add the column's contiguous weights), then the gate equations in registers.");
            using (w.Block("for (nint tile = 0; tile < Tiles; tile++)"))
            {
                if (hoisted)
                {
                    EmitHoistedTileStart(w, kernels);
                    for (int a = 0; a < names.Count; a++)
                    {
                        w.Line($"var {names[a]} = Load256(ref input, {N(8 * a)});");
                    }
                }
                else
                {
                    w.Line(TileColumnStart(bfloat16));
                    w.Line($"ref float bias = ref At(ref w, PackedBiasOffset{format} + tile * TileBiases);");
                    w.Line(spec.Bias ? kernels.PackedBiasComment : "// no biases: the packed biases are zero");
                    for (int a = 0; a < names.Count; a++)
                    {
                        w.Line($"var {names[a]} = Load256(ref bias, {N(8 * a)});");
                    }
                }

                if (sets == 2)
                {
                    foreach (string name in names)
                    {
                        w.Line($"var {name}b = Broadcast256(0f);");
                    }
                }

                if (!hoisted)
                {
                    w.Line();
                    w.Line("// += W_ih·x");
                    (bfloat16 ? EmitColumnPairs : (ColumnsEmitter)EmitColumns)(w, Width.V256, names, sets, spec.Input, "x", "InputSize");
                }

                kernels.EmitPackedBetweenProducts(w, tile, vectors, sets);
                w.Line();
                w.Line("// += W_hh·h");
                if (!hoisted && !bfloat16)
                {
                    w.Line($"column = ref At(ref w, {RecurrentColumnsOfTile});   // every tile's W_ih columns come first");
                }

                (bfloat16 ? EmitColumnPairs : (ColumnsEmitter)EmitColumns)(w, Width.V256, names, sets, spec.Recurrent, "previous", kernels.Recurrent);

                if (sets == 2)
                {
                    w.Line();
                    w.Line("// The two alternating sets of column sums");
                    foreach (string name in names)
                    {
                        w.Line($"{name} += {name}b;");
                    }
                }

                w.Line();
                EmitUnitUpdates(w, kernels, Width.V256, Enumerable.Range(0, vectors).Select(v =>
                    ($"tile * Tile + {N(8 * v)}", kernels.PackedBindings(g => $"a{kernels.GateNames[g]}{N(v)}", $"anx{N(v)}"))).ToArray());
            }

            kernels.EmitPackedAfterTiles(w);
        }
    }

    /// <summary>
    /// The state updates of a tile's vectors of units (each: its first unit j, and its gate sums bound to the names
    /// <see cref="LayerKernels.EmitStateUpdate"/> reads), one block with their statements in turn: each vector's chain of
    /// activations then runs beside the others' instead of after them, which the out-of-order window does not reach on
    /// its own (in-process on a Zen 4, frozen LSTM (8,32): 0.95× the step's time with Vector512, 0.90× on Vector256). A
    /// vector's locals take its index as suffix; each computes what it did alone, so the floats are the same.
    /// </summary>
    private static void EmitUnitUpdates(SourceWriter w, LayerKernels kernels, Width width, IReadOnlyList<(string First, string Bindings)> units)
    {
        if (units.Count == 1)
        {
            using (w.Block(""))
            {
                w.Line($"nint j = {units[0].First};");
                w.Line(units[0].Bindings);
                kernels.EmitStateUpdate(w, width, StateTargets.Packed);
            }

            return;
        }

        var statements = new List<string>[units.Count];
        for (int v = 0; v < units.Count; v++)
        {
            var unit = new SourceWriter();
            unit.Line($"nint j = {units[v].First};");
            foreach (string binding in units[v].Bindings.Split([';'], StringSplitOptions.RemoveEmptyEntries))
            {
                unit.Line(binding.Trim() + ";");   // one statement per line, so the units' lines pair up
            }

            kernels.EmitStateUpdate(unit, width, StateTargets.Packed);
            statements[v] = WithSuffix(unit.ToString(), N(v));
        }

        var text = new StringBuilder();
        for (int line = 0; line < statements[0].Count; line++)
        {
            for (int v = 0; v < units.Count; v++)
            {
                (string code, string comment) = SplitComment(statements[v][line]);
                Match alias = Regex.Match(code, @"^var (\w+) = (\w+);$");
                if (alias.Success && alias.Groups[1].Value == alias.Groups[2].Value)
                {
                    continue;   // a gate sum already under the name the update reads
                }

                text.Append(v == 0 && comment.Length > 0 ? $"{code}  {comment}" : code).Append('\n');
            }
        }

        using (w.Block(""))
        {
            w.Lines(text.ToString().TrimEnd('\n'));
        }
    }

    /// <summary>The lines of one unit's update, every local it declares (var x, nint x) renamed x + suffix, comments left alone.</summary>
    private static List<string> WithSuffix(string update, string suffix)
    {
        string[] lines = update.TrimEnd('\n').Split('\n');
        var locals = new HashSet<string>();
        foreach (string line in lines)
        {
            foreach (Match declaration in Regex.Matches(line, @"\b(?:var|nint) (\w+) ="))
            {
                locals.Add(declaration.Groups[1].Value);
            }
        }

        var renamed = new List<string>(lines.Length);
        foreach (string line in lines)
        {
            (string code, string comment) = SplitComment(line);
            code = Regex.Replace(code, @"\b\w+\b", token => locals.Contains(token.Value) ? token.Value + suffix : token.Value);
            renamed.Add(comment.Length > 0 ? $"{code}  {comment}" : code);
        }

        return renamed;
    }

    /// <summary>An emitted line's code (trailing spaces trimmed) and its trailing comment from <c>//</c> on ("" when none).</summary>
    private static (string Code, string Comment) SplitComment(string line)
    {
        int at = line.IndexOf("//", StringComparison.Ordinal);
        return at < 0 ? (line.TrimEnd(), "") : (line.Substring(0, at).TrimEnd(), line.Substring(at));
    }

    /// <summary>Where a tile's W_hh columns start in the float32 packed layout: after every tile's W_ih columns (PackTiles).</summary>
    private const string RecurrentColumnsOfTile = "RecurrentWeightsOffset + tile * TileRecurrentWeights";

    /// <summary>A packed step's first column of the tile: its W_ih columns, or (<paramref name="bfloat16"/>) its pairs of columns of both products.</summary>
    private static string TileColumnStart(bool bfloat16) =>
        bfloat16 ? "ref float column = ref At(ref w, tile * TileWeightsBFloat16);" : "ref float column = ref At(ref w, tile * TileInputWeights);";

    /// <summary>A hoisted packed step's references for one tile: its W_hh columns, its biases (for a separate bias gate), its input parts.</summary>
    private static void EmitHoistedTileStart(SourceWriter w, LayerKernels kernels)
    {
        w.Line($"ref float column = ref At(ref w, {RecurrentColumnsOfTile});   // the W_hh columns");
        if (kernels.SeparateBiasGate >= 0)
        {
            w.Line("ref float bias = ref At(ref w, PackedBiasOffset + tile * TileBiases);");
        }

        w.Line("ref float input = ref At(ref projected, tile * TileColumn);");
        w.Line("// the input part: the packed biases + W_ih·x, computed beforehand");
    }

    /// <summary>
    /// acc += column_k · z_k for k in [0, count), one vector of <paramref name="width"/> per accumulator of a tile's column:
    /// columns advance through <c>column</c>; with two sets, column k feeds set k mod 2 (the second set's names end in b).
    /// Groups of <see cref="Unroll"/> columns (a multiple of the sets, so each group starts at set 0) are unrolled so every
    /// load has a constant offset; short products unroll fully.
    /// </summary>
    private static void EmitColumns(SourceWriter w, Width width, IReadOnlyList<string> names, int sets, int count, string z, string countName, string? pairedTile = null, Action<int>? afterColumn = null)
    {
        void Column(int offset, string zIndex, int set)
        {
            string value = $"z{N(offset)}";
            w.Line($"var {value} = {width.Broadcast($"Load1(ref {z}, {zIndex})")};");
            for (int a = 0; a < names.Count; a++)
            {
                string acc = set == 0 ? names[a] : names[a] + "b";
                string column = offset == 0 ? "" : offset == 1 ? "TileColumn" : $"{N(offset)} * TileColumn";
                w.Line($"{acc} = MultiplyAdd({width.Load("column", ColumnOffset(width, column, a, names.Count, pairedTile))}, {value}, {acc});");
            }
        }

        int grouped = count <= 2 * Unroll ? 0 : count - count % Unroll;
        if (grouped > 0)
        {
            using (w.Block(grouped == count ? $"for (nint k = 0; k < {countName}; k += {N(Unroll)})" : $"for (nint k = 0; k < {N(grouped)}; k += {N(Unroll)})"))
            {
                for (int c = 0; c < Unroll; c++)
                {
                    Column(c, c == 0 ? "k" : $"k + {N(c)}", c % sets);
                    afterColumn?.Invoke(c);
                }

                w.Line($"column = ref At(ref column, {N(Unroll)} * TileColumn);");
            }
        }

        if (grouped < count)
        {
            using (w.Block(""))
            {
                for (int c = 0; c < count - grouped; c++)
                {
                    Column(c, N(grouped + c), c % sets);
                }
            }

            w.Line($"column = ref At(ref column, {N(count - grouped)} * TileColumn);");
        }
    }

    /// <summary>
    /// Writes acc += column_k · z_k for k in [0, count) (<see cref="EmitColumns"/>, <see cref="EmitColumnPairs"/>); with
    /// <c>pairedTile</c>, the second half of the names are the next tile's accumulators, whose columns lie that far on.
    /// </summary>
    private delegate void ColumnsEmitter(SourceWriter w, Width width, IReadOnlyList<string> names, int sets, int count, string z, string countName, string? pairedTile = null, Action<int>? afterColumn = null);

    /// <summary>
    /// Where accumulator <paramref name="a"/> of <paramref name="count"/> loads its vector of a column, from <c>column</c>:
    /// the column's offset (<paramref name="column"/>, empty for the first) plus one vector per gate before it; the paired
    /// tile's accumulators (the second half) load theirs <paramref name="pairedTile"/> further on.
    /// </summary>
    private static string ColumnOffset(Width width, string column, int a, int count, string? pairedTile)
    {
        int perTile = pairedTile is null ? count : count / 2;
        int gate = a % perTile;
        string within = column.Length == 0 ? N(width.Lanes * gate) : gate == 0 ? column : $"{column} + {N(width.Lanes * gate)}";
        return a < perTile ? within : within == "0" ? pairedTile! : $"{pairedTile} + {within}";
    }

    /// <summary>
    /// <see cref="EmitColumns"/> on bfloat16 pairs: one load per accumulator and pair of columns, column k = 2p from the
    /// upper halves into set k mod 2 and k + 1 from the lower halves into the next, so each accumulator sums in the same order.
    /// </summary>
    private static void EmitColumnPairs(SourceWriter w, Width width, IReadOnlyList<string> names, int sets, int count, string z, string countName, string? pairedTile = null, Action<int>? afterColumn = null)
    {
        if (afterColumn is not null)
        {
            throw new ArgumentException("Nothing interleaves with the bfloat16 columns.", nameof(afterColumn));
        }

        // Columns offset and offset + 1 (when odd) of the group, from pair slot offset / 2.
        void Pair(int offset, string zIndex, string? oddIndex, int set)
        {
            w.Line($"var z{N(offset)} = {width.Broadcast($"Load1(ref {z}, {zIndex})")};");
            if (oddIndex is not null)
            {
                w.Line($"var z{N(offset + 1)} = {width.Broadcast($"Load1(ref {z}, {oddIndex})")};");
            }

            int pair = offset / 2;
            string column = pair == 0 ? "" : pair == 1 ? "TileColumn" : $"{N(pair)} * TileColumn";
            for (int a = 0; a < names.Count; a++)
            {
                string even = set == 0 ? names[a] : names[a] + "b", odd = set == 0 && sets == 2 ? names[a] + "b" : names[a];
                string slots = $"pair{N(pair)}{names[a]}";
                w.Line($"var {slots} = {width.Load("column", ColumnOffset(width, column, a, names.Count, pairedTile))};");
                w.Line($"{even} = MultiplyAdd(EvenBFloat16({slots}), z{N(offset)}, {even});");
                if (oddIndex is not null)
                {
                    w.Line($"{odd} = MultiplyAdd(OddBFloat16({slots}), z{N(offset + 1)}, {odd});");
                }
            }
        }

        string Index(string k, int c) => c == 0 ? k : $"{k} + {N(c)}";
        int grouped = count <= 2 * Unroll ? 0 : count - count % Unroll;
        if (grouped > 0)
        {
            using (w.Block(grouped == count ? $"for (nint k = 0; k < {countName}; k += {N(Unroll)})" : $"for (nint k = 0; k < {N(grouped)}; k += {N(Unroll)})"))
            {
                for (int c = 0; c < Unroll; c += 2)
                {
                    Pair(c, Index("k", c), Index("k", c + 1), c % sets);
                }

                w.Line($"column = ref At(ref column, {N(Unroll / 2)} * TileColumn);");
            }
        }

        int left = count - grouped;
        if (left > 0)
        {
            using (w.Block(""))
            {
                for (int c = 0; c < left; c += 2)
                {
                    Pair(c, N(grouped + c), c + 1 < left ? N(grouped + c + 1) : null, c % sets);
                }
            }

            w.Line($"column = ref At(ref column, {N((left + 1) / 2)} * TileColumn);");
        }
    }

    /// <summary>The tile whose packed step also has a Vector512 body: one vector of 16 units per gate.</summary>
    private const int Packed512Tile = 16;

    /// <summary>Steps of the next block a hoisted step projects ahead (RnnGen.Generated.ILayerKernels.AheadSteps): one accumulator each.</summary>
    private const int AheadAccumulators = 8;

    /// <summary>
    /// Whether a Vector512 packed body takes two tiles per pass: with one set of sums a tile has fewer independent FMA
    /// chains than the pipes need in flight (a GRU 3, an LSTM 4), so two go through their columns together, each
    /// accumulator still summing its terms in the same order. Not on float32 weights that stream from L2
    /// (<see cref="StreamsFromL2"/>) with more than 2 · <see cref="Unroll"/> input columns: there one tile per pass,
    /// reading each product as one stream, measured faster (in-process on the Zen 4, LSTM (64,128): step 1,942 ns, paired 2,771);
    /// with a short W_ih·x the extra chains still pay (LSTM (8,48): 163 ns paired, 198 not; (8,64) level).
    /// </summary>
    private static bool PairsTiles512(LayerKernels kernels, bool bfloat16) =>
        Sets(kernels.GateNames.Length * (Packed512Tile / 8), bfloat16) == 1 && kernels.GateNames.Length < Chains && kernels.Spec.Hidden / Packed512Tile >= 2
        && (bfloat16 || !StreamsFromL2(kernels.Spec) || kernels.Spec.Input <= 2 * Unroll);

    /// <summary>Whether a layer's float32 weights, more than one tile of 16 of them, outgrow L1 (32 KB) and stream from L2.</summary>
    private static bool StreamsFromL2(LayerSpec spec) =>
        spec.Hidden / Packed512Tile > 1 && (long)spec.Gates * spec.Hidden * (spec.Input + spec.Recurrent) * sizeof(float) > 32 * 1024;

    /// <summary>
    /// Whether the hoisted step projects the next block ahead (PackedStepProjectedAhead512): tiles of 16 (so a Vector512
    /// body), no projection, W_hh columns in whole groups of <see cref="Unroll"/>, and where the body pairs tiles (an
    /// LSTM of two or more) an even count of them. The next block has G · Tiles units (one gate of one tile for 8 steps):
    /// paired passes match them one to one (Tiles / 2 passes × 8 steps); with a tile per pass, the passes of the block's
    /// first G steps carry them.
    /// </summary>
    public static bool ProjectsAhead(LayerKernels kernels) =>
        TileFor(kernels.Spec) == Packed512Tile && !kernels.Projected
        && (!PairsTiles512(kernels, bfloat16: false) || kernels.Spec.Hidden / Packed512Tile % 2 == 0)
        && kernels.Spec.Recurrent % Unroll == 0 && kernels.Spec.Recurrent > 2 * Unroll;

    /// <summary>
    /// For tiles of 16 units: <c>PackedStep</c>, which runs <c>PackedStep512</c> where Vector512 is accelerated and
    /// <c>PackedStep256</c> elsewhere, and the Vector512 body; <paramref name="hoisted"/>: the same for
    /// <c>PackedStepProjected</c>, whose accumulators start from a row of FrozenProjectInputs; <paramref name="bfloat16"/>:
    /// <c>PackedStepBFloat16</c> over <c>PackedStep256BFloat16</c> and <c>PackedStep512BFloat16</c>, two columns per load of
    /// slots (<see cref="EmitColumnPairs"/>). Same packed layout, so
    /// Freeze is the same on both; each gate's 16 units of a column are one Vector512 instead of two Vector256, and the
    /// results are the 256-bit body's bit for bit. Where the 256-bit body sums in one set, a tile has only one chain per gate
    /// (3 for a GRU, 4 for an LSTM): those bodies take two tiles per pass, which keeps every sum's order. The batched and
    /// recording packed kernels stay 256-bit. <paramref name="ahead"/>: only <c>PackedStepProjectedAhead512</c>, the
    /// Vector512 hoisted body that also projects the next block (<see cref="ProjectsAhead"/>).
    /// </summary>
    private static void EmitPackedStep512(SourceWriter w, LayerKernels kernels, bool hoisted, bool bfloat16 = false, bool ahead = false)
    {
        LayerSpec spec = kernels.Spec;
        string m = kernels.Projected ? ", ref float m" : ahead ? ", int step, ref float xsAhead, ref float projectedAhead" : "";
        string mArgument = kernels.Projected ? ", ref m" : "";
        string name = ahead ? "PackedStepProjectedAhead" : hoisted ? "PackedStepProjected" : bfloat16 ? "PackedStepBFloat16" : "PackedStep";
        string Body(int bits) => bfloat16 ? $"PackedStep{bits}BFloat16" : $"{name}{bits}";
        string format = bfloat16 ? "BFloat16" : "";
        string source = hoisted ? "projected" : "x";
        string[] names = [.. kernels.GateNames.Select(gate => $"a{gate}0")];   // as the 256-bit body's first vector: ai… are the bindings' names
        // The sets the 256-bit body uses for this tile (two Vector256 per gate): every lane then sums the same terms in the
        // same order, so both bodies give the same floats bit for bit, as the 256-bit batched kernels require of a single step.
        int sets = Sets(kernels.GateNames.Length * (Packed512Tile / 8), bfloat16);
        string what = hoisted ? "hoisted packed step" : bfloat16 ? "packed step on bfloat16 weights" : "packed step";
        int tiles = spec.Hidden / Packed512Tile;
        bool pairTiles = PairsTiles512(kernels, bfloat16);
        if (ahead)
        {
            EmitAheadBody();
            return;
        }

        w.Lines($$"""
            /// <summary>The {{what}} on the widest accelerated path: Vector512 (one vector per gate of a tile), else Vector256.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void {{name}}(ref float w, ref float {{source}}, ref float previous, ref float next{{m}})
            {
                if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) {{Body(512)}}(ref w, ref {{source}}, ref previous, ref next{{mArgument}});
                else {{Body(256)}}(ref w, ref {{source}}, ref previous, ref next{{mArgument}});
            }

            """);
        w.Line($"/// <summary>{Body(256)} with one Vector512 per gate of a tile of 16 units{(pairTiles ? ", two tiles at a time" : "")}.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void {Body(512)}(ref float w, ref float {source}, ref float previous, ref float next{m})"))
        {
            using (w.Block(pairTiles ? "for (nint tile = 0; tile + 1 < Tiles; tile += 2)" : "for (nint tile = 0; tile < Tiles; tile++)"))
            {
                Tiles(pairTiles);
            }

            if (pairTiles && tiles % 2 == 1)
            {
                w.Line();
                using (w.Block(""))
                {
                    w.Line("nint tile = Tiles - 1;   // the last, unpaired tile");
                    Tiles(paired: false);
                }
            }

            kernels.EmitPackedAfterTiles(w);
        }

        // PackedStepProjected512 whose passes also compute units of the next block's input parts (ProjectsAhead).
        void EmitAheadBody()
        {
            string passes = pairTiles ? "two tiles per pass" : "one tile per pass";
            string order = pairTiles
                ? "Units go step · Tiles / 2 + pass, so the block's passes cover every tile and gate"
                : "Units go step · Tiles + pass, so the passes of the block's first G steps cover every tile and gate";
            w.Lines($$"""
                /// <summary>
                /// PackedStepProjected512 ({{passes}}) for step <c>step</c> of a block of AheadSteps, a pass also computing one
                /// unit of the next block's input parts: one gate of one tile for the AheadSteps inputs at xsAhead (InputSize
                /// apart), its W_ih columns interleaved with the W_hh columns, so the FMAs run while W_hh streams in from L2.
                /// {{order}}; each unit sums its bias and then W_ih's columns in order, as PackedInputProjection does: the
                /// same floats.
                /// </summary>
                [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
                """);
            using (w.Block($"private static void {Body(512)}(ref float w, ref float projected, ref float previous, ref float next{m})"))
            {
                using (w.Block(pairTiles ? "for (nint tile = 0; tile + 1 < Tiles; tile += 2)" : "for (nint tile = 0; tile < Tiles; tile++)"))
                {
                    w.Line(pairTiles ? "nint unit = step * (Tiles / 2) + (tile >> 1);   // this pass's unit of the next block" : "nint unit = step * Tiles + tile;   // this pass's unit of the next block, if any");
                    Tiles(paired: pairTiles, ahead: true);
                }
            }
        }

        // The unit's start: gate unitGate of tile unitTile, its W_ih columns and packed bias, one accumulator per input.
        void AheadStart()
        {
            w.Line("nint unitTile = unit % Tiles, unitGate = unit / Tiles;");
            w.Line("ref float aheadColumn = ref At(ref w, unitTile * TileInputWeights + unitGate * 16);");
            w.Line("ref float aheadInput = ref xsAhead;");
            w.Line("var ahead0 = Load512(ref w, PackedBiasOffset + unitTile * TileBiases + unitGate * 16);");
            w.Line(string.Join(" ", Enumerable.Range(1, AheadAccumulators - 1).Select(s => $"var ahead{N(s)} = ahead0;")));
        }

        // acc_s += one W_ih column × x_s[k] for the AheadSteps inputs s, then on to the next column and input.
        void AheadColumn(bool scoped = true)
        {
            if (scoped)
            {
                using (w.Block(""))
                {
                    AheadColumn(scoped: false);
                }

                return;
            }

            w.Line("var aheadWeights = Load512(ref aheadColumn, 0);");
            for (int s = 0; s < AheadAccumulators; s++)
            {
                string offset = s == 0 ? "0" : s == 1 ? "InputSize" : $"{N(s)} * InputSize";
                w.Line($"ahead{N(s)} = MultiplyAdd(aheadWeights, Broadcast512(Load1(ref aheadInput, {offset})), ahead{N(s)});");
            }

            w.Line("aheadColumn = ref At(ref aheadColumn, TileColumn);");
            w.Line("aheadInput = ref At(ref aheadInput, 1);");
        }

        // The tile (and with paired, the next one too): its accumulators through every column, then the gate equations.
        void Tiles(bool paired, bool ahead = false)
        {
            string[] second = paired ? [.. kernels.GateNames.Select(gate => $"a{gate}1")] : [];
            string[] all = [.. names, .. second];
            // The second tile's columns lie one tile's columns of the product further on (both products, on bfloat16).
            string? inputPair = paired ? (bfloat16 ? "TileWeightsBFloat16" : "TileInputWeights") : null;
            string? pairedTile = paired ? (bfloat16 ? "TileWeightsBFloat16" : "TileRecurrentWeights") : null;
            if (hoisted)
            {
                EmitHoistedTileStart(w, kernels);
            }
            else
            {
                w.Line(TileColumnStart(bfloat16));
                w.Line($"ref float bias = ref At(ref w, PackedBiasOffset{format} + tile * TileBiases);");
                w.Line(spec.Bias ? kernels.PackedBiasComment : "// no biases: the packed biases are zero");
            }

            // The next tile's starts lie one tile's column (hoisted) or biases further on.
            string start = hoisted ? "input" : "bias", next = hoisted ? "TileColumn" : "TileBiases";
            for (int a = 0; a < all.Length; a++)
            {
                int gate = a % names.Length;
                string offset = a < names.Length ? N(Packed512Tile * gate) : gate == 0 ? next : $"{next} + {N(Packed512Tile * gate)}";
                w.Line($"var {all[a]} = Load512(ref {start}, {offset});");
            }

            if (sets == 2)
            {
                w.Line(string.Join(" ", names.Select(n => $"var {n}b = Broadcast512(0f);")));
            }

            if (!hoisted)
            {
                w.Line();
                w.Line("// += W_ih·x");
                Columns(all, spec.Input, "x", "InputSize", inputPair);
            }

            string[] asides = ["", ""];
            if (kernels.SeparateBiasGate >= 0)
            {
                // The separate gate (a GRU's n) keeps its input part aside and restarts from its recurrent bias.
                w.Line();
                for (int t = 0; t < (paired ? 2 : 1); t++)
                {
                    string n = (t == 0 ? names : second)[kernels.SeparateBiasGate];
                    asides[t] = $"a{kernels.GateNames[kernels.SeparateBiasGate]}x{N(t)}";   // an0 → anx0
                    w.Line($"var {asides[t]} = {string.Join(" + ", Enumerable.Range(0, sets).Select(set => set == 0 ? n : n + "b"))};   // the input part, kept apart");
                    w.Line($"{n} = Load512(ref bias, {(t == 0 ? "" : "TileBiases + ")}{N(Packed512Tile * names.Length)});");
                }

                if (sets == 2)
                {
                    w.Line($"{names[kernels.SeparateBiasGate]}b = Broadcast512(0f);");
                }
            }

            w.Line();
            if (!hoisted && !bfloat16)
            {
                w.Line($"column = ref At(ref w, {RecurrentColumnsOfTile});   // every tile's W_ih columns come first");
            }

            if (!ahead)
            {
                w.Line("// += W_hh·h");
                Columns(all, spec.Recurrent, "previous", kernels.Recurrent, pairedTile);
            }
            else if (paired)
            {
                WithUnit();
            }
            else
            {
                using (w.Block($"if (unit < {N(names.Length)} * Tiles)"))
                {
                    WithUnit();
                }

                using (w.Block("else"))
                {
                    w.Line("// += W_hh·h");
                    Columns(all, spec.Recurrent, "previous", kernels.Recurrent, pairedTile);
                }
            }

            // The W_hh columns with the unit's W_ih columns spread over their groups (the rest after the loop), then its rows.
            void WithUnit()
            {
                AheadStart();
                w.Line("// += W_hh·h, the unit's W_ih columns in between");
                int groups = spec.Recurrent / Unroll, perGroup = spec.Input / groups, interleaved = groups * perGroup;
                Columns(all, spec.Recurrent, "previous", kernels.Recurrent, pairedTile, c =>
                {
                    for (int j = 0; j < perGroup; j++)
                    {
                        if (j * Unroll / perGroup == c)
                        {
                            AheadColumn();
                        }
                    }
                });
                if (interleaved < spec.Input)
                {
                    using (w.Block(interleaved == 0 ? "for (nint k = 0; k < InputSize; k++)" : $"for (nint k = {N(interleaved)}; k < InputSize; k++)"))
                    {
                        AheadColumn(scoped: false);
                    }
                }

                w.Line("ref float aheadRow = ref At(ref projectedAhead, unitTile * TileColumn + unitGate * 16);");
                w.Line(string.Join(" ", Enumerable.Range(0, AheadAccumulators).Select(s => $"Store(ahead{N(s)}, ref aheadRow, {(s == 0 ? "0" : s == 1 ? "GateRows" : $"{N(s)} * GateRows")});")));
            }

            if (sets == 2)
            {
                w.Line();
                w.Line("// The two alternating sets of column sums");
                foreach (string n in names)
                {
                    w.Line($"{n} += {n}b;");
                }
            }

            w.Line();
            EmitUnitUpdates(w, kernels, Width.V512, Enumerable.Range(0, paired ? 2 : 1).Select(t =>
                (t == 0 ? "tile * Tile" : "(tile + 1) * Tile", kernels.PackedBindings(g => (t == 0 ? names : second)[g], asides[t]))).ToArray());
        }

        void Columns(string[] accumulators, int count, string z, string countName, string? pairedTile, Action<int>? between = null) =>
            (bfloat16 ? EmitColumnPairs : (ColumnsEmitter)EmitColumns)(w, Width.V512, accumulators, sets, count, z, countName, pairedTile, between);
    }
}
