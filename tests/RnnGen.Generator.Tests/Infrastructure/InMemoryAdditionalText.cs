using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>An AdditionalFiles item held in memory: a path (the generator picks files by their extension) and its text.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;

    public override string ToString() => Path;
}
