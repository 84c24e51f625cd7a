namespace RnnGen.Generator.Model;

/// <summary>
/// One attribute that names embedded weights, with everything the build-time check needs: the model's shape, the
/// weights, and where to report. Kept apart from <see cref="ModelSpec"/> so a moved attribute never re-emits code.
/// </summary>
internal sealed record WeightsReference(string TypeName, ModelShapeSpec Shape, EmbeddedWeights Weights, LocationInfo? Location);
