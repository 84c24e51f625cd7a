using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

// The weight-file surface of a generated model, in its own emitted #region: LoadWeights / SaveWeights (path, stream,
// shared WeightFile) and, when the attribute names embedded weights, FromEmbeddedWeights(). Each member is one call into
// the runtime's RnnGen.IO.ModelWeights, which holds all the logic (shared with the reference models). A single-layer
// class also takes a layer: which layer of a stacked file it reads.
internal static partial class ModelEmitter
{
    private static void EmitWeightFiles(SourceWriter w, ModelSpec spec)
    {
        ModelShapeSpec shape = spec.Shape;
        Layout.ModelLayout layout = shape.Layout;
        bool single = shape.Layers == 1;
        string layerParameter = single ? ", int layer = 0" : "";
        string layerArgument = single ? ", layer" : "";
        string layerDoc = single ? "\n/// <param name=\"layer\">The layer of a stacked PyTorch module to read (names end in <c>_l{layer}</c>).</param>" : "";
        string saveLayerDoc = single ? "\n/// <param name=\"layer\">The layer index in the names.</param>" : "";
        var names = layout.Tensors();
        string example = Xml(names[0].Name) + (names.Count > 1 ? $"</c>, <c>{Xml(names[1].Name)}" : "");
        w.Line("#region Weight files: safetensors in PyTorch's state_dict names (logic in global::RnnGen.IO.ModelWeights)");
        w.Lines($$"""
            /// <summary>
            /// Loads the parameters from a safetensors file in the module's state_dict names (<c>{prefix}{{example}}</c>, …;
            /// see <see cref="Shape"/>), in F32, F64, F16 or BF16. Every tensor is checked before anything is written, so on any
            /// error the parameters stay exactly as they were.
            /// </summary>
            /// <param name="path">The file.</param>
            /// <param name="prefix">Prepended verbatim to every name, e.g. <c>"encoder."</c> for a model that is a submodule.</param>
            /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this model does not use are an error.</param>{{layerDoc}}
            /// <exception cref="global::System.IO.InvalidDataException">The file is not a valid safetensors file, or a tensor is missing or has another shape; the message names the file, the tensor and the problem.</exception>
            /// <exception cref="global::System.IO.FileNotFoundException">There is no such file.</exception>
            public void LoadWeights(string path, string prefix = "", bool strict = false{{layerParameter}}) =>
                global::RnnGen.IO.ModelWeights.Load(this, path, prefix, strict{{layerArgument}});

            /// <summary>Loads the parameters from a safetensors file read from <paramref name="stream"/> to its end (the stream is left open); on any error they stay unchanged.</summary>
            /// <param name="stream">The file's bytes.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this model does not use are an error.</param>{{layerDoc}}
            /// <exception cref="global::System.IO.InvalidDataException">The bytes are not a valid safetensors file, or a tensor is missing or has another shape.</exception>
            public void LoadWeights(global::System.IO.Stream stream, string prefix = "", bool strict = false{{layerParameter}}) =>
                global::RnnGen.IO.ModelWeights.Load(this, stream, prefix, strict{{layerArgument}});

            /// <summary>Loads the parameters from a weight file shared with other modules; on any error they stay unchanged.</summary>
            /// <param name="file">The tensors, read once.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>
            /// <param name="strict">When true, tensors under <paramref name="prefix"/> that this model does not use are an error.</param>{{layerDoc}}
            /// <exception cref="global::System.IO.InvalidDataException">A tensor is missing or has another shape or a non-float dtype.</exception>
            public void LoadWeights(global::RnnGen.IO.WeightFile file, string prefix = "", bool strict = false{{layerParameter}}) =>
                global::RnnGen.IO.ModelWeights.Load(this, file, prefix, strict{{layerArgument}});

            /// <summary>Saves the parameters as a new F32 safetensors file, atomically: an existing file is replaced only once the new one is complete on disk.</summary>
            /// <param name="path">The file.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>{{saveLayerDoc}}
            public void SaveWeights(string path, string prefix = ""{{layerParameter}}) =>
                global::RnnGen.IO.ModelWeights.Save(this, path, prefix{{layerArgument}});

            /// <summary>Writes the parameters as an F32 safetensors file into <paramref name="stream"/> (left open).</summary>
            /// <param name="stream">Where the file's bytes go.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>{{saveLayerDoc}}
            public void SaveWeights(global::System.IO.Stream stream, string prefix = ""{{layerParameter}}) =>
                global::RnnGen.IO.ModelWeights.Save(this, stream, prefix{{layerArgument}});

            /// <summary>Adds the parameters to a weight file shared with other modules; save that with its <c>Save</c>.</summary>
            /// <param name="file">The shared tensors.</param>
            /// <param name="prefix">Prepended verbatim to every name.</param>{{saveLayerDoc}}
            public void SaveWeights(global::RnnGen.IO.WeightFile file, string prefix = ""{{layerParameter}}) =>
                global::RnnGen.IO.ModelWeights.Save(this, file, prefix{{layerArgument}});
            """);

        if (spec.Weights is { } weights)
        {
            string name = spec.Type.Name;
            string file = SymbolDisplay.FormatLiteral(weights.FileName, quote: true);
            string prefix = SymbolDisplay.FormatLiteral(weights.Prefix, quote: true);
            string first = Xml(weights.Prefix + layout.Tensors(weights.Layer)[0].Name);
            w.Line();
            w.Lines($$"""
                /// <summary>
                /// A {{name}} with the weights compiled into this assembly from <c>{{Xml(weights.FileName)}}</c> (tensors <c>{{first}}</c>, …),
                /// whose names and shapes the build checked against this model.
                /// </summary>
                /// <exception cref="global::System.IO.FileNotFoundException">The assembly does not embed the file: the project needs <c>&lt;RnnGenWeights Include="{{Xml(weights.FileName)}}" /&gt;</c>.</exception>
                /// <exception cref="global::System.IO.InvalidDataException">The embedded file is invalid or does not fit this model.</exception>
                public static {{name}} FromEmbeddedWeights()
                {
                    var model = new {{name}}();
                    {{RuntimeTypes.ModelWeights}}.Load(model, {{RuntimeTypes.WeightFile}}.LoadEmbedded(typeof({{name}}).Assembly, {{file}}), {{prefix}}, strict: false, layer: {{N(weights.Layer)}});
                    return model;
                }
                """);
        }

        w.Line("#endregion");
    }
}
