using System.Collections.Generic;
using System.Globalization;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// Writes a layer's frozen kernels: <c>Freeze</c> (the copy a model's snapshot keeps), <c>FrozenStep</c>, and where it
/// fits the packed step. The packed layout (RnnGen.Simd.KernelBase.PackTiles) holds the weights per tile of hidden units,
/// column-major within the tile, so the step broadcasts one value of z = [x; h] at a time against contiguous weights of
/// every gate, keeps all accumulators in registers and needs no horizontal sums. It exists on the Vector256 path for H a
/// multiple of 8; elsewhere the copy is plain and the layer's own step runs on it.
/// </summary>
internal static class FrozenEmitter
{
    /// <summary>Columns per unrolled group of the column loops.</summary>
    private const int Unroll = 4;

    /// <summary>Independent FMA chains wanted in flight: with fewer accumulators per tile the columns alternate between two sets.</summary>
    private const int Chains = 8;

    /// <summary>Hidden units per tile: 16 (two vectors per gate) when H allows, else 8; null when no packed kernel fits.</summary>
    public static int? TileFor(LayerSpec spec) => spec.Hidden % 8 != 0 ? null : spec.Hidden % 16 == 0 ? 16 : 8;

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Inside a layer's kernels: the frozen copy's layout, Freeze, FrozenStep and the packed step.</summary>
    public static void EmitKernels(SourceWriter w, LayerKernels kernels)
    {
        LayerSpec spec = kernels.Spec;
        if (TileFor(spec) is not int tile)
        {
            w.Lines("""
                /// <summary>Floats of a frozen copy: no packed kernel fits this size (H is not a multiple of 8), so it is the parameters as they are.</summary>
                public static int FrozenLength => ParameterCount;

                /// <summary>A frozen copy of one direction's parameters: a plain copy.</summary>
                private static void Freeze(global::System.ReadOnlySpan<float> parameters, global::System.Span<float> frozen) => parameters.CopyTo(frozen);

                /// <summary>One step on a frozen copy, updating a layer state in place with the layer's own step; scratch holds StateSize + ActivationsPerStep floats.</summary>
                private static void FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch)
                {
                    Copy(ref state, ref scratch, StateSize);
                    Step(ref frozen, ref x, ref scratch, ref state, ref At(ref scratch, StateSize));
                }
                """);
            return;
        }

        int gates = spec.Gates, vectors = tile / 8, tiles = spec.Hidden / tile, width = gates * tile;
        int biases = (gates + (kernels.SeparateBiasGate >= 0 ? 1 : 0)) * tile;
        string hr = kernels.Projected ? "PackedHrOffset = PackedBiasOffset + Tiles * TileBiases, PackedLength = PackedHrOffset + ProjectionSize * HiddenSize" : "PackedLength = PackedBiasOffset + Tiles * TileBiases";
        w.Lines($$"""
            /// <summary>Hidden units per tile of the packed layout, tiles, and floats per packed column (every gate's rows of a tile).</summary>
            public const int Tile = {{N(tile)}}, Tiles = {{N(tiles)}}, TileColumn = {{N(width)}};
            public const int TileWeights = (InputSize + {{kernels.Recurrent}}) * TileColumn, TileBiases = {{N(biases)}};
            public const int PackedBiasOffset = Tiles * TileWeights, {{hr}};

            /// <summary>Whether a frozen copy is packed: the packed kernel is written for 256-bit vectors.</summary>
            public static bool PackedPath => global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

            /// <summary>Floats of a frozen copy: packed on the Vector256 path, the parameters as they are elsewhere.</summary>
            public static int FrozenLength => PackedPath ? PackedLength : ParameterCount;

            /// <summary>A frozen copy of one direction's parameters: packed (layout: RnnGen.Simd.KernelBase.PackTiles) on the Vector256 path, a plain copy elsewhere.</summary>
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

        // One tile reads all of h before it writes any, and a projection writes h after every tile: then the state is
        // updated in place. Otherwise every tile reads all of h while earlier tiles write theirs: step from a copy.
        bool inPlace = tiles == 1 || kernels.Projected;
        string packed = kernels.Projected
            ? "PackedStep256(ref frozen, ref x, ref state, ref state, ref scratch);   // h is written after every tile: in place, m in scratch"
            : inPlace
                ? "PackedStep256(ref frozen, ref x, ref state, ref state);   // one tile reads all of h before it writes any: in place"
                : """
                  Copy(ref state, ref scratch, HiddenSize);   // every tile reads all of h: step from a copy (c is updated in place)
                  PackedStep256(ref frozen, ref x, ref scratch, ref state);
                  """;
        w.Lines($$"""
            /// <summary>One step on a frozen copy, updating a layer state in place; scratch holds StateSize + ActivationsPerStep floats.</summary>
            private static void FrozenStep(ref float frozen, ref float x, ref float state, ref float scratch)
            {
                if (PackedPath)
                {
                    {{packed.Replace("\n", "\n        ")}}
                    return;
                }

                Copy(ref state, ref scratch, StateSize);
                Step(ref frozen, ref x, ref scratch, ref state, ref At(ref scratch, StateSize));
            }

            """);
        EmitPackedStep(w, kernels, tile, vectors);
    }

    private static void EmitPackedStep(SourceWriter w, LayerKernels kernels, int tile, int vectors)
    {
        LayerSpec spec = kernels.Spec;
        int accumulators = kernels.GateNames.Length * vectors;
        int sets = accumulators >= Chains ? 1 : 2;
        var names = new List<string>();
        foreach (string gate in kernels.GateNames)
        {
            for (int v = 0; v < vectors; v++)
            {
                names.Add($"a{gate}{N(v)}");
            }
        }

        string m = kernels.Projected ? ", ref float m" : "";
        w.Line(kernels.Projected
            ? "/// <summary>One step on packed weights: h from previous, c updated in place in next, each unit's m into m, then h' = W_hr·m into next.</summary>"
            : "/// <summary>One step on packed weights: h from previous (a copy, or the state itself when there is one tile); c and h' into next.</summary>");
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
        using (w.Block($"private static void PackedStep256(ref float w, ref float x, ref float previous, ref float next{m})"))
        {
            w.Line($"// Per tile of {N(tile)} hidden units: a = W·[x; h] + b for the tile's rows of every gate, one column at a time");
            w.Line("// (broadcast z_k, multiply-add the column's contiguous weights), then the gate equations in registers.");
            using (w.Block("for (nint tile = 0; tile < Tiles; tile++)"))
            {
                w.Line("ref float column = ref At(ref w, tile * TileWeights);");
                w.Line("ref float bias = ref At(ref w, PackedBiasOffset + tile * TileBiases);");
                w.Line(spec.Bias ? kernels.PackedBiasComment : "// no biases: the packed biases are zero");
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
                kernels.EmitPackedBetweenProducts(w, tile, vectors, sets);
                w.Line();
                w.Line("// += W_hh·h");
                EmitColumns(w, names, sets, spec.Recurrent, "previous", kernels.Recurrent);
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
                        w.Line(kernels.PackedBindings(v));
                        kernels.EmitStateUpdate(w, Width.V256, StateTargets.Packed);
                    }
                }
            }

            if (kernels is LstmKernels { Projected: true } lstm)
            {
                w.Line();
                w.Line("ref float hr = ref At(ref w, PackedHrOffset - WeightHrOffset);   // weight_hr follows the tiles, indexed as in the parameters");
                lstm.EmitProjection(w, Width.V256, weights: "hr");
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
