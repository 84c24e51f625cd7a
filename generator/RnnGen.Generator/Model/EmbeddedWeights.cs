using System;

namespace RnnGen.Generator.Model;

/// <summary>
/// The weights an attribute compiles into the assembly (<c>Weights = "tagger.safetensors"</c>, <c>WeightsPrefix</c>,
/// <c>WeightsLayer</c>): enough to emit <c>FromEmbeddedWeights()</c>. <see cref="FileName"/> is the bare file name,
/// the name of the manifest resource's last part.
/// </summary>
internal sealed record EmbeddedWeights(string FileName, string Prefix, int Layer);

/// <summary>
/// One attribute that names embedded weights, with everything the build-time check needs: the model's shape, the
/// weights, and where to report. Kept apart from <see cref="ModelSpec"/> so a moved attribute never re-emits code.
/// </summary>
internal sealed record WeightsReference(string TypeName, ModelShapeSpec Shape, EmbeddedWeights Weights, LocationInfo? Location);

/// <summary>A tensor's entry in a weights header: name, dtype as spelled in the file, and shape.</summary>
internal sealed record HeaderTensor(string Name, string DType, EquatableArray<long> Shape) : IEquatable<HeaderTensor>;

/// <summary>
/// A weights file as the build sees it (from the sidecar RnnGen's MSBuild targets write for each
/// <c>RnnGenWeights</c> item): its file name, and either its tensors or why it is not a valid safetensors file.
/// </summary>
internal sealed record WeightsHeader(string FileName, string? Error, EquatableArray<HeaderTensor> Tensors) : IEquatable<WeightsHeader>;
