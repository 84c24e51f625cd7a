using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Emitting;

/// <summary>One operand of a row-block product: the rows of a weight matrix (at a parameter offset) times a vector.</summary>
internal sealed record ProductSource(string WeightsOffset, int Columns, string ColumnsName, string Vector, string TailName, string RowsName);

/// <summary>
/// Emits the matrix loops every cell needs, on a row-major [rows, columns] matrix inside the parameter array.
/// Lengths that are not a multiple of the vector width end in an overlapping last vector: recomputed where
/// the loop overwrites its output, masked where it accumulates. A dimension narrower than one vector
/// falls back to the scalar width for that loop only. Loop indices are <c>nint</c> and each block takes a
/// reference to its first row, so every load is one instruction with a constant displacement.
/// </summary>
internal static class MatrixEmitter
{
    /// <summary>
    /// A helper returning Σ sources W[r…r+lanes−1, :]·v + Σ biases b[r…]: one vector of a gate block's
    /// pre-activations, computed as dot products of whole rows (PyTorch's row-major layout, read in place).
    /// Each of the lanes rows gets its own accumulator; one reduction turns them into the vector of sums.
    /// Columns that are not a multiple of the width end in an overlapping vector whose input is masked; fewer
    /// columns than lanes are walked one column at a time as strided gathers.
    /// </summary>
    public static void RowsHelper(SourceWriter w, Width width, string name, string summary, IReadOnlyList<ProductSource> sources, IReadOnlyList<string> biasOffsets)
    {
        string type = width.IsScalar ? "float" : $"global::System.Runtime.Intrinsics.Vector{width.Suffix}<float>";
        string parameters = string.Join(", ", sources.Select(s => $"ref float {s.Vector}"));
        bool inDouble = width == Width.V128 && sources.Any(s => s.Columns >= width.Lanes);
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(width == Width.V512 ? Kernel.OutOfLine : Kernel.AggressiveInlining);
        using (w.Block($"private static {type} {name}{width.Suffix}(ref float w, nint r, {parameters})"))
        {
            if (inDouble)
            {
                // Without FMA a·b + c rounds twice, which saturating gates take past float32 parity: AVX without FMA sums in
                // double, out of line (inlined, its locals took a step past the JIT's limit, which then inlined nothing).
                w.Line("// AVX without FMA: the products in double, out of line (a JIT-time constant)");
                using (w.Block($"if (ProductsInDouble{width.Suffix})"))
                {
                    w.Line($"return {name}InDouble{width.Suffix}(ref w, r, {string.Join(", ", sources.Select(s => $"ref {s.Vector}"))});");
                }

                w.Line();
            }

            RowsBody(w, width, sources, biasOffsets, inDouble: false);
        }

        if (inDouble)
        {
            w.Line();
            w.Line($"/// <summary>{name}{width.Suffix} with the whole-vector products summed in double (AVX without FMA).</summary>");
            w.Line(Kernel.OutOfLine);
            using (w.Block($"private static {type} {name}InDouble{width.Suffix}(ref float w, nint r, {parameters})"))
            {
                RowsBody(w, width, sources, biasOffsets, inDouble: true);
            }
        }
    }

    /// <summary>
    /// The body of a <see cref="RowsHelper"/>: references to each source's rows, the whole-vector products (in float with
    /// FMA, or <paramref name="inDouble"/>) reduced and added to the biases, then the narrower sources.
    /// </summary>
    private static void RowsBody(SourceWriter w, Width width, IReadOnlyList<ProductSource> sources, IReadOnlyList<string> biasOffsets, bool inDouble)
    {
        foreach (ProductSource s in sources)
        {
            w.Line($"ref float {s.RowsName} = ref At(ref w, {Plus(s.WeightsOffset, $"r * {s.ColumnsName}")});");
        }

        int lanes = width.Lanes;
        var wide = width.IsScalar ? [] : sources.Where(s => s.Columns >= lanes).ToList();
        var half = width.IsScalar ? [] : sources.Where(s => s.Columns < lanes && width.Fitting(s.Columns) == Width.V256).ToList();

        // The biases are added to each other off the critical path, then once to the reduced sums.
        string biases = string.Join(" + ", biasOffsets.Select(b => width.Load("w", $"{b} + r")));
        string plusBiases = biasOffsets.Count == 0 ? "" : $" + {(biasOffsets.Count > 1 ? $"({biases})" : biases)}";
        if (wide.Count == 0)
        {
            w.Line($"var sum = {(biasOffsets.Count == 0 ? width.Zero : biases)};");
        }
        else
        {
            // Vector256 needs AVX2 and Vector512 AVX-512, and every x86 CPU with either has FMA too; Vector128 may lack it.
            WideProducts(w, width, wide, inDouble);
        }

        if (wide.Count > 0 && half.Count == 1)
        {
            // One narrow source next to wide ones: its 256-bit products join each row's folded accumulator, one reduction.
            w.Line("global::System.Runtime.Intrinsics.Vector512<float> sum;");
            HalfWidthProducts(w, half[0], folded: true, plusBiases);
        }
        else
        {
            if (wide.Count > 0)
            {
                w.Line(inDouble ? $"var sum = SumEachWide{width.Suffix}({Accumulators(lanes)}){plusBiases};" : $"var sum = SumEach({Accumulators(lanes)}){plusBiases};");
            }

            foreach (ProductSource s in half)
            {
                HalfWidthProducts(w, s, folded: false, "");
            }
        }

        foreach (ProductSource s in width.IsScalar ? sources : sources.Where(s => s.Columns < lanes && !half.Contains(s)))
        {
            // Scalar, or fewer columns than lanes: walk the columns, each a strided gather of the block's rows.
            string column = width.IsScalar ? $"Load1(ref {s.RowsName}, k)"
                : s.Columns == 1 ? width.Load(s.RowsName, "0")
                : $"Gather{width.Suffix}(ref {s.RowsName}, k, {s.ColumnsName})";
            using (w.Block($"for (nint k = 0; k < {s.ColumnsName}; k++)"))
            {
                w.Line($"sum = MultiplyAdd({column}, {width.Broadcast($"Load1(ref {s.Vector}, k)")}, sum);");
            }
        }

        w.Line("return sum;");
    }

