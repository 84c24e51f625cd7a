using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>Roslyn-test-style markup: <c>[|text|]</c> marks a span (where a diagnostic is expected) and is removed.</summary>
internal static class Markup
{
    public static (string Source, ImmutableArray<LinePositionSpan> Spans) Parse(string markup)
    {
        var source = new System.Text.StringBuilder();
        var spans = ImmutableArray.CreateBuilder<TextSpan>();
        int position = 0;
        while (true)
        {
            int open = markup.IndexOf("[|", position, StringComparison.Ordinal);
            if (open < 0)
            {
                break;
            }

            int close = markup.IndexOf("|]", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"Unclosed '[|' at {open}.", nameof(markup));
            }

            source.Append(markup, position, open - position);
            int start = source.Length;
            source.Append(markup, open + 2, close - open - 2);
            spans.Add(TextSpan.FromBounds(start, source.Length));
            position = close + 2;
        }

        source.Append(markup, position, markup.Length - position);
        SourceText text = SourceText.From(source.ToString());
        return (text.ToString(), [.. spans.Select(text.Lines.GetLinePositionSpan)]);
    }
}
