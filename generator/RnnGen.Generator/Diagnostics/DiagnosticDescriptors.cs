using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Diagnostics;

/// <summary>Every diagnostic the generator reports. Ids are stable; AnalyzerReleases.*.md track them.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";

    /// <summary>
    /// Where every diagnostic's help link points: docs/diagnostics.md, one anchor per id (#rnng001, …), at the
    /// repository's future public address (not published yet; the page is in this repository).
    /// </summary>
    public const string HelpLinkBase = "https://github.com/rnngen/rnngen/blob/main/docs/diagnostics.md";

    /// <summary>Sizes above this would need more than 64 KB of stack scratch per step (G·H floats of pre-activations).</summary>
    public const int MaxSize = 4096;

    /// <summary>The most layers a model may stack.</summary>
    public const int MaxLayers = RnnGen.Layout.ModelLayout.MaxLayers;

    /// <summary>A streaming step keeps every layer's state on the stack: at most this many floats (256 KB).</summary>
    public const int MaxStreamingState = 65536;

    public static readonly DiagnosticDescriptor TypeNotPartial = new(
        "RNNG001", "Cell type must be partial",
        "'{0}' has [{1}] but is not declared partial; add the partial modifier so RnnGen can generate its members",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng001");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "RNNG002", "Containing type must be partial",
        "'{0}' has [{1}] but its containing type '{2}' is not declared partial; every containing type must be partial",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng002");

    public static readonly DiagnosticDescriptor GenericType = new(
        "RNNG003", "Cell type cannot be generic",
        "'{0}' has [{1}] but is generic; a generated cell has fixed sizes and float parameters, so declare it without type parameters",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng003");

    public static readonly DiagnosticDescriptor SizeOutOfRange = new(
        "RNNG004", "Cell size out of range",
        "'{0}' has [{1}] with {2} = {3}; it must be between 1 and 4096 ({4})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng004");

    public static readonly DiagnosticDescriptor BothCellAttributes = new(
        "RNNG005", "A type can be one cell only",
        "'{0}' has both [Lstm] and [Gru]; keep one of them",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng005");

    public static readonly DiagnosticDescriptor NotAnInstanceClass = new(
        "RNNG006", "Cell must be a non-static, non-record class",
        "'{0}' has [{1}] but is a {2}; a cell must be a non-static class (not a record)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng006");

    public static readonly DiagnosticDescriptor MemberCollision = new(
        "RNNG007", "Member name reserved by the generated cell",
        "'{0}' declares '{1}', which RnnGen generates for [{2}] classes; rename or remove it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng007");

    // ---- Embedded weights (Weights = "x.safetensors"; see docs/weights.md). The MSBuild targets shipped with the
    // runtime library turn each <RnnGenWeights> item into a header sidecar that these checks read. ----

    public static readonly DiagnosticDescriptor WeightsNotFound = new(
        "RNNG008", "Embedded weights not found",
        "'{0}' names embedded weights '{1}', but the project has no <RnnGenWeights Include=\"{1}\" /> item{2}; add one so the file is embedded and its shapes are checked at build time",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng008");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = new(
        "RNNG009", "Embedded weights are not a valid safetensors file",
        "'{0}' names embedded weights '{1}', which is not a valid safetensors file: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng009");

    public static readonly DiagnosticDescriptor WeightsTensorMissing = new(
        "RNNG010", "Embedded weights lack a tensor",
        "'{0}' needs '{1}' from embedded weights '{2}', but the file has no such tensor{3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng010");

    public static readonly DiagnosticDescriptor WeightsShapeMismatch = new(
        "RNNG011", "Embedded weights have the wrong shape",
        "'{0}' ([{1}(input: {2}, hidden: {3})]) reads embedded weights '{4}': {5}: expected {6}, found {7}{8}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng011");

    public static readonly DiagnosticDescriptor WeightsNotFloat = new(
        "RNNG012", "Embedded weights are not floating-point",
        "'{0}' reads '{1}' from embedded weights '{2}', but its dtype is {3}; RnnGen reads F32, F64, F16 and BF16",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng012");

    public static readonly DiagnosticDescriptor InvalidWeightsSetting = new(
        "RNNG013", "Invalid embedded weights setting",
        "'{0}' has [{1}] with an invalid weights setting: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng013");

    public static readonly DiagnosticDescriptor WeightsGruVariantMismatch = new(
        "RNNG014", "Embedded weights are for the other GRU",
        "'{0}' reads embedded weights '{1}' of another GRU: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng014");

    public static readonly DiagnosticDescriptor PrimaryConstructor = new(
        "RNNG020", "Cell type cannot have a primary constructor",
        "'{0}' has [{1}] and a primary constructor; the generated constructors would have to call it, so declare an ordinary constructor instead",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng020");

    public static readonly DiagnosticDescriptor TypeNameReserved = new(
        "RNNG021", "Cell type name reserved by a generated member",
        "'{0}' has [{1}] but shares its name with a member RnnGen generates ('{0}'), which C# does not allow; rename the class",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng021");

    // ---- Whole models: [Lstm]/[Gru] with Layers, Bidirectional, ProjectionSize, Bias, Dropout, Name, and a [Dense] head. ----

    public static readonly DiagnosticDescriptor LayersOutOfRange = new(
        "RNNG023", "Layers out of range",
        "'{0}' has [{1}] with Layers = {2}; {3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng023");

    public static readonly DiagnosticDescriptor ProjectionOutOfRange = new(
        "RNNG024", "ProjectionSize out of range",
        "'{0}' has [Lstm] with ProjectionSize = {1}; it must be 0 (no projection) or between 1 and hidden − 1 = {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng024");

    public static readonly DiagnosticDescriptor DropoutOutOfRange = new(
        "RNNG025", "Dropout out of range",
        "'{0}' has [{1}] with Dropout = {2}; it must be at least 0 and less than 1",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng025");

    public static readonly DiagnosticDescriptor HeadInputMismatch = new(
        "RNNG026", "The head's input is not the model's output",
        "'{0}' has [Dense(input: {1}, …)] as the head of its [{2}], whose steps output {3} values ({4}); set input: {3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng026");

    public static readonly DiagnosticDescriptor DropoutWithoutLayers = new(
        "RNNG027", "Dropout has no effect on a single layer",
        "'{0}' has [{1}] with Dropout = {2} and one layer; dropout applies between layers, so it has no effect (PyTorch warns the same)",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng027");

    public static readonly DiagnosticDescriptor InvalidModuleName = new(
        "RNNG028", "Invalid module name",
        "'{0}' has [{1}] with Name = \"{2}\"; {3}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + "#rnng028");
}
