using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Writes a cell's <c>Freeze()</c> and its nested <c>Frozen</c> snapshot: the parameters repacked once per tile of
/// hidden units, column-major within the tile (RnnGen.Simd.KernelBase.PackTiles), so the step broadcasts one value of
/// z = [x; h] at a time against contiguous weights of every gate, keeps all accumulators in registers and needs no
/// horizontal sums. The packed kernel exists on the Vector256 path for H a multiple of 8; elsewhere the snapshot is a
/// plain copy run by the cell's own kernels.
/// </summary>
internal static class FrozenEmitter
{
    /// <summary>Columns per unrolled group of the column loops.</summary>
    private const int Unroll = 4;

    /// <summary>Independent FMA chains wanted in flight: with fewer accumulators per tile the columns alternate between two sets.</summary>
    private const int Chains = 8;

    /// <summary>Hidden units per tile: 16 (two vectors per gate) when H allows, else 8; null when no packed kernel fits.</summary>
    public static int? TileFor(CellSpec spec) => spec.Hidden % 8 != 0 ? null : spec.Hidden % 16 == 0 ? 16 : 8;

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Indents the lines of a block interpolated into a template line (whose own indentation the first line gets).</summary>
    private static string Indent(string lines, int spaces, bool first) =>
        string.Join("\n", lines.Split('\n').Select((line, i) => i == 0 && !first ? line : new string(' ', spaces) + line));

    private static string[] GateNames(CellSpec spec) => spec.Kind == CellKind.Lstm ? ["i", "f", "g", "o"] : ["r", "z", "n"];

    public static void EmitSurface(SourceWriter w, CellSpec spec)
    {
        string kind = spec.Kind == CellKind.Lstm ? "Lstm" : "Gru";
        string speed = TileFor(spec) is null
            ? "For this size it holds a plain copy and runs the cell's own kernels."
            : "On the Vector256 path it runs packed kernels (no horizontal sums); elsewhere a plain copy and the cell's own kernels.";
        const string copy = """
            _weights = Kernels.AllocateParameters();
            _offset = Kernels.Start(_weights);
            parameters.CopyTo(global::System.MemoryExtensions.AsSpan(_weights, _offset, ParameterCount));
            """;
        string constructor = TileFor(spec) is null
            ? copy
            : $$"""
              if (Kernels.PackedPath)
              {
                  _weights = Kernels.Pack(parameters, out _offset);
              }
              else
              {
                  {{Indent(copy, 4, first: false)}}
              }
              """;
        w.Lines($$"""
            /// <summary>An inference-only snapshot of the parameters as they are now, laid out for the fastest <see cref="Frozen.Step"/> (see <see cref="Frozen"/>).</summary>
            public Frozen Freeze() => new(Parameters);

            /// <summary>
            /// A read-only snapshot of a cell's parameters, made by <see cref="Freeze"/>: the same equations as the cell's Step
            /// and Forward (results agree to float rounding), from weights repacked once. {{speed}} Later writes to the cell's
            /// parameters (an optimizer step, LoadWeights) do not reach a snapshot: freeze again to pick them up. It never
            /// changes, so one snapshot may serve any number of threads, each with its own state.
            /// </summary>
            """);
        using (w.Block("public sealed class Frozen : global::RnnGen.IFrozenCell<float>"))
        {
            w.Lines($$"""
                private readonly float[] _weights;
                private readonly int _offset;

                internal Frozen(global::System.ReadOnlySpan<float> parameters)
                {
                    {{Indent(constructor, 4, first: false)}}
                }

                global::RnnGen.CellKind global::RnnGen.IFrozenCell<float>.Kind => global::RnnGen.CellKind.{{kind}};
                int global::RnnGen.IFrozenCell<float>.InputSize => InputSize;
                int global::RnnGen.IFrozenCell<float>.HiddenSize => HiddenSize;
                int global::RnnGen.IFrozenCell<float>.StateSize => StateSize;

                """);
            w.Lines(CellEmitter.StreamingMembers("Kernels.RunFrozen(_weights, _offset, "));
        }
    }

