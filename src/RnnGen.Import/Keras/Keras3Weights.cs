using System.Text.RegularExpressions;
using PureHDF;

namespace RnnGen.Import.Keras;

/// <summary>
/// A <c>.keras</c> file's <c>model.weights.h5</c> (Keras 3, keras/src/saving/saving_lib.py): the model's layer list
/// is stored under <c>layers/</c>, each layer addressed not by its name but by its class in snake case with
/// <c>_1</c>, <c>_2</c>, … per class in list order; a layer's own variables are datasets <c>0</c>, <c>1</c>, … of its
/// <c>vars</c> group, an LSTM/GRU's under <c>cell/vars</c>, a Bidirectional's under <c>forward_layer/cell/vars</c>
/// and <c>backward_layer/cell/vars</c>, a TimeDistributed's wrapped layer's under <c>layer/vars</c>. Since Keras 3.6 each <c>vars</c> group also records the layer's name.
/// </summary>
internal sealed partial class Keras3Weights(IH5Group root, string source) : IKerasWeights
{
    public IReadOnlyList<KerasArray> Arrays(IReadOnlyList<KerasLayer> layers, int index)
    {
        KerasLayer layer = layers[index];
        string element = $"layer '{layer.Name}'";
        // tf.keras 2.13 wrote the list under this name; Keras 3 reads both (H5IOStore.get).
        string container = root.LinkExists("layers") ? "layers" : root.LinkExists("_layer_checkpoint_dependencies") ? "_layer_checkpoint_dependencies"
            : throw new ImportException(source, null, "model.weights.h5 has no 'layers' group");
        string path = $"{container}/{StoreName(layers, index)}";
        if (!root.LinkExists(path))
        {
            throw new ImportException(source, element, $"model.weights.h5 has no group '{path}', where Keras 3 stores this layer's weights");
        }

        // Keras >= 3.6 records the owner's name: a mismatch means the class-name counting went wrong, so stop.
        if (root.LinkExists(path + "/vars") && Hdf5Reading.ReadString(root.Group(path + "/vars"), "name", source) is { } stored && stored != layer.Name)
        {
            throw new ImportException(source, element, $"the weights at '{path}' belong to layer '{stored}'");
        }

        return layer.ClassName switch
        {
            "Bidirectional" => [.. Vars(path + "/forward_layer/cell/vars", element), .. Vars(path + "/backward_layer/cell/vars", element)],
            "Dense" => Vars(path + "/vars", element),
            "TimeDistributed" => Vars(path + "/layer/vars", element),
            _ => Vars(path + "/cell/vars", element),
        };
    }

    /// <summary>The store name of the layer at <paramref name="index"/>: <c>to_snake_case(class)</c>, suffixed by how many earlier layers share it.</summary>
    internal static string StoreName(IReadOnlyList<KerasLayer> layers, int index)
    {
        string name = ToSnakeCase(layers[index].ClassName);
        int earlier = layers.Take(index).Count(l => ToSnakeCase(l.ClassName) == name);
        return earlier == 0 ? name : $"{name}_{earlier}";
    }

    /// <summary>Keras's <c>keras/src/utils/naming.py</c> <c>to_snake_case</c>: LSTM → lstm, SimpleRNN → simple_rnn.</summary>
    internal static string ToSnakeCase(string name)
    {
        name = NonWord().Replace(name, "");
        name = CapitalizedWord().Replace(name, "$1_$2");
        return LowerUpper().Replace(name, "$1_$2").ToLowerInvariant();
    }

    private List<KerasArray> Vars(string path, string element)
    {
        if (!root.LinkExists(path))
        {
            throw new ImportException(source, element, $"model.weights.h5 has no group '{path}'");
        }

        IH5Group vars = root.Group(path);
        var arrays = new List<KerasArray>();
        for (int i = 0; vars.LinkExists(i.ToString(System.Globalization.CultureInfo.InvariantCulture)); i++)
        {
            arrays.Add(Hdf5Reading.ReadArray(root, $"{path}/{i}", source, element));
        }

        return arrays;
    }

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex CapitalizedWord();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();
}
