using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Diagnostics;

/// <summary>Every diagnostic the generator reports. Ids are stable; AnalyzerReleases.*.md track them.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";

    /// <summary>Sizes above this would need more than 64 KB of stack scratch per step (G·H floats of pre-activations).</summary>
    public const int MaxSize = 4096;

    public static readonly DiagnosticDescriptor TypeNotPartial = new(
        "RNNG001", "Cell type must be partial",
        "'{0}' has [{1}] but is not declared partial; add the partial modifier so RnnGen can generate its members",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "RNNG002", "Containing type must be partial",
        "'{0}' has [{1}] but its containing type '{2}' is not declared partial; every containing type must be partial",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericType = new(
        "RNNG003", "Cell type cannot be generic",
        "'{0}' has [{1}] but is generic; a generated cell has fixed sizes and float parameters, so declare it without type parameters",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SizeOutOfRange = new(
        "RNNG004", "Cell size out of range",
        "'{0}' has [{1}] with {2} = {3}; it must be between 1 and 4096 (larger cells would need more than 64 KB of stack scratch per step)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor BothCellAttributes = new(
        "RNNG005", "A type can be one cell only",
        "'{0}' has both [Lstm] and [Gru]; keep one of them",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAnInstanceClass = new(
        "RNNG006", "Cell must be a non-static, non-record class",
        "'{0}' has [{1}] but is a {2}; a cell must be a non-static class (not a record)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MemberCollision = new(
        "RNNG007", "Member name reserved by the generated cell",
        "'{0}' declares '{1}', which RnnGen generates for [{2}] cells; rename or remove it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
