using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Emitting;

/// <summary>One operand of a row-block product: the rows of a weight matrix (at a parameter offset) times a vector.</summary>
internal sealed record ProductSource(string WeightsOffset, int Columns, string ColumnsName, string Vector, string TailName);

/// <summary>
/// Emits the matrix loops every cell needs, on a row-major [rows, columns] matrix inside the parameter array.
/// Lengths that are not a multiple of the vector width end in an overlapping last vector: recomputed where
/// the loop overwrites its output, masked where it accumulates. A dimension narrower than one vector
/// falls back to the scalar width for that loop only.
/// </summary>
internal static class MatrixEmitter
{
    /// <summary>The tail operand of a dot product: the last full vector of <paramref name="vector"/> with the lanes already counted zeroed.</summary>
    public static void DeclareTail(SourceWriter w, Width width, ProductSource source)
    {
        if (!width.IsScalar && source.Columns >= width.Lanes && source.Columns % width.Lanes != 0)
        {
            w.Line($"var {source.TailName} = {width.Load(source.Vector, $"{source.ColumnsName} - {width.Lanes}")} & TailMask{width.Suffix}({source.ColumnsName} % {width.Lanes});");
        }
    }

    /// <summary>output[r] = Σ sources W[r, :]·v + Σ biases b[r], for r in [0, rows): one vector of rows at a time.</summary>
    public static void RowProducts(
        SourceWriter w, Width width, int rows, string rowsName, IReadOnlyList<ProductSource> sources,
        IReadOnlyList<string> biasOffsets, string output, string outputOffset)
    {
        string outIndex(string r) => outputOffset == "0" ? r : $"{outputOffset} + {r}";
        if (width.IsScalar)
        {
            using (w.Block($"for (int r = 0; r < {rowsName}; r++)"))
            {
                w.Line($"float sum = {string.Join(" + ", biasOffsets.Select(b => $"Load1(ref w, {b} + r)"))};");
                foreach (ProductSource s in sources)
                {
                    using (w.Block($"for (int k = 0; k < {s.ColumnsName}; k++)"))
                    {
                        w.Line($"sum = MultiplyAdd(Load1(ref w, {s.WeightsOffset} + r * {s.ColumnsName} + k), Load1(ref {s.Vector}, k), sum);");
                    }
                }

                w.Line($"Store(sum, ref {output}, {outIndex("r")});");
            }

            return;
        }

        int lanes = width.Lanes;
        using (w.Block($"for (int block = 0; block < {rowsName}; block += {lanes})"))
        {
            w.Line(RowIndex("r", "block", rows, rowsName, lanes));
            var wide = sources.Where(s => s.Columns >= lanes).ToList();
            if (wide.Count > 0)
            {
                w.Line(string.Join(" ", Enumerable.Range(0, lanes).Select(i => $"var a{i} = {width.Zero};")));
                foreach (ProductSource s in wide)
                {
                    string rowStart(int i) => i == 0 ? $"{s.WeightsOffset} + r * {s.ColumnsName}" : $"{s.WeightsOffset} + (r + {i}) * {s.ColumnsName}";
                    using (w.Block($"for (int k = 0; k <= {s.ColumnsName} - {lanes}; k += {lanes})"))
                    {
                        w.Line($"var v = {width.Load(s.Vector, "k")};");
                        for (int i = 0; i < lanes; i++)
                        {
                            w.Line($"a{i} = MultiplyAdd({width.Load("w", $"{rowStart(i)} + k")}, v, a{i});");
                        }
                    }

                    if (s.Columns % lanes != 0)
                    {
                        w.Line($"// the last {lanes} columns overlap the loop's; {s.TailName} is zero in the lanes already counted");
                        for (int i = 0; i < lanes; i++)
                        {
                            w.Line($"a{i} = MultiplyAdd({width.Load("w", $"{rowStart(i)} + {s.ColumnsName} - {lanes}")}, {s.TailName}, a{i});");
                        }
                    }
                }
            }

            var terms = biasOffsets.Select(b => width.Load("w", $"{b} + r")).ToList();
            if (wide.Count > 0)
            {
                terms.Insert(0, $"SumEach({string.Join(", ", Enumerable.Range(0, lanes).Select(i => "a" + i))})");
            }

            w.Line($"var sum = {string.Join(" + ", terms)};");
            foreach (ProductSource s in sources.Where(s => s.Columns < lanes))
            {
                // Fewer columns than lanes: walk the columns, each a strided gather of this block's rows.
                string column = s.Columns == 1
                    ? width.Load("w", $"{s.WeightsOffset} + r")
                    : $"Gather{width.Suffix}(ref w, {s.WeightsOffset} + r * {s.ColumnsName} + k, {s.ColumnsName})";
                using (w.Block($"for (int k = 0; k < {s.ColumnsName}; k++)"))
                {
                    w.Line($"sum = MultiplyAdd({column}, {width.Broadcast($"Load1(ref {s.Vector}, k)")}, sum);");
                }
            }

            w.Line($"Store(sum, ref {output}, {outIndex("r")});");
        }
    }

