using PureHDF;

namespace RnnGen.Import.Keras;

/// <summary>
/// A Keras 2 full-model <c>.h5</c> (tf-keras tf_keras/saving/legacy/hdf5_format.py, standalone Keras 2's
/// keras/engine/saving.py): group <c>model_weights</c> lists <c>layer_names</c>; each layer's group lists its
/// <c>weight_names</c> in the layer's weight order, each naming a dataset under that group
/// (<c>lstm/lstm_cell/kernel:0</c> in tf.keras 2, <c>lstm_1/kernel:0</c> in standalone Keras 2).
/// </summary>
internal sealed class LegacyKerasWeights(IH5Group modelWeights, string source) : IKerasWeights
{
    private readonly IReadOnlyList<string> _layerNames = Hdf5Reading.ReadStringList(modelWeights, "layer_names", source)
        ?? throw new ImportException(source, null, "group 'model_weights' has no layer_names attribute");

    public IReadOnlyList<KerasArray> Arrays(IReadOnlyList<KerasLayer> layers, int index)
    {
        KerasLayer layer = layers[index];
        string element = $"layer '{layer.Name}'";
        if (!_layerNames.Contains(layer.Name) || !modelWeights.LinkExists(layer.Name))
        {
            throw new ImportException(source, element, "model_weights has no weights for this layer");
        }

        IH5Group group = modelWeights.Group(layer.Name);
        IReadOnlyList<string> names = Hdf5Reading.ReadStringList(group, "weight_names", source)
            ?? throw new ImportException(source, element, "the layer's weight group has no weight_names attribute");
        return names.Select(name => Hdf5Reading.ReadArray(group, name, source, element)).ToArray();
    }
}
