using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;

namespace RnnGen.Generator.Tests;

/// <summary>
/// Every diagnostic's help link (what an IDE opens from the error list) leads to its own entry in docs/diagnostics.md:
/// the link is the page's address plus "#" and the lower-case id, the page has that anchor, and the entry under it
/// names the id, the descriptor's title and its severity. The descriptors are internal to the generator; they are
/// read by reflection, so a new one is covered without touching this test.
/// </summary>
public class DiagnosticHelpLinkTests
{
    private const string DescriptorsType = "RnnGen.Generator.Diagnostics.DiagnosticDescriptors";

    public static TheoryData<string> Ids => [.. Descriptors().Select(d => d.Id)];

    [Fact]
    public void DescriptorsAreFoundByReflection() => Assert.True(Descriptors().Count >= 20, $"found only {Descriptors().Count} descriptors");

    [Theory]
    [MemberData(nameof(Ids))]
    public void HelpLinkIsTheDiagnosticsPageAtTheIdsAnchor(string id)
    {
        DiagnosticDescriptor descriptor = Descriptors().Single(d => d.Id == id);
        string helpLinkBase = (string)DescriptorsClass().GetField("HelpLinkBase", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;

        Assert.EndsWith("/docs/diagnostics.md", helpLinkBase);
        Assert.Equal(helpLinkBase + "#" + id.ToLowerInvariant(), descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void DiagnosticsPageHasTheAnchorAndAnEntryWithTheIdTitleAndSeverity(string id)
    {
        DiagnosticDescriptor descriptor = Descriptors().Single(d => d.Id == id);
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md")).ReplaceLineEndings("\n");
        string anchor = descriptor.HelpLinkUri[(descriptor.HelpLinkUri.LastIndexOf('#') + 1)..];

        // The anchor, then the entry's heading, then its first paragraph, which starts with the severity.
        Match entry = Regex.Match(page, $"<a id=\"{Regex.Escape(anchor)}\"></a>\n#+ (?<heading>[^\n]*)\n\n(?<severity>\\w+)\\.");
        Assert.True(entry.Success, $"docs/diagnostics.md has no entry under <a id=\"{anchor}\"></a>");
        Assert.Equal($"{id}: {descriptor.Title}", entry.Groups["heading"].Value);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), entry.Groups["severity"].Value);
    }

    private static Type DescriptorsClass() => typeof(RnnGenerator).Assembly.GetType(DescriptorsType, throwOnError: true)!;

    private static List<DiagnosticDescriptor> Descriptors() =>
        [.. DescriptorsClass().GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)];

    /// <summary>The folder holding RnnGen.sln, found by walking up from the test's output folder.</summary>
    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RnnGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No RnnGen.sln above {AppContext.BaseDirectory}.");
    }
}