    /// <summary>Inside Kernels: the packed layout's constants, Pack, RunFrozen and the packed step.</summary>
    public static void EmitKernels(SourceWriter w, CellSpec spec, CellKernels kernels)
    {
        if (TileFor(spec) is not int tile)
        {
            w.Lines("""
                /// <summary>A frozen cell's sequence: no packed kernel fits this size (H is not a multiple of 8), so the cell's own kernels run on the snapshot's copy.</summary>
                public static void RunFrozen(float[] weights, int offset, global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, global::System.Span<float> state, int steps) =>
                    Run(new global::System.ReadOnlySpan<float>(weights, offset, ParameterCount), inputs, outputs, state, steps);
                """);
            return;
        }

        int gates = spec.Gates, vectors = tile / 8, tiles = spec.Hidden / tile, width = gates * tile;
        int biases = spec.Kind == CellKind.Lstm ? width : 4 * tile;
        string kind = spec.Kind == CellKind.Lstm ? "Lstm" : "Gru";
        w.Lines($$"""
            /// <summary>Hidden units per tile of the packed layout, tiles, and floats per packed column (every gate's rows of a tile).</summary>
            public const int Tile = {{N(tile)}}, Tiles = {{N(tiles)}}, TileColumn = {{N(width)}};
            public const int TileWeights = (InputSize + HiddenSize) * TileColumn, TileBiases = {{N(biases)}};
            public const int PackedBiasOffset = Tiles * TileWeights, PackedLength = PackedBiasOffset + Tiles * TileBiases;

            /// <summary>Whether a frozen cell packs its copy: the packed kernel is written for 256-bit vectors.</summary>
            public static bool PackedPath => global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

            /// <summary>The packed copy of <paramref name="parameters"/> (layout: RnnGen.Simd.KernelBase.PackTiles), from a cache-line boundary at offset.</summary>
            public static float[] Pack(global::System.ReadOnlySpan<float> parameters, out int offset)
            {
                float[] packed = AllocateAligned(PackedLength, out offset);
                PackTiles(parameters, global::System.MemoryExtensions.AsSpan(packed, offset, PackedLength), global::RnnGen.CellKind.{{kind}}, InputSize, HiddenSize, Tile);
                return packed;
            }

            """);
        string previous = tiles == 1 ? "s" : "Ref(previous)";
        string copyNote = tiles == 1
            ? "// One tile reads all of h before it writes any: the state is updated in place."
            : "// Every tile reads all of h: step from a copy of it (c is updated in place, unit by unit).";
        w.Line("/// <summary>A frozen cell's sequence: packed steps on the Vector256 path, the cell's own kernels on its copy elsewhere.</summary>");
        using (w.Block("public static void RunFrozen(float[] weights, int offset, global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, global::System.Span<float> state, int steps)"))
        {
            using (w.Block("if (!PackedPath)"))
            {
                w.Line("Run(new global::System.ReadOnlySpan<float>(weights, offset, ParameterCount), inputs, outputs, state, steps);");
                w.Line("return;");
            }

            w.Line();
            if (tiles > 1)
            {
                w.Line("global::System.Span<float> previous = stackalloc float[HiddenSize];");
            }

            w.Lines($$"""
                ref float w = ref At(ref Ref(weights), offset);
                ref float s = ref Ref(state);
                for (int t = 0; t < steps; t++)
                {
                    {{copyNote}}
                """);
            if (tiles > 1)
            {
                w.Line("    Copy(ref s, ref Ref(previous), HiddenSize);");
            }

            w.Lines($$"""
                    PackedStep256(ref w, ref At(ref Ref(inputs), t * InputSize), ref {{previous}}, ref s);
                    if (!outputs.IsEmpty)
                    {
                        Copy(ref s, ref At(ref Ref(outputs), t * HiddenSize), HiddenSize);
                    }
                }
                """);
        }

        w.Line();
        EmitPackedStep(w, spec, kernels, tile, vectors);
    }