    /// <summary>
    /// For <see cref="RowsHelper"/> on the Vector512 path, a source of 8…15 columns (too few for one Vector512 of them):
    /// the block's 16 rows as 256-bit dot products b0…b15, the overlapping last vector masked, instead of 16-lane strided
    /// gathers one column at a time, reduced eight rows at a time. Alone, the reduced products are added to <c>sum</c>;
    /// <paramref name="folded"/>, each b starts from its row's wide accumulator with its two halves added (the 512-bit
    /// reduction's first level), so one reduction gives <c>sum</c> (declared by the caller) for both sources.
    /// </summary>
    private static void HalfWidthProducts(SourceWriter w, ProductSource s, bool folded, string plusBiases)
    {
        Width half = Width.V256;
        string rowOffset(int i) => i == 0 ? "0" : i == 1 ? s.ColumnsName : $"{N(i)} * {s.ColumnsName}";
        using SourceWriter.Scope scope = w.Block("");
        w.Line(folded
            ? $"// {s.ColumnsName} fills no Vector512: its products as 256-bit row dot products onto each row's folded accumulator"
            : $"// {s.ColumnsName} fills no Vector512: its products as 256-bit row dot products, eight rows per reduction");
        w.Line($"var v = {half.Load(s.Vector, "0")};");
        for (int i = 0; i < Width.V512.Lanes; i++)
        {
            w.Line(folded
                ? $"var b{N(i)} = MultiplyAdd({half.Load(s.RowsName, rowOffset(i))}, v, Fold(a{N(i)}));"
                : $"var b{N(i)} = {half.Load(s.RowsName, rowOffset(i))} * v;");
        }

        if (s.Columns % half.Lanes != 0)
        {
            string last = $"{s.ColumnsName} - {N(half.Lanes)}";
            w.Line($"var tail = {half.Load(s.Vector, last)} & TailMask256({s.ColumnsName} % {N(half.Lanes)});   // the overlapping last vector: zero in the columns already counted");
            for (int i = 0; i < Width.V512.Lanes; i++)
            {
                w.Line($"b{N(i)} = MultiplyAdd({half.Load(s.RowsName, Plus(rowOffset(i), last))}, tail, b{N(i)});");
            }
        }

        const string reduced = "global::System.Runtime.Intrinsics.Vector512.Create(SumEach(b0, b1, b2, b3, b4, b5, b6, b7), SumEach(b8, b9, b10, b11, b12, b13, b14, b15))";
        w.Line(folded ? $"sum = {reduced}{plusBiases};" : $"sum += {reduced};");
    }

    private static string Accumulators(int lanes) => string.Join(", ", Enumerable.Range(0, lanes).Select(i => "a" + i));