    /// <summary>
    /// dst[c] = (addend[c] +) Σ_r W[r, c]·da[r] for c in [0, columns): the transposed product of backpropagation.
    /// Rows are summed per gate block into <paramref name="gates"/> independent accumulators.
    /// </summary>
    public static void TransposedProduct(
        SourceWriter w, Width width, int gates, int columns, string columnsName, string weightsOffset,
        string da, string daOffset, string dst, string? addend)
    {
        if (columns < width.Lanes)
        {
            width = Width.Scalar;
        }

        int lanes = width.Lanes;
        string loop = width.IsScalar ? $"for (int c = 0; c < {columnsName}; c++)" : $"for (int block = 0; block < {columnsName}; block += {lanes})";
        using (w.Block(loop))
        {
            if (!width.IsScalar)
            {
                w.Line(RowIndex("c", "block", columns, columnsName, lanes));
            }

            w.Line(string.Join(" ", Enumerable.Range(0, gates).Select(g => $"var s{g} = {width.Zero};")));
            using (w.Block("for (int j = 0; j < HiddenSize; j++)"))
            {
                for (int g = 0; g < gates; g++)
                {
                    string row = g == 0 ? "j" : $"{g} * HiddenSize + j";
                    string daIndex = daOffset == "0" ? row : $"{daOffset} + {row}";
                    w.Line($"s{g} = MultiplyAdd({width.Load("w", $"{weightsOffset} + ({row}) * {columnsName} + c")}, {width.Broadcast($"Load1(ref {da}, {daIndex})")}, s{g});");
                }
            }

            string sum = string.Join(" + ", Enumerable.Range(0, gates).Select(g => $"s{g}"));
            if (addend is not null)
            {
                sum = $"{width.Load(addend, "c")} + {sum}";
            }

            w.Line($"Store({sum}, ref {dst}, c);");
        }
    }

