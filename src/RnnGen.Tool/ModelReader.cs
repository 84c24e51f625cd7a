using RnnGen.Import;

namespace RnnGen.Tool;

/// <summary>How the tool reads one file format: its name, the option that picks a stack or layer, the reader, and the stack lister (null: the reader's error lists them).</summary>
internal sealed record ModelReader(
    string Format, string SelectorOption, Func<string, string?, ImportedModel> Read, Func<string, IReadOnlyList<string>>? ListStacks)
{
    /// <summary>The readers by file extension; adding a format is one line here.</summary>
    public static IReadOnlyDictionary<string, ModelReader> ByExtension { get; } = new Dictionary<string, ModelReader>(StringComparer.OrdinalIgnoreCase)
    {
        [".onnx"] = new("ONNX", "--node", (path, node) => OnnxImport.Read(path, node), OnnxImport.ListStacks),
        [".keras"] = new("Keras", "--layer", (path, layer) => KerasImport.Read(path, layer), ListStacks: null),
        [".h5"] = new("Keras", "--layer", (path, layer) => KerasImport.Read(path, layer), ListStacks: null),
    };
}