    /// <summary>
    /// The products of <see cref="RowsHelper"/>'s whole-vector sources into accumulators a0…: one per row of the block,
    /// in float with MultiplyAdd, or (<paramref name="inDouble"/>) in double, each vector of columns widened once.
    /// </summary>
    private static void WideProducts(SourceWriter w, Width width, IReadOnlyList<ProductSource> wide, bool inDouble)
    {
        int lanes = width.Lanes;
        string Vector(string load) => inDouble ? $"Widen{width.Suffix}({load})" : load;
        bool first = true;   // the first chunk starts the accumulators with a product instead of an FMA onto zero
        foreach (ProductSource s in wide)
        {
            string rowOffset(int i) => i == 0 ? "0" : i == 1 ? s.ColumnsName : $"{i} * {s.ColumnsName}";
            string prefix = "v" + s.TailName.Substring(0, 1);   // vx…, vh…
            void Chunk(string k, string vector)
            {
                for (int i = 0; i < lanes; i++)
                {
                    string product = width.Load(s.RowsName, Plus(rowOffset(i), k));
                    w.Line(inDouble
                        ? first ? $"var a{i} = WideMultiply{width.Suffix}({product}, {vector});" : $"a{i} = WideMultiplyAdd{width.Suffix}({product}, {vector}, a{i});"
                        : first ? $"var a{i} = {product} * {vector};" : $"a{i} = MultiplyAdd({product}, {vector}, a{i});");
                }

                first = false;
            }

            // Short rows are unrolled completely; long ones loop two vectors at a time.
            int chunks = s.Columns / lanes;
            int unrolled = chunks <= 4 ? chunks : first ? 1 : 0;
            for (int c = 0; c < unrolled; c++)
            {
                string k = (c * lanes).ToString(System.Globalization.CultureInfo.InvariantCulture);
                string v = prefix + k;
                w.Line($"var {v} = {Vector(width.Load(s.Vector, k))};");
                Chunk(k, v);
            }

            if (unrolled < chunks)
            {
                int pairs = (chunks - unrolled) / 2;
                string start = (unrolled * lanes).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (pairs > 0)
                {
                    using (w.Block($"for (nint k = {start}; k <= {s.ColumnsName} - {2 * lanes}; k += {2 * lanes})"))
                    {
                        w.Line($"var v = {Vector(width.Load(s.Vector, "k"))};");
                        Chunk("k", "v");
                        w.Line($"var u = {Vector(width.Load(s.Vector, $"k + {lanes}"))};");
                        Chunk($"k + {lanes}", "u");
                    }
                }

                if ((chunks - unrolled) % 2 == 1)
                {
                    string k = ((chunks - 1) * lanes).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    w.Line($"var {prefix}Last = {Vector(width.Load(s.Vector, k))};");
                    Chunk(k, $"{prefix}Last");
                }
            }

            if (s.Columns % lanes != 0)
            {
                w.Line($"// the last {lanes} columns overlap the ones before; the tail is zero in the lanes already counted");
                w.Line($"var {s.TailName} = {Vector($"{width.Load(s.Vector, $"{s.ColumnsName} - {lanes}")} & TailMask{width.Suffix}({s.ColumnsName} % {lanes})")};");
                Chunk($"{s.ColumnsName} - {lanes}", s.TailName);
            }
        }
    }

