namespace RnnGen.Generator.Model;

/// <summary>
/// What parsing one annotated type yields: a spec to emit, or the diagnostics that explain why not; and, when the
/// attribute names embedded weights, what the build-time weights check needs.
/// </summary>
internal sealed record ParseResult(ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, WeightsReference? Weights = null);
