namespace RnnGen.Generator.Model;

/// <summary>What parsing one [Dense] type yields: a spec to emit, or the diagnostics that explain why not.</summary>
internal sealed record DenseParseResult(DenseSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
