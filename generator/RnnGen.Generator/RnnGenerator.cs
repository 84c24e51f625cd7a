using Microsoft.CodeAnalysis;
using RnnGen.Generator.Emitting;
using RnnGen.Generator.Model;
using RnnGen.Generator.Parsing;

namespace RnnGen.Generator;

/// <summary>
/// Emits fixed-size SIMD forward and backward code for classes marked [Lstm], [Gru] (with a [Dense] head or not) or [Dense]:
/// attributes → <see cref="ModelSpec"/> / <see cref="DenseSpec"/> (plain values, cacheable) → C# source.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> lstm = context.SyntaxProvider
            .ForAttributeWithMetadataName(ModelParser.LstmAttributeName, Declarations.IsCandidate, (c, ct) => ModelParser.Parse(c, CellKind.Lstm, ct))
            .WithTrackingName(TrackingNames.LstmParsed);
        IncrementalValuesProvider<ParseResult> gru = context.SyntaxProvider
            .ForAttributeWithMetadataName(ModelParser.GruAttributeName, Declarations.IsCandidate, (c, ct) => ModelParser.Parse(c, CellKind.Gru, ct))
            .WithTrackingName(TrackingNames.GruParsed);

        Register(context, lstm, TrackingNames.LstmSpecs);
        Register(context, gru, TrackingNames.GruSpecs);

        // Embedded weights: the headers RnnGen's MSBuild targets extract, checked against the attributes naming them.
        IncrementalValueProvider<EquatableArray<WeightsHeader>> headers = context.AdditionalTextsProvider
            .Where(static text => WeightsHeaderParser.IsSidecar(text.Path))
            .Select(static (text, ct) => WeightsHeaderParser.Parse(text.Path, text.GetText(ct)?.ToString()))
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray())
            .WithTrackingName(TrackingNames.WeightsHeaders);
        RegisterWeightsCheck(context, lstm, headers);
        RegisterWeightsCheck(context, gru, headers);

        // Dense layers on their own (a [Dense] beside [Lstm]/[Gru] is that model's head): parse → spec → code, diagnostics on their own branch.
        IncrementalValuesProvider<DenseParseResult> dense = context.SyntaxProvider
            .ForAttributeWithMetadataName(DenseParser.DenseAttributeName, Declarations.IsCandidate, static (c, ct) => DenseParser.Parse(c, ct))
            .WithTrackingName(TrackingNames.DenseParsed);
        IncrementalValuesProvider<DenseSpec> denseSpecs = dense
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.DenseSpecs);
        context.RegisterSourceOutput(denseSpecs, static (spc, spec) => spc.AddSource(spec.HintName, DenseEmitter.Emit(spec)));
        context.RegisterSourceOutput(dense.Select(static (r, _) => r.Diagnostics).Where(static d => !d.IsEmpty), ReportAll);
    }

    private static void RegisterWeightsCheck(
        IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed, IncrementalValueProvider<EquatableArray<WeightsHeader>> headers)
    {
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Where(static r => r.Weights is not null)
            .Select(static (r, _) => r.Weights!)
            .Combine(headers)
            .Select(static (pair, _) => WeightsChecker.Check(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.WeightsCheck)
            .Where(static d => !d.IsEmpty);
        context.RegisterSourceOutput(diagnostics, ReportAll);
    }

    private static void Register(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed, string specsStep)
    {
        // Diagnostics and code travel on separate branches, so a diagnostic change never re-emits code.
        IncrementalValuesProvider<ModelSpec> specs = parsed
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(specsStep);
        context.RegisterSourceOutput(specs, static (spc, spec) => spc.AddSource(spec.HintName, ModelEmitter.Emit(spec)));

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (r, _) => r.Diagnostics)
            .Where(static d => !d.IsEmpty);
        context.RegisterSourceOutput(diagnostics, ReportAll);
    }

    private static void ReportAll(SourceProductionContext context, EquatableArray<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }
    }
}
