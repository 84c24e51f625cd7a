using System.Linq;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// The frozen kernels of a hoisted sequence: FrozenProjectInputs computes the input part of a block of steps' gates at once,
/// FrozenStepProjected steps on the recurrent part alone. On a packed copy the projection is an outer-product GEMM over the
/// packed W_ih columns (RnnGen.Simd.PackedInputProjection) in the packed biases' layout; on a plain copy they are the live
/// ProjectInputs and StepProjected.
/// </summary>
internal static partial class FrozenEmitter
{
    /// <summary>A plain frozen copy (no packed kernel): the live hoisted kernels run on it.</summary>
    private static void EmitUnpackedHoisted(SourceWriter w) => w.Lines("""

        /// <summary>Whether a frozen copy is packed: never for this layer.</summary>
        public static bool FrozenPacked => false;

        /// <summary>The input parts of a block of steps on a frozen copy: the parameters' own ProjectInputs.</summary>
        private static void FrozenProjectInputs(ref float frozen, ref float xs, int xStride, ref float projected, int steps) =>
            ProjectInputs(ref frozen, ref xs, xStride, ref projected, steps);

        /// <summary>FrozenStep with its input part read from a row of FrozenProjectInputs; scratch holds StateSize + ActivationsPerStep floats.</summary>
        [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static void FrozenStepProjected(ref float frozen, ref float projected, ref float state, ref float scratch)
        {
            StepProjectedState(ref frozen, ref projected, ref state, ref scratch);
        }
        """);

    /// <summary>
    /// How a frozen step updates a layer state in place with a packed step (<paramref name="call"/>: its name and its
    /// arguments up to the input): one tile reads all of h before it writes any, and a projection writes h after every
    /// tile, so those step in place; otherwise every tile reads all of h while earlier tiles write theirs: from a copy.
    /// </summary>
    private static string PackedStateUpdate(LayerKernels kernels, bool inPlace, string call) => kernels.Projected
        ? $"{call}, ref state, ref state, ref scratch);   // h is written after every tile: in place, m in scratch"
        : inPlace
            ? $"{call}, ref state, ref state);   // one tile reads all of h before it writes any: in place"
            : $"""
              CopyStored(ref state, ref scratch, HiddenSize, StoredFloats);   // every tile reads all of h: step from a copy (c is updated in place)
              {call}, ref scratch, ref state);
              """;

    /// <summary>A packed frozen copy: the packed projection and <paramref name="step"/> (PackedStepProjected256, or its dispatcher where tiles of 16 also have a Vector512 body), updating the state as FrozenStep does.</summary>
    private static void EmitPackedHoisted(SourceWriter w, LayerKernels kernels, bool inPlace, string step)
    {
        string packed = PackedStateUpdate(kernels, inPlace, $"{step}(ref frozen, ref projected");
        w.Lines($$"""
            /// <summary>Whether a frozen copy is packed (the Vector256 path).</summary>
            public static bool FrozenPacked => PackedPath;

            /// <summary>
            /// Row t of projected (GateRows floats) = the input part of a frozen step's gates for x_t = xs[t·xStride…]: on a packed
            /// copy the packed biases + W_ih·x_t per tile (the biases' layout), one outer product over the packed W_ih columns for
            /// the block; on a plain copy the parameters' own ProjectInputs.
            /// </summary>
            private static void FrozenProjectInputs(ref float frozen, ref float xs, int xStride, ref float projected, int steps)
            {
                if (PackedPath)
                {
                    ProjectPackedInputs(ref frozen, TileInputWeights, ref At(ref frozen, PackedBiasOffset), TileBiases, Tiles, TileColumn, InputSize, ref xs, xStride, ref projected, steps);
                }
                else
                {
                    ProjectInputs(ref frozen, ref xs, xStride, ref projected, steps);
                }
            }

            /// <summary>FrozenStep with its input part read from a row of FrozenProjectInputs; scratch holds StateSize + ActivationsPerStep floats.</summary>
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void FrozenStepProjected(ref float frozen, ref float projected, ref float state, ref float scratch)
            {
                if (PackedPath)
                {
                    {{packed.Replace("\n", "\n        ")}}
                    return;
                }

                StepProjectedState(ref frozen, ref projected, ref state, ref scratch);
            }
            """);
    }

    /// <summary>A layer whose hoisted steps run on a packed copy of 16-unit tiles (ProjectsAhead): on Vector512 the next block's input parts are computed inside the steps.</summary>
    private static void EmitProjectAhead(SourceWriter w) => w.Lines($$"""
        /// <summary>Whether FrozenStepProjectedAhead computes the next block's input parts inside its steps (on Vector512).</summary>
        public static bool FrozenProjectsAhead => global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;

        /// <summary>
        /// FrozenStepProjected for step <c>step</c> (0 ≤ step &lt; AheadSteps) of a block, which also computes its share of the
        /// next block's input parts for the AheadSteps inputs at xsAhead (InputSize apart): rows 0 … AheadSteps − 1 of
        /// projectedAhead, complete once every step of the block has run, are the floats FrozenProjectInputs gives.
        /// </summary>
        [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        private static void FrozenStepProjectedAhead(ref float frozen, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead)
        {
            if (!FrozenProjectsAhead)
            {
                {{Indent(BlockByBlock, "        ")}}
                return;
            }

            CopyStored(ref state, ref scratch, HiddenSize, StoredFloats);   // every tile reads all of h: step from a copy (c is updated in place)
            PackedStepProjectedAhead512(ref frozen, ref projected, ref scratch, ref state, step, ref xsAhead, ref projectedAhead);
        }
        """);

    /// <summary>A layer that projects each block before its steps (<paramref name="why"/>); FrozenStepProjectedAhead does the same in the block's first step.</summary>
    private static void EmitNoProjectAhead(SourceWriter w, string why) => w.Lines($$"""

        /// <summary>Whether FrozenStepProjectedAhead computes the next block's input parts inside its steps: never here ({{why}}).</summary>
        public static bool FrozenProjectsAhead => false;

        /// <summary>FrozenStepProjected for step <c>step</c> of a block; at step 0 it first writes the next block's input parts (FrozenProjectInputs of the AheadSteps inputs at xsAhead).</summary>
        private static void FrozenStepProjectedAhead(ref float frozen, ref float projected, ref float state, ref float scratch, int step, ref float xsAhead, ref float projectedAhead)
        {
            {{Indent(BlockByBlock, "    ")}}
        }
        """);

    /// <summary>Lines after the first of <paramref name="code"/> moved right by <paramref name="pad"/> (to sit inside a template's block); empty ones stay empty.</summary>
    private static string Indent(string code, string pad) => string.Join("\n", code.Split('\n').Select((line, i) => i == 0 || line.Length == 0 ? line : pad + line));

    /// <summary>FrozenStepProjectedAhead without projecting ahead: the next block's input parts all at the block's first step.</summary>
    private const string BlockByBlock = """
        if (step == 0)
        {
            FrozenProjectInputs(ref frozen, ref xsAhead, InputSize, ref projectedAhead, global::RnnGen.Generated.ILayerKernels.AheadSteps);
        }

        FrozenStepProjected(ref frozen, ref projected, ref state, ref scratch);
        """;
}
