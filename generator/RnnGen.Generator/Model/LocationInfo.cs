using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Model;

/// <summary>A source location without the syntax tree it came from, so pipeline outputs do not root a compilation.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location?.SourceTree is null ? null : new(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}
