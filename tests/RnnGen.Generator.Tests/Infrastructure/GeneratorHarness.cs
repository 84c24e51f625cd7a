using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>Runs <see cref="RnnGenerator"/> in-process over a compilation of test sources.</summary>
internal static class GeneratorHarness
{
    /// <summary>Compiles <paramref name="sources"/> (as Source0.cs, Source1.cs, …) and runs the generator once.</summary>
    public static GeneratorRun Run(TargetProfile target, params string[] sources) =>
        Run(target, CreateCompilation(target, sources));

    public static GeneratorRun Run(params string[] sources) => Run(TargetProfile.Net10Latest, sources);

    public static GeneratorRun Run(TargetProfile target, CSharpCompilation compilation) =>
        GeneratorRun.From(CreateDriver(target).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _), compilation, output);

    /// <summary>
    /// Like <see cref="Run(string[])"/>, with <paramref name="additionalTexts"/> passed to the driver as a project's
    /// AdditionalFiles items are (the weights header sidecars, <c>*.rnngen</c>, that RnnGen's MSBuild targets write).
    /// </summary>
    public static GeneratorRun RunWithAdditionalTexts(IEnumerable<AdditionalText> additionalTexts, params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(TargetProfile.Net10Latest, sources);
        GeneratorDriver driver = CreateDriver(TargetProfile.Net10Latest).AddAdditionalTexts([.. additionalTexts]);
        return GeneratorRun.From(driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _), compilation, output);
    }

    /// <summary>Runs an existing driver again over the same compilation with one additional text replaced, as after a rebuild rewrote a sidecar.</summary>
    public static GeneratorRun RerunWithReplacedText(GeneratorRun previous, AdditionalText old, AdditionalText replacement) =>
        GeneratorRun.From(
            previous.Driver.ReplaceAdditionalText(old, replacement).RunGeneratorsAndUpdateCompilation(previous.Input, out Compilation output, out _),
            previous.Input,
            output);

    /// <summary>Runs an existing driver again, as an IDE does after an edit: unchanged pipeline steps come from its cache.</summary>
    public static GeneratorRun Rerun(GeneratorRun previous, CSharpCompilation compilation) =>
        GeneratorRun.From(previous.Driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _), compilation, output);

    public static CSharpCompilation CreateCompilation(TargetProfile target, params string[] sources) =>
        CSharpCompilation.Create(
            "Consumer",
            sources.Select((source, i) => ParseSource(target, source, $"Source{i}.cs")),
            target.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static SyntaxTree ParseSource(TargetProfile target, string source, string path) =>
        CSharpSyntaxTree.ParseText(source, target.ParseOptions, path);

    // Generated trees are parsed with documentation diagnostics on, as in a consumer with GenerateDocumentationFile:
    // the generated code must not warn there either (CS1591, bad crefs). Test sources stay undocumented.
    private static GeneratorDriver CreateDriver(TargetProfile target) =>
        CSharpGeneratorDriver.Create(
            [new RnnGenerator().AsSourceGenerator()],
            parseOptions: target.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
}

/// <summary>One generator run: what it generated and reported, the compilation it updated, and the driver for the next run.</summary>
internal sealed record GeneratorRun(GeneratorDriver Driver, GeneratorRunResult Result, CSharpCompilation Input, Compilation Output)
{
    public static GeneratorRun From(GeneratorDriver driver, CSharpCompilation input, Compilation output) =>
        new(driver, driver.GetRunResult().Results.Single(), input, output);

    public ImmutableArray<GeneratedSourceResult> Sources => Result.GeneratedSources;

    /// <summary>What the generator reported (RNNG0xx).</summary>
    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    public string[] HintNames => [.. Sources.Select(s => s.HintName)];

    public string Source(string hintName) =>
        Sources.SingleOrDefault(s => s.HintName == hintName).SourceText?.ToString()
        ?? throw new KeyNotFoundException($"No generated source '{hintName}'; generated: {string.Join(", ", HintNames)}.");

    /// <summary>Every compiler diagnostic, of any severity, of the user sources plus the generated code, emit included.</summary>
    public ImmutableArray<Diagnostic> CompilerDiagnostics()
    {
        using var peStream = new MemoryStream();
        return [.. Output.GetDiagnostics().Concat(Output.Emit(peStream).Diagnostics).Distinct()];
    }
}
