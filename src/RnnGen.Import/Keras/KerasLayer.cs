using System.Text.Json;

namespace RnnGen.Import.Keras;

/// <summary>
/// One entry of a Keras model's <c>config.layers</c>: its class, name and options, and for a Functional model the
/// layers it reads (<c>inbound_nodes</c>); null there means "the previous layer", as in a Sequential model.
/// </summary>
internal sealed record KerasLayer(string ClassName, string Name, JsonElement Config, IReadOnlyList<string>? Inbound)
{
    /// <summary>Whether this layer reads exactly <paramref name="previous"/>'s output.</summary>
    public bool Reads(KerasLayer previous) => Inbound is null || (Inbound.Count == 1 && Inbound[0] == previous.Name);

    /// <summary>An option of the layer's config, or default when absent or null.</summary>
    public JsonElement? Option(string key) =>
        Config.ValueKind == JsonValueKind.Object && Config.TryGetProperty(key, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A boolean option; <paramref name="fallback"/> when absent.</summary>
    public bool Flag(string key, bool fallback) => Option(key) switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        null => fallback,
        { } other => throw new FormatException($"option '{key}' is {other.GetRawText()}, expected true or false"),
    };

    /// <summary>A string option as Keras wrote it (activations serialize built-ins as their plain name), or the JSON text of anything else.</summary>
    public string? Text(string key) => Option(key) switch
    {
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        null => null,
        { } other => other.GetRawText(),
    };

    /// <summary>
    /// The layers of a model config (<c>{"class_name": …, "config": …}</c>, the content of <c>config.json</c> or of
    /// a legacy file's <c>model_config</c>): Sequential (<c>config.layers</c>, or a bare list up to Keras 2.2.2) or
    /// Functional/Model (<c>config.layers</c> with <c>inbound_nodes</c>).
    /// </summary>
    public static IReadOnlyList<KerasLayer> ListModel(JsonElement model)
    {
        string className = model.GetProperty("class_name").GetString() ?? "";
        JsonElement config = model.GetProperty("config");
        bool sequential = className == "Sequential";
        JsonElement layers = config.ValueKind == JsonValueKind.Array ? config
            : config.TryGetProperty("layers", out JsonElement list) && list.ValueKind == JsonValueKind.Array ? list
            : throw new FormatException($"the model ({className}) has no layer list: only Sequential and Functional models are read");
        var result = new List<KerasLayer>();
        foreach (JsonElement entry in layers.EnumerateArray())
        {
            result.Add(FromEntry(entry, sequential));
        }

        return result;
    }

    /// <summary>A layer from its <c>{"class_name", "config"[, "name", "inbound_nodes"]}</c> entry.</summary>
    public static KerasLayer FromEntry(JsonElement entry, bool sequential)
    {
        string className = entry.GetProperty("class_name").GetString() ?? "";
        JsonElement config = entry.GetProperty("config");
        string? name = entry.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()
            : config.ValueKind == JsonValueKind.Object && config.TryGetProperty("name", out JsonElement cn) && cn.ValueKind == JsonValueKind.String ? cn.GetString()
            : null;
        List<string>? inbound = null;
        if (!sequential && entry.TryGetProperty("inbound_nodes", out JsonElement nodes))
        {
            inbound = [];
            CollectHistory(nodes, inbound, depth: 0);
        }

        return new KerasLayer(className, name ?? throw new FormatException($"a {className} layer has no name"), config, inbound);
    }

    /// <summary>
    /// The layer names an <c>inbound_nodes</c> value refers to: every array <c>[name, node, tensor, …]</c> in it —
    /// Keras 2's <c>[["lstm", 0, 0, {}]]</c> and Keras 3's <c>"keras_history": ["lstm", 0, 0]</c> alike.
    /// </summary>
    private static void CollectHistory(JsonElement value, List<string> names, int depth)
    {
        if (depth > 32)
        {
            throw new FormatException("inbound_nodes nest too deeply");
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            if (value.GetArrayLength() >= 3 && value[0].ValueKind == JsonValueKind.String && value[1].ValueKind == JsonValueKind.Number && value[2].ValueKind == JsonValueKind.Number)
            {
                string name = value[0].GetString()!;
                if (!names.Contains(name))
                {
                    names.Add(name);
                }

                return;
            }

            foreach (JsonElement item in value.EnumerateArray())
            {
                CollectHistory(item, names, depth + 1);
            }
        }
        else if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in value.EnumerateObject())
            {
                CollectHistory(property.Value, names, depth + 1);
            }
        }
    }
}
