namespace RnnGen.Generator.Model;

/// <summary>
/// The weights an attribute compiles into the assembly (<c>Weights = "tagger.safetensors"</c>, <c>WeightsPrefix</c>,
/// <c>WeightsLayer</c>): enough to emit <c>FromEmbeddedWeights()</c>. <see cref="FileName"/> is the bare file name,
/// the name of the manifest resource's last part.
/// </summary>
internal sealed record EmbeddedWeights(string FileName, string Prefix, int Layer);