    /// <summary>
    /// A helper returning W[r, :]·v + b[r] for one row: a dot product along the row, one vector of columns at a time (the
    /// overlapping last one masked), reduced once. For a matrix with fewer rows than lanes, whose rows RowsHelper cannot
    /// take a vector at a time; it needs at least lanes columns.
    /// </summary>
    public static void RowHelper(SourceWriter w, Width width, string name, string summary, ProductSource source, string biasOffset)
    {
        int lanes = width.Lanes;
        string columns = source.ColumnsName, last = $"{columns} - {N(lanes)}";
        w.Line($"/// <summary>{summary}</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        using (w.Block($"private static float {name}{width.Suffix}(ref float w, nint r, ref float {source.Vector})"))
        {
            w.Line($"ref float {source.RowsName} = ref At(ref w, {Plus(source.WeightsOffset, $"r * {columns}")});");
            w.Line($"var a = {width.Zero};");
            using (w.Block($"for (nint k = 0; k <= {last}; k += {N(lanes)})"))
            {
                w.Line($"a = MultiplyAdd({width.Load(source.RowsName, "k")}, {width.Load(source.Vector, "k")}, a);");
            }

            if (source.Columns % lanes != 0)
            {
                w.Line($"var {source.TailName} = {width.Load(source.Vector, last)} & TailMask{width.Suffix}({columns} % {N(lanes)});   // the overlapping last vector: zero in the columns already counted");
                w.Line($"a = MultiplyAdd({width.Load(source.RowsName, last)}, {source.TailName}, a);");
            }

            w.Line($"return Sum(a) + Load1(ref w, {biasOffset} + r);");
        }
    }

    /// <summary>Column vectors per iteration of the backward loops: 2 × G accumulators keep both FMA pipes busy.</summary>
    private const int ColumnUnroll = 2;

    /// <summary>
    /// dst[c] = (addend[c] +) Σ_r W[r, c]·da[r] for c in [0, columns): the transposed product of backpropagation.
    /// Rows are summed per gate block, two column vectors at a time, into independent accumulators. With
    /// <paramref name="flush"/>, results below 1e-30 are stored as zero (the recurrent gradient feeds the next step).
    /// </summary>
    public static void TransposedProduct(SourceWriter w, Width width, MatrixOperand weights, VectorOperand da, string dst, string? addend, bool flush)
    {
        if (!width.IsScalar && weights.Columns >= RowStreamingColumns * width.Lanes)
        {
            TransposedProductBlocked(w, width, weights, da, dst, addend, flush);
            return;
        }

        (int gates, string columnsName, string rowsName) = (weights.Gates, weights.ColumnsName, weights.RowsName);
        ColumnLoops(w, ref width, weights.Columns, columnsName, masked: false, (unroll, _) =>
        {
            w.Line(string.Join(" ", Gates(gates, unroll).Select(a => $"var {a} = {width.Zero};")));
            using (w.Block($"for (nint j = 0; j < {rowsName}; j++)"))
            {
                w.Line($"ref float row = ref At(ref w, {Plus(weights.Offset, $"j * {columnsName} + c")});{FirstGateBlock(gates, "W")}");
                w.Line($"ref float dRow = ref At(ref {da.Name}, {Plus(da.Offset, "j")});");
                for (int g = 0; g < gates; g++)
                {
                    w.Line($"var d{g} = {width.Broadcast($"Load1(ref dRow, {GateOffset(g, rowsName)})")};");
                    for (int u = 0; u < unroll; u++)
                    {
                        w.Line($"s{g}{u} = MultiplyAdd({width.Load("row", Plus(GateOffset(g, $"{rowsName} * {columnsName}"), ColumnOffset(u, width)))}, d{g}, s{g}{u});");
                    }
                }
            }

            for (int u = 0; u < unroll; u++)
            {
                string sum = string.Join(" + ", Enumerable.Range(0, gates).Select(g => $"s{g}{u}"));
                string column = Plus("c", ColumnOffset(u, width));
                if (addend is not null)
                {
                    sum = $"{width.Load(addend, column)} + {sum}";
                }

                w.Line(flush ? $"Store(FlushTiny({sum}), ref {dst}, {column});" : $"Store({sum}, ref {dst}, {column});");
            }
        });
    }

    /// <summary>Registers a vector kernel may count on (AVX2's and SSE's 16).</summary>
    private const int Registers = 16;

    /// <summary>Floats of a chunk of weight rows that stays in L1 while every block of streams uses it (16 KB).</summary>
    private const int ChunkFloats = 4096;

    /// <summary>Column vectors per register block of a batched transposed product, for a product of <paramref name="columns"/> columns.</summary>
    public static int BatchedVectors(Width width, int columns) => Math.Min(4, columns / width.Lanes);

    /// <summary>Streams per register block: V·S accumulators + S broadcasts + 1 weight ≤ 16 registers.</summary>
    public static int BatchedStreams(int vectors) => (Registers - 1) / (vectors + 1);

    /// <summary>
    /// dst[b, c] = (addend[b, c] +) Σ_r W[r, c]·da[b, r] for every stream b of count, over the gate blocks' rows: the
    /// transposed products of a batched backward step. Blocks of V column vectors for S streams stay in registers, each
    /// weight vector loaded once for the S streams; the rows go in chunks that stay in L1 while every block of streams uses
    /// them, the sums carried between chunks in dst itself. Stream b's da is row b of <paramref name="da"/>, its dst row b
    /// of <paramref name="dst"/> (its addend <paramref name="addendOffset"/> further on). Narrower than one vector: stream by stream.
    /// </summary>
    public static void BatchedTransposedProduct(SourceWriter w, Width width, MatrixOperand weights, RowsOperand da, RowsOperand dst, string? addendOffset, bool flush)
    {
        int lanes = width.Lanes;
        (int gates, int columns, string columnsName, string rowsName) = (weights.Gates, weights.Columns, weights.ColumnsName, weights.RowsName);
        using SourceWriter.Scope scope = w.Block("");
        if (columns < lanes)
        {
            Width fitting = width.Fitting(columns);
            if (!fitting.IsScalar)
            {
                // The Vector512 path with 8…15 columns: the Vector256 blocks (written for that path too) serve it.
                BatchedTransposedProduct(w, fitting, weights, da, dst, addendOffset, flush);
                return;
            }

            TransposedProducts(w, width, weights, da, dst, addendOffset, flush);
            return;
        }

        int vectors = BatchedVectors(width, columns), streams = BatchedStreams(vectors), block = vectors * lanes;
        int chunk = ChunkFloats / block;
        string rows = gates == 1 ? rowsName : $"{N(gates)} * {rowsName}";
        string helper = $"TransposedBlock{width.Suffix}_{{0}}x{N(vectors)}";
        string dstAt = $"ref At(ref {dst.Name}, b * {dst.Stride} + c)";
        string addend = addendOffset is null ? $"{dstAt}, false" : $"ref At(ref {dst.Name}, b * {dst.Stride} + c + {addendOffset}), true";
        using (w.Block($"for (nint start = 0; start < {columnsName}; start += {N(block)})"))
        {
            w.Line(columns % block == 0 ? "nint c = start;" : $"nint c = start < {columnsName} - {N(block)} ? start : {columnsName} - {N(block)};   // the last block overlaps: its first chunk starts afresh, so no column is counted twice");
            using (w.Block($"for (nint r0 = 0; r0 < {rows}; r0 += {N(chunk)})"))
            {
                w.Lines($$"""
                    int rows = (int)global::System.Math.Min({{N(chunk)}}, {{rows}} - r0);
                    bool first = r0 == 0, last = r0 + rows == {{rows}};
                    ref float weights = ref At(ref w, {{Plus(weights.Offset, $"r0 * {columnsName} + c")}});
                    nint b = 0;
                    """);
                string Call(string streamsText) =>
                    $"{string.Format(System.Globalization.CultureInfo.InvariantCulture, helper, streamsText)}(ref weights, {columnsName}, ref At(ref {da.Name}, b * {da.Stride} + {Plus(da.Offset, "r0")}), {da.Stride}, rows, {dstAt}, {dst.Stride}, {addend}, first, last, {(flush ? "true" : "false")});";
                using (w.Block($"for (; b + {N(streams)} <= count; b += {N(streams)})"))
                {
                    w.Line(Call(N(streams)));
                }

                if (streams > 1)
                {
                    // The streams left: one block of exactly that many.
                    using (w.Block("switch (count - b)"))
                    {
                        for (int left = 1; left < streams; left++)
                        {
                            w.Line($"case {N(left)}: {Call(N(left))} break;");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// dst[b, c] = (addend[b, c] +) Σ_r W[r, c]·da[b, r] for every stream b of count, one <see cref="TransposedProduct"/>
    /// after another: row b of <paramref name="da"/> and <paramref name="dst"/> (its addend <paramref name="addendOffset"/> on).
    /// </summary>
    public static void TransposedProducts(SourceWriter w, Width width, MatrixOperand weights, RowsOperand da, RowsOperand dst, string? addendOffset, bool flush)
    {
        using (w.Block("for (nint b = 0; b < count; b++)"))
        {
            w.Line($"ref float da = ref At(ref {da.Name}, b * {da.Stride});");
            w.Line($"ref float dst = ref At(ref {dst.Name}, b * {dst.Stride});");
            if (addendOffset is not null)
            {
                w.Line($"ref float addend = ref At(ref dst, {addendOffset});");
            }

            TransposedProduct(w, width, weights, new VectorOperand("da", da.Offset), "dst", addendOffset is null ? null : "addend", flush);
        }
    }

    /// <summary>The register blocks BatchedTransposedProduct calls: S streams × V column vectors, for each (S, V) it needs.</summary>
    public static void TransposedBlocks(SourceWriter w, Width width, IEnumerable<int> vectorCounts)
    {
        foreach (int vectors in vectorCounts.Distinct().OrderBy(v => v))
        {
            int streams = BatchedStreams(vectors);
            for (int s = streams; s >= 1; s--)
            {
                w.Line();
                TransposedBlock(w, width, s, vectors);
            }
        }
    }

    private static void TransposedBlock(SourceWriter w, Width width, int streams, int vectors)
    {
        string Acc(int s, int v) => $"s{N(s)}{N(v)}";
        string Column(int v) => N(v * width.Lanes);
        string Row(int s, string stride) => s == 0 ? "0" : s == 1 ? stride : $"{N(s)} * {stride}";
        w.Line($"/// <summary>{N(streams)} stream{(streams == 1 ? "" : "s")} × {N(vectors * width.Lanes)} columns of a transposed product over the given rows; sums start afresh (first) or from dst, and are flushed when last.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void TransposedBlock{width.Suffix}_{N(streams)}x{N(vectors)}(ref float weights, nint rowStride, ref float da, nint daStride, int rows, ref float dst, nint dstStride, ref float addend, bool hasAddend, bool first, bool last, bool flush)"))
        {
            for (int s = 0; s < streams; s++)
            {
                for (int v = 0; v < vectors; v++)
                {
                    string at = Plus(Row(s, "dstStride"), Column(v));
                    w.Line($"var {Acc(s, v)} = !first ? {width.Load("dst", at)} : hasAddend ? {width.Load("addend", at)} : {width.Zero};");
                }
            }

            using (w.Block("for (nint r = 0; r < rows; r++)"))
            {
                w.Line("ref float row = ref At(ref weights, r * rowStride);");
                for (int s = 0; s < streams; s++)
                {
                    w.Line($"var d{N(s)} = {width.Broadcast($"Load1(ref da, {Plus(Row(s, "daStride"), "r")})")};");
                }

                for (int v = 0; v < vectors; v++)
                {
                    w.Line($"var w{N(v)} = {width.Load("row", Column(v))};");
                    for (int s = 0; s < streams; s++)
                    {
                        w.Line($"{Acc(s, v)} = MultiplyAdd(w{N(v)}, d{N(s)}, {Acc(s, v)});");
                    }
                }
            }

            using (w.Block("if (last && flush)"))
            {
                for (int s = 0; s < streams; s++)
                {
                    for (int v = 0; v < vectors; v++)
                    {
                        w.Line($"{Acc(s, v)} = FlushTiny({Acc(s, v)});");
                    }
                }
            }

            for (int s = 0; s < streams; s++)
            {
                for (int v = 0; v < vectors; v++)
                {
                    w.Line($"Store({Acc(s, v)}, ref dst, {Plus(Row(s, "dstStride"), Column(v))});");
                }
            }
        }
    }

    /// <summary>Steps per block of the weight-gradient product, at most (its gathered gradients: 8 units × 64 steps × P floats of stack).</summary>
    private const int StepBlock = 64;

    /// <summary>Units whose gate gradients one call of GatherUnitGradients gathers (RnnGen.Simd.GradientGather.GroupUnits).</summary>
    private const int GatherGroup = 8;

    /// <summary>
    /// From this many column vectors on, the transposed product keeps a block of this many column sums in registers
    /// and streams every row through it (fewer passes over the weights than the 2-vector blocks of narrow products).
    /// </summary>
    private const int RowStreamingColumns = 8;

    /// <summary>
    /// The transposed product for wide matrices, register-blocked: per block of <see cref="RowStreamingColumns"/>
    /// column vectors (the last block overlapping the one before when the columns do not divide), every row of all
    /// gate blocks in memory order, its gradient broadcast and multiply-added into one accumulator per column
    /// vector. Nothing but the weights is read in the loop and each sum is stored once.
    /// </summary>
    private static void TransposedProductBlocked(SourceWriter w, Width width, MatrixOperand weights, VectorOperand da, string dst, string? addend, bool flush)
    {
        int lanes = width.Lanes, block = RowStreamingColumns * lanes;
        (int gates, int columns, string columnsName, string rowsName) = (weights.Gates, weights.Columns, weights.ColumnsName, weights.RowsName);
        using SourceWriter.Scope scope = w.Block("");   // its own scope: a kernel may hold two of these products
        string last = columns % block == 0 ? "" : $" ({columnsName} is not a multiple of {N(block)}: the last block overlaps the one before; a sum stored twice is the same sum)";
        w.Line($"// Blocks of {N(block)} columns{last}.");
        using (w.Block($"for (nint start = 0; start < {columnsName}; start += {N(block)})"))
        {
            w.Line(columns % block == 0 ? "nint c = start;" : $"nint c = start < {columnsName} - {N(block)} ? start : {columnsName} - {N(block)};");
            for (int v = 0; v < RowStreamingColumns; v++)
            {
                w.Line($"var s{N(v)} = {width.Zero};");
            }

            w.Line($"ref float row = ref At(ref w, {Plus(weights.Offset, "c")});   // W[0, c…]");
            w.Line($"ref float dRow = ref At(ref {da.Name}, {da.Offset});");
            using (w.Block(gates == 1 ? $"for (nint r = 0; r < {rowsName}; r++)" : $"for (nint r = 0; r < {N(gates)} * {rowsName}; r++)"))
            {
                w.Line($"var d = {width.Broadcast("Load1(ref dRow, r)")};");
                for (int v = 0; v < RowStreamingColumns; v++)
                {
                    w.Line($"s{N(v)} = MultiplyAdd({width.Load("row", N(v * lanes))}, d, s{N(v)});");
                }

                w.Line($"row = ref At(ref row, {columnsName});");
            }

            for (int v = 0; v < RowStreamingColumns; v++)
            {
                string column = v == 0 ? "c" : $"c + {N(v * lanes)}";
                string sum = addend is null ? $"s{N(v)}" : $"{width.Load(addend, column)} + s{N(v)}";
                w.Line(flush ? $"Store(FlushTiny({sum}), ref {dst}, {column});" : $"Store({sum}, ref {dst}, {column});");
            }
        }
    }

    /// <summary>
    /// dW[r, c] += Σ_t da[t, r]·x[t, c]: the weight gradient of all steps as one matrix product, rows grouped by gate
    /// so each unit's <paramref name="gates"/> rows share every load of x.
    /// </summary>
    public static void AccumulateOuterProducts(SourceWriter w, Width width, MatrixOperand weights, RowsOperand da, RowsOperand x)
    {
        (int gates, int columns, string columnsName, string rowsName) = (weights.Gates, weights.Columns, weights.ColumnsName, weights.RowsName);
        // Blocks of steps; per group of eight units, their gates' gradients for the block are first gathered unit by
        // unit into a small contiguous buffer (GatherUnitGradients: a vector transpose per step), so the inner loop reads
        // them from one L1-resident line instead of G lines per step of the tape. A block's x rows (steps × columns)
        // are read again for every unit: at most 16 KB of them, so they stay in L1.
        int stepBlock = StepBlock;
        while (stepBlock > 16 && stepBlock * columns > 4096)
        {
            stepBlock /= 2;
        }

        using SourceWriter.Scope scope = w.Block("");
        // A unit's gathered gradients take P floats per step: a 4-wide slot for three or four gates, so the transpose
        // stores whole 128-bit lanes (RnnGen.Simd.GradientGather.StepStride).
        int slot = gates >= 3 ? 4 : gates;
        w.Line($"global::System.Span<float> gathered = stackalloc float[{N(GatherGroup)} * {Times(N(stepBlock), slot)}];   // {N(GatherGroup)} units × {N(stepBlock)} steps × {(slot == 4 && gates == 3 ? "4 (3 gates and a pad)" : N(slot))}");
        w.Line("ref float group = ref Ref(gathered);");
        // Blocks of equal size (100 steps in 32s: 4 × 25, not 32 + 32 + 32 + 4): each loads and stores its sums once.
        w.Line($"nint blocks = (steps + {N(stepBlock - 1)}) / {N(stepBlock)};");
        w.Line("nint blockSize = blocks <= 1 ? steps : (steps + blocks - 1) / blocks;");
        using (w.Block("for (nint t0 = 0; t0 < steps; t0 += blockSize)"))
        {
            w.Line("nint count = steps - t0 < blockSize ? steps - t0 : blockSize;");
            w.Line($"ref float xBlock = ref At(ref {x.Name}, {Plus(x.Offset, $"t0 * {x.Stride}")});");
            using (w.Block($"for (nint j = 0; j < {rowsName}; j++)"))
            {
                using (w.Block($"if ((j & {N(GatherGroup - 1)}) == 0)"))
                {
                    w.Line($"GatherUnitGradients(ref At(ref {da.Name}, {Plus(da.Offset, "j")} + t0 * {da.Stride}), {da.Stride}, {rowsName}, {N(gates)}, count, {rowsName} - j, ref group);");
                }

                w.Line($"ref float dBlock = ref At(ref group, (j & {N(GatherGroup - 1)}) * {Times("count", slot)});");

                // As many column vectors as keep G·V accumulators, V loads and a broadcast within 16 registers.
                int vectors = System.Math.Min(4, 15 / (gates + 1));
                OuterProductColumns(w, ref width, columns, columnsName, vectors, (unroll, masked) =>
                {
                    w.Line($"ref float target = ref At(ref dp, {Plus(weights.Offset, $"j * {columnsName} + c")});{FirstGateBlock(gates, "dW")}");
                    string target(int g, int u) => Plus(GateOffset(g, $"{rowsName} * {columnsName}"), ColumnOffset(u, width));
                    w.Line(string.Join(" ", Enumerable.Range(0, gates).SelectMany(g => Enumerable.Range(0, unroll).Select(u => $"var s{g}{u} = {width.Load("target", target(g, u))};"))));
                    using (w.Block("for (nint t = 0; t < count; t++)"))
                    {
                        for (int u = 0; u < unroll; u++)
                        {
                            w.Line($"var x{u} = {width.Load("xBlock", Plus($"t * {x.Stride} + c", ColumnOffset(u, width)))}{(masked ? " & keep" : "")};");
                        }

                        for (int g = 0; g < gates; g++)
                        {
                            w.Line($"var d{g} = {width.Broadcast($"Load1(ref dBlock, {Plus(Times("t", slot), N(g))})")};");
                            for (int u = 0; u < unroll; u++)
                            {
                                w.Line($"s{g}{u} = MultiplyAdd(x{u}, d{g}, s{g}{u});");
                            }
                        }
                    }

                    for (int g = 0; g < gates; g++)
                    {
                        for (int u = 0; u < unroll; u++)
                        {
                            w.Line($"Store(s{g}{u}, ref target, {target(g, u)});");
                        }
                    }
                });
            }
        }
    }

    /// <summary>
    /// The column blocks of <see cref="AccumulateOuterProducts"/>: <paramref name="unroll"/> vectors per block, the
    /// remaining whole vectors as one narrower block — never a lone vector after a wide block (its G accumulators take
    /// one FMA per G + 1 loads, half the rate): U + 1 vectors become two blocks of about half — then the masked last
    /// vector where the columns do not fill one. Rows narrower than two vectors have no blocks to choose: they take
    /// <see cref="ColumnLoops(SourceWriter, ref Width, int, string, bool, int, Action{int, bool})"/> (one loop over the
    /// vector and the masked last one; scalar loops below a vector).
    /// </summary>
    private static void OuterProductColumns(SourceWriter w, ref Width width, int columns, string columnsName, int unroll, Action<int, bool> body)
    {
        Width fitting = width.Fitting(columns);
        if (fitting.IsScalar || columns < 2 * fitting.Lanes)
        {
            ColumnLoops(w, ref width, columns, columnsName, masked: true, unroll, body);
            return;
        }

        width = fitting;
        int lanes = width.Lanes, vectors = columns / lanes, wideBlocks = vectors / unroll, rest = vectors % unroll;
        bool split = rest == 1 && wideBlocks > 0;
        int[] narrow = rest == 0 ? [] : split ? [(unroll + 2) / 2, (unroll + 1) / 2] : [rest];
        if (split)
        {
            wideBlocks--;
        }

        if (wideBlocks > 1)
        {
            using (w.Block($"for (nint c = 0; c < {N(wideBlocks * unroll * lanes)}; c += {N(unroll * lanes)})"))
            {
                body(unroll, false);
            }
        }
        else if (wideBlocks == 1)
        {
            narrow = [unroll, .. narrow];
        }

        int start = wideBlocks > 1 ? wideBlocks * unroll * lanes : 0;
        foreach (int block in narrow)
        {
            using (w.Block(""))
            {
                w.Line($"nint c = {N(start)};   // {N(block)} vector{(block == 1 ? "" : "s")}");
                body(block, false);
            }

            start += block * lanes;
        }

        if (columns % lanes != 0)
        {
            using (w.Block(""))
            {
                w.Line($"nint c = {columnsName} - {N(lanes)};");
                w.Line($"var keep = TailMask{width.Suffix}({columnsName} % {N(lanes)});   // the overlapping last vector adds only its new lanes");
                body(1, true);
            }
        }
    }

    /// <summary>
    /// The column loops of the backward products: <see cref="ColumnUnroll"/> vectors per iteration while they fit,
    /// then one vector at a time, the last pulled back to end at the last column (recomputed when the body
    /// overwrites; with <paramref name="masked"/>, a <c>keep</c> mask zeroes the lanes already done).
    /// A matrix narrower than one vector gets scalar loops. The body receives (vectors per iteration, masked).
    /// </summary>
    private static void ColumnLoops(SourceWriter w, ref Width width, int columns, string columnsName, bool masked, Action<int, bool> body) =>
        ColumnLoops(w, ref width, columns, columnsName, masked, ColumnUnroll, body);

    private static void ColumnLoops(SourceWriter w, ref Width width, int columns, string columnsName, bool masked, int unroll, Action<int, bool> body)
    {
        width = width.Fitting(columns);

        if (width.IsScalar)
        {
            using (w.Block($"for (nint c = 0; c < {columnsName}; c++)"))
            {
                body(1, false);
            }

            return;
        }

        int lanes = width.Lanes, wide = unroll * lanes;
        if (columns >= wide)
        {
            using (w.Block($"for (nint c = 0; c <= {columnsName} - {wide}; c += {wide})"))
            {
                body(unroll, false);
            }
        }

        if (columns % wide != 0)
        {
            string start = columns >= wide ? $"{columnsName} - {columnsName} % {wide}" : "0";
            bool needsMask = masked && columns % lanes != 0;
            using (w.Block($"for (nint block = {start}; block < {columnsName}; block += {lanes})"))
            {
                w.Line(BlockIndex("c", "block", columns, columnsName, lanes));
                if (needsMask)
                {
                    w.Line($"var keep = c == block ? TailMask{width.Suffix}({lanes}) : TailMask{width.Suffix}({columnsName} % {lanes});   // the overlapping last vector adds only its new lanes");
                }

                body(1, needsMask);
            }
        }
    }

    private static IEnumerable<string> Gates(int gates, int unroll) =>
        Enumerable.Range(0, gates).SelectMany(g => Enumerable.Range(0, unroll).Select(u => $"s{g}{u}"));

    /// <summary>The offset of gate block g: 0, size, 2 * size, ….</summary>
    private static string GateOffset(int g, string size) => g == 0 ? "0" : g == 1 ? size : $"{g} * {size}";

    private static string ColumnOffset(int u, Width width) => u == 0 ? "0" : (u * width.Lanes).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string N(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>a · n, leaving out a factor of 1.</summary>
    private static string Times(string a, int n) => n == 1 ? a : $"{a} * {N(n)}";

    /// <summary>With several gate blocks, the comment that the reference is to the first one's.</summary>
    private static string FirstGateBlock(int gates, string matrix) => gates == 1 ? "" : $"   // {matrix}[j, c] of the first gate block";

    /// <summary>a + b, leaving out zeros.</summary>
    private static string Plus(string a, string b) => a == "0" ? b : b == "0" ? a : $"{a} + {b}";

    /// <summary>db[r] += Σ_t da[t, r] for r in [0, rows) (fewer rows than lanes: scalar).</summary>
    public static void AccumulateBias(SourceWriter w, Width width, int rows, string rowsName, string biasOffset, RowsOperand da)
    {
        width = width.Fitting(rows);

        int lanes = width.Lanes;
        bool masked = !width.IsScalar && rows % lanes != 0;
        string daIndex = $"t * {da.Stride} + {Plus(da.Offset, "r")}";
        string loop = width.IsScalar ? $"for (nint r = 0; r < {rowsName}; r++)" : $"for (nint block = 0; block < {rowsName}; block += {lanes})";
        using (w.Block(loop))
        {
            if (!width.IsScalar)
            {
                w.Line(BlockIndex("r", "block", rows, rowsName, lanes));
            }

            if (masked)
            {
                w.Line($"var keep = r == block ? TailMask{width.Suffix}({lanes}) : TailMask{width.Suffix}({rowsName} % {lanes});");
            }

            w.Line($"var s = {width.Load("dp", $"{biasOffset} + r")};");
            using (w.Block("for (nint t = 0; t < steps; t++)"))
            {
                w.Line($"s += {width.Load(da.Name, daIndex)}{(masked ? " & keep" : "")};");
            }

            w.Line($"Store(s, ref dp, {biasOffset} + r);");
        }
    }

    /// <summary>
    /// A loop over the hidden units, one vector of units per iteration, for element-wise gate math. The body
    /// must read only buffers it does not write, so the overlapping last vector may recompute units safely.
    /// Fewer units than lanes fall back to scalar code.
    /// </summary>
    public static void ForEachUnit(SourceWriter w, Width width, int hidden, Action<Width> body) =>
        ForEachUnit(w, width, hidden, "HiddenSize", body);

    /// <summary><see cref="ForEachUnit(SourceWriter, Width, int, Action{Width})"/> over another length (a projection's P outputs).</summary>
    public static void ForEachUnit(SourceWriter w, Width width, int count, string countName, Action<Width> body)
    {
        width = width.Fitting(count);

        if (width.IsScalar)
        {
            using (w.Block($"for (nint j = 0; j < {countName}; j++)"))
            {
                body(width);
            }

            return;
        }

        using (w.Block($"for (nint unit = 0; unit < {countName}; unit += {width.Lanes})"))
        {
            w.Line(BlockIndex("j", "unit", count, countName, width.Lanes));
            body(width);
        }
    }

    /// <summary>The index of this iteration's vector; when the length is not a multiple of the width, the last one is pulled back to end at the length.</summary>
    private static string BlockIndex(string name, string loopVariable, int length, string lengthName, int lanes) =>
        length % lanes == 0
            ? $"nint {name} = {loopVariable};"
            : $"nint {name} = {loopVariable} < {lengthName} - {lanes} ? {loopVariable} : {lengthName} - {lanes};";
}