    /// <summary>
    /// dW[r, c] += Σ_t da[t, r]·x[t, c]: the weight gradient of all steps as one matrix product, rows grouped by gate
    /// so each unit's <paramref name="gates"/> rows share every load of x.
    /// </summary>
    public static void AccumulateOuterProducts(
        SourceWriter w, Width width, int gates, int columns, string columnsName, string weightsOffset,
        string da, string daStride, string daOffset, string x, string xStride)
    {
        if (columns < width.Lanes)
        {
            width = Width.Scalar;
        }

        int lanes = width.Lanes;
        bool masked = !width.IsScalar && columns % lanes != 0;
        using (w.Block("for (int j = 0; j < HiddenSize; j++)"))
        {
            if (masked)
            {
                w.Line($"var all = TailMask{width.Suffix}({lanes}); var tail = TailMask{width.Suffix}({columnsName} % {lanes});");
            }

            string loop = width.IsScalar ? $"for (int c = 0; c < {columnsName}; c++)" : $"for (int block = 0; block < {columnsName}; block += {lanes})";
            using (w.Block(loop))
            {
                if (!width.IsScalar)
                {
                    w.Line(RowIndex("c", "block", columns, columnsName, lanes));
                }

                if (masked)
                {
                    w.Line("var keep = c == block ? all : tail;   // the overlapping last vector adds only its new lanes");
                }

                string row(int g) => g == 0 ? "j" : $"{g} * HiddenSize + j";
                string target(int g) => $"{weightsOffset} + ({row(g)}) * {columnsName} + c";
                w.Line(string.Join(" ", Enumerable.Range(0, gates).Select(g => $"var s{g} = {width.Load("dp", target(g))};")));
                using (w.Block("for (int t = 0; t < steps; t++)"))
                {
                    w.Line($"var xt = {width.Load(x, $"t * {xStride} + c")}{(masked ? " & keep" : "")};");
                    for (int g = 0; g < gates; g++)
                    {
                        string daIndex = daOffset == "0" ? $"t * {daStride} + {row(g)}" : $"t * {daStride} + {daOffset} + {row(g)}";
                        w.Line($"s{g} = MultiplyAdd(xt, {width.Broadcast($"Load1(ref {da}, {daIndex})")}, s{g});");
                    }
                }

                for (int g = 0; g < gates; g++)
                {
                    w.Line($"Store(s{g}, ref dp, {target(g)});");
                }
            }
        }
    }

    /// <summary>db[r] += Σ_t da[t, r] for r in [0, rows).</summary>
    public static void AccumulateBias(
        SourceWriter w, Width width, int rows, string rowsName, string biasOffset, string da, string daStride, string daOffset)
    {
        int lanes = width.Lanes;
        bool masked = !width.IsScalar && rows % lanes != 0;
        string daIndex = daOffset == "0" ? $"t * {daStride} + r" : $"t * {daStride} + {daOffset} + r";
        string loop = width.IsScalar ? $"for (int r = 0; r < {rowsName}; r++)" : $"for (int block = 0; block < {rowsName}; block += {lanes})";
        using (w.Block(loop))
        {
            if (!width.IsScalar)
            {
                w.Line(RowIndex("r", "block", rows, rowsName, lanes));
            }

            if (masked)
            {
                w.Line($"var keep = r == block ? TailMask{width.Suffix}({lanes}) : TailMask{width.Suffix}({rowsName} % {lanes});");
            }

            w.Line($"var s = {width.Load("dp", $"{biasOffset} + r")};");
            using (w.Block("for (int t = 0; t < steps; t++)"))
            {
                w.Line($"s += {width.Load(da, daIndex)}{(masked ? " & keep" : "")};");
            }

            w.Line($"Store(s, ref dp, {biasOffset} + r);");
        }
    }

    /// <summary>
    /// A loop over the hidden units, one vector of units per iteration, for element-wise gate math. The body
    /// must read only buffers it does not write, so the overlapping last vector may recompute units safely.
    /// Fewer units than lanes fall back to scalar code.
    /// </summary>
    public static void ForEachUnit(SourceWriter w, Width width, int hidden, Action<Width> body)
    {
        if (hidden < width.Lanes)
        {
            width = Width.Scalar;
        }

        if (width.IsScalar)
        {
            using (w.Block("for (int j = 0; j < HiddenSize; j++)"))
            {
                body(width);
            }

            return;
        }

        using (w.Block($"for (int unit = 0; unit < HiddenSize; unit += {width.Lanes})"))
        {
            w.Line(RowIndex("j", "unit", hidden, "HiddenSize", width.Lanes));
            body(width);
        }
    }

    /// <summary>The index of this iteration's vector; when the length is not a multiple of the width, the last one is pulled back to end at the length.</summary>
    private static string RowIndex(string name, string loopVariable, int length, string lengthName, int lanes) =>
        length % lanes == 0
            ? $"int {name} = {loopVariable};"
            : $"int {name} = {loopVariable} < {lengthName} - {lanes} ? {loopVariable} : {lengthName} - {lanes};";
}
