namespace RnnGen.Import.Keras;

/// <summary>Where a Keras file keeps a layer's weights: Keras 3's class-named store paths or Keras 2's weight_names.</summary>
internal interface IKerasWeights
{
    /// <summary>
    /// The weights of the layer at <paramref name="index"/> of the model's layer list, in Keras's order: kernel,
    /// recurrent_kernel[, bias] for LSTM/GRU (a Bidirectional's forward layer's, then its backward layer's), kernel[, bias] for Dense.
    /// </summary>
    IReadOnlyList<KerasArray> Arrays(IReadOnlyList<KerasLayer> layers, int index);
}