    private static void EmitPackedStep(SourceWriter w, CellSpec spec, CellKernels kernels, int tile, int vectors)
    {
        string[] gates = GateNames(spec);
        bool gru = spec.Kind == CellKind.Gru;
        int accumulators = gates.Length * vectors;
        int sets = accumulators >= Chains ? 1 : 2;
        var names = new List<string>();
        foreach (string gate in gates)
        {
            for (int v = 0; v < vectors; v++)
            {
                names.Add($"a{gate}{N(v)}");
            }
        }

        w.Line("/// <summary>One step on packed weights: h from previous (a copy, or the state itself when there is one tile); c and h' into next.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block("private static void PackedStep256(ref float w, ref float x, ref float previous, ref float next)"))
        {
            w.Line($"// Per tile of {N(tile)} hidden units: a = W·[x; h] + b for the tile's rows of every gate, one column at a time");
            w.Line("// (broadcast z_k, multiply-add the column's contiguous weights), then the gate equations in registers.");
            using (w.Block("for (nint tile = 0; tile < Tiles; tile++)"))
            {
                w.Line("ref float column = ref At(ref w, tile * TileWeights);");
                w.Line("ref float bias = ref At(ref w, PackedBiasOffset + tile * TileBiases);");
                w.Line(gru ? "// r and z start from b_i + b_h, n from b_in (b_hn joins the recurrent part below)" : "// every gate starts from b_ih + b_hh");
                for (int a = 0; a < names.Count; a++)
                {
                    w.Line($"var {names[a]} = Load256(ref bias, {N(8 * a)});");
                }

                if (sets == 2)
                {
                    foreach (string name in names)
                    {
                        w.Line($"var {name}b = Broadcast256(0f);");
                    }
                }

                w.Line();
                w.Line("// += W_ih·x");
                EmitColumns(w, names, sets, spec.Input, "x", "InputSize");
                if (gru)
                {
                    w.Line();
                    w.Line("// The n gate keeps W_in x + b_in apart and restarts from b_hn for its recurrent part.");
                    for (int v = 0; v < vectors; v++)
                    {
                        string n = $"an{N(v)}";
                        w.Line(sets == 2 ? $"var anx{N(v)} = {n} + {n}b;" : $"var anx{N(v)} = {n};");
                        w.Line($"{n} = Load256(ref bias, {N(3 * tile + 8 * v)});");
                        if (sets == 2)
                        {
                            w.Line($"{n}b = Broadcast256(0f);");
                        }
                    }
                }

                w.Line();
                w.Line("// += W_hh·h");
                EmitColumns(w, names, sets, spec.Hidden, "previous", "HiddenSize");
                if (sets == 2)
                {
                    w.Line();
                    w.Line("// The two alternating sets of column sums");
                    foreach (string name in names)
                    {
                        w.Line($"{name} += {name}b;");
                    }
                }

                for (int v = 0; v < vectors; v++)
                {
                    w.Line();
                    using (w.Block(""))
                    {
                        w.Line($"nint j = tile * Tile + {N(8 * v)};");
                        if (gru)
                        {
                            w.Line($"var ar = ar{N(v)}; var az = az{N(v)}; var anx = anx{N(v)}; var anh = an{N(v)};");
                        }
                        else
                        {
                            w.Line($"var ai = ai{N(v)}; var af = af{N(v)}; var ag = ag{N(v)}; var ao = ao{N(v)};");
                        }

                        kernels.EmitStateUpdate(w, Width.V256, record: false, cell: "next");
                    }
                }
            }
        }
    }

    /// <summary>
    /// acc += column_k · z_k for k in [0, count): columns advance through <c>column</c>; with two sets, column k feeds set k mod 2.
    /// Groups of <see cref="Unroll"/> columns are unrolled so every load has a constant offset; short products unroll fully.
    /// </summary>
    private static void EmitColumns(SourceWriter w, List<string> names, int sets, int count, string z, string countName)
    {
        void Column(int offset, string zIndex, int set)
        {
            string value = $"z{N(offset)}";
            w.Line($"var {value} = Broadcast256(Load1(ref {z}, {zIndex}));");
            for (int a = 0; a < names.Count; a++)
            {
                string acc = set == 0 ? names[a] : names[a] + "b";
                string column = offset == 0 ? "" : offset == 1 ? "TileColumn" : $"{N(offset)} * TileColumn";
                string at = column.Length == 0 ? N(8 * a) : a == 0 ? column : $"{column} + {N(8 * a)}";
                w.Line($"{acc} = MultiplyAdd(Load256(ref column, {at}), {value}, {acc});");
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
}
