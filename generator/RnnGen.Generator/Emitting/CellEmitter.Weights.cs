using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

// The weight-file surface of a generated cell, kept in its own emitted #region: LoadWeights / SaveWeights (path,
// stream, shared WeightFile) and, when the attribute names embedded weights, FromEmbeddedWeights(). Each member is
// one call into the runtime's RnnGen.IO.CellWeights, which holds all the logic (shared with the reference cells).
internal static partial class CellEmitter
{
    private static void EmitWeightFiles(SourceWriter w, CellSpec spec)
    {
        w.Line("#region Weight files: safetensors in PyTorch's state_dict names (logic in global::RnnGen.IO.CellWeights)");
        w.Lines("""
            /// <summary>
            /// Loads the parameters from a safetensors file in PyTorch's state_dict names: <c>{prefix}weight_ih_l{layer}</c>,
            /// <c>weight_hh_l{layer}</c>, <c>bias_ih_l{layer}</c>, <c>bias_hh_l{layer}</c>, in F32, F64, F16 or BF16. Every tensor is checked
            /// before anything is written, so on any error the parameters stay exactly as they were.
            /// </summary>
            /// <param name="path">The file.</param>
            /// <param name="prefix">Prepended verbatim to every name, e.g. <c>"rnn."</c> for a model whose RNN is <c>model.rnn</c>.</param>
            /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this cell does not use are an error.</param>
            /// <param name="layer">The layer of a stacked PyTorch RNN (<c>num_layers</c> &gt; 1).</param>
            /// <exception cref="global::System.IO.InvalidDataException">The file is not a valid safetensors file, or a tensor is missing or has another shape; the message names the file, the tensor and the problem.</exception>
            /// <exception cref="global::System.IO.FileNotFoundException">There is no such file.</exception>
            public void LoadWeights(string path, string prefix = "", bool strict = false, int layer = 0) =>
                global::RnnGen.IO.CellWeights.Load(this, path, prefix, strict, layer);

            /// <summary>Loads the parameters from a safetensors file read from <paramref name="stream"/> to its end (the stream is left open); on any error they stay unchanged.</summary>
            /// <param name="stream">The file's bytes.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this cell does not use are an error.</param>
            /// <param name="layer">The layer of a stacked PyTorch RNN.</param>
            /// <exception cref="global::System.IO.InvalidDataException">The bytes are not a valid safetensors file, or a tensor is missing or has another shape.</exception>
            public void LoadWeights(global::System.IO.Stream stream, string prefix = "", bool strict = false, int layer = 0) =>
                global::RnnGen.IO.CellWeights.Load(this, stream, prefix, strict, layer);

            /// <summary>Loads the parameters from a weight file shared with other modules; on any error they stay unchanged.</summary>
            /// <param name="file">The tensors, read once.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this cell does not use are an error.</param>
            /// <param name="layer">The layer of a stacked PyTorch RNN.</param>
            /// <exception cref="global::System.IO.InvalidDataException">A tensor is missing or has another shape or a non-float dtype.</exception>
            public void LoadWeights(global::RnnGen.IO.WeightFile file, string prefix = "", bool strict = false, int layer = 0) =>
                global::RnnGen.IO.CellWeights.Load(this, file, prefix, strict, layer);

            /// <summary>Saves the parameters as a new F32 safetensors file, atomically: an existing file is replaced only once the new one is complete on disk.</summary>
            /// <param name="path">The file.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="layer">The layer index in the names.</param>
            public void SaveWeights(string path, string prefix = "", int layer = 0) =>
                global::RnnGen.IO.CellWeights.Save(this, path, prefix, layer);

            /// <summary>Writes the parameters as an F32 safetensors file into <paramref name="stream"/> (left open).</summary>
            /// <param name="stream">Where the file's bytes go.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="layer">The layer index in the names.</param>
            public void SaveWeights(global::System.IO.Stream stream, string prefix = "", int layer = 0) =>
                global::RnnGen.IO.CellWeights.Save(this, stream, prefix, layer);

            /// <summary>Adds the parameters to a weight file shared with other modules; save that with its <c>Save</c>.</summary>
            /// <param name="file">The shared tensors.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="layer">The layer index in the names.</param>
            public void SaveWeights(global::RnnGen.IO.WeightFile file, string prefix = "", int layer = 0) =>
                global::RnnGen.IO.CellWeights.Save(this, file, prefix, layer);
            """);

        if (spec.Weights is { } weights)
        {
            string name = spec.Type.Name;
            string file = SymbolDisplay.FormatLiteral(weights.FileName, quote: true);
            string prefix = SymbolDisplay.FormatLiteral(weights.Prefix, quote: true);
            string layer = N(weights.Layer);
            string first = Xml(weights.Prefix + "weight_ih_l" + layer);
            w.Line();
            w.Lines($$"""
                /// <summary>
                /// A {{name}} with the weights compiled into this assembly from <c>{{Xml(weights.FileName)}}</c> (tensors <c>{{first}}</c>, …),
                /// whose names and shapes the build checked against this cell.
                /// </summary>
                /// <exception cref="global::System.IO.FileNotFoundException">The assembly does not embed the file: the project needs <c>&lt;RnnGenWeights Include="{{Xml(weights.FileName)}}" /&gt;</c>.</exception>
                /// <exception cref="global::System.IO.InvalidDataException">The embedded file is invalid or does not fit this cell.</exception>
                public static {{name}} FromEmbeddedWeights()
                {
                    var cell = new {{name}}();
                    global::RnnGen.IO.CellWeights.LoadEmbedded(cell, typeof({{name}}).Assembly, {{file}}, {{prefix}}, {{layer}});
                    return cell;
                }
                """);
        }

        w.Line("#endregion");
    }

    private static string Xml(string text) =>
        text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
