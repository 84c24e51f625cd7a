using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace RnnGen.Tests.Repository;

/// <summary>
/// The documentation moves between pages; links must not rot when it does. In every Markdown file and every MSBuild
/// file (*.props, *.targets, *.csproj) of the repository, each relative Markdown link <c>[text](path#anchor)</c> must
/// name an existing file, and each path to a Markdown file mentioned in plain text (<c>docs/weights.md</c>, say, in a
/// comment) must too. An anchor into a Markdown file must be one of its headings (GitHub's slugs) or an explicit
/// <c>&lt;a id="…"&gt;</c>. Absolute links (http, https, mailto) are not checked.
/// </summary>
public partial class RelativeLinkTests
{
    private static readonly string[] CheckedExtensions = [".md", ".props", ".targets", ".csproj"];

    /// <summary>Folders never walked: build output, git's own, and generated code approved as data.</summary>
    private static readonly string[] SkippedFolderNames = ["bin", "obj", ".git"];

    private static readonly string SkippedFolder = Path.Combine("tests", "RnnGen.Generator.Tests", "Snapshots");

    [Fact]
    public void EveryRelativeLinkAndMarkdownPathInTheRepositoryResolves()
    {
        string root = RepositoryRoot();
        var checker = new LinkChecker(root);
        string[] files = [.. RepositoryFiles(root)];
        foreach (string file in files)
        {
            checker.Check(file);
        }

        // Guards against a walk that finds nothing (a moved root, a changed layout) and so passes vacuously.
        Assert.Contains(Path.Combine(root, "README.md"), files);
        Assert.True(checker.LinksChecked > 50, $"only {checker.LinksChecked} links and paths were checked in {files.Length} files");
        Assert.True(checker.Problems.Count == 0,
            $"{checker.Problems.Count} broken link(s) or path(s):\n" + string.Join("\n", checker.Problems));
    }

    [Theory]
    [InlineData("Every core: `DataParallel`", "every-core-dataparallel")]
    [InlineData("Step and training against hand-tuned C++", "step-and-training-against-hand-tuned-c")]
    [InlineData("The instruction set: `IlcInstructionSet`", "the-instruction-set-ilcinstructionset")]
    [InlineData("LSTM vs GRU, measured (the main job)", "lstm-vs-gru-measured-the-main-job")]
    [InlineData("See [whole models](models.md) first", "see-whole-models-first")]
    [InlineData("snake_case and **bold**", "snake_case-and-bold")]
    public void HeadingSlugsFollowGitHub(string heading, string slug) => Assert.Equal(slug, LinkChecker.Slug(heading));

    [Fact]
    public void ABrokenLinkAMissingAnchorAndADeadPathMentionAreEachReportedWithFileAndLine()
    {
        string root = Directory.CreateTempSubdirectory("rnngen-links").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.WriteAllText(Path.Combine(root, "docs", "page.md"), "# Page\n\n<a id=\"explicit\"></a>\n## A section\n");
            File.WriteAllText(Path.Combine(root, "README.md"), string.Join("\n",
                "# Title",
                "[fine](docs/page.md#a-section) [fine too](docs/page.md#explicit) [here](#title) [web](https://example.com/x.md)",
                "[gone](docs/missing.md)",
                "[no anchor](docs/page.md#nowhere)",
                "```",
                "[inside a code block](#nowhere) is not a link",
                "```",
                "See docs/page.md, `docs/page.md#a-section` and docs/absent.md; [`code`](#nowhere) in a link is a link."));
            File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project>\n  <!-- see docs/interop.md -->\n</Project>\n");

            var checker = new LinkChecker(root);
            checker.Check(Path.Combine(root, "README.md"));
            checker.Check(Path.Combine(root, "Directory.Build.props"));

            Assert.Equal(
                [
                    "README.md:3: docs/missing.md: no such file",
                    "README.md:4: docs/page.md#nowhere: no heading or <a id> 'nowhere' in docs/page.md",
                    "README.md:8: #nowhere: no heading or <a id> 'nowhere' in README.md",
                    "README.md:8: docs/absent.md: no such file",
                    "Directory.Build.props:2: docs/interop.md: no such file",
                ],
                checker.Problems);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The checked files under <paramref name="root"/>, in a stable order.</summary>
    private static IEnumerable<string> RepositoryFiles(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            string directory = pending.Pop();
            foreach (string file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                if (CheckedExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                {
                    yield return file;
                }
            }

            foreach (string child in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal).Reverse())
            {
                if (!SkippedFolderNames.Contains(Path.GetFileName(child)) && Path.GetRelativePath(root, child) != SkippedFolder)
                {
                    pending.Push(child);
                }
            }
        }
    }

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

    /// <summary>Checks files one by one and collects every problem as "path:line: what".</summary>
    private sealed partial class LinkChecker(string root)
    {
        private readonly Dictionary<string, HashSet<string>> _anchors = [];

        public List<string> Problems { get; } = [];

        public int LinksChecked { get; private set; }

        public void Check(string file)
        {
            bool markdown = Path.GetExtension(file).Equals(".md", StringComparison.OrdinalIgnoreCase);
            string[] lines = File.ReadAllLines(file);
            string? fence = null;
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                string where = $"{Path.GetRelativePath(root, file).Replace('\\', '/')}:{i + 1}";
                string plain = line;
                if (markdown)
                {
                    fence = NextFence(fence, line, out bool inCode);
                    if (!inCode)
                    {
                        // Links are Markdown only outside code (blocks and spans); each is then taken out of the
                        // line so that its target is not checked a second time as a plain path.
                        foreach (Match link in MarkdownLink().Matches(CodeSpan().Replace(line, "code")))
                        {
                            CheckLink(file, where, link.Groups["target"].Value);
                        }

                        plain = MarkdownLink().Replace(line, "");
                    }
                }

                foreach (Match mention in MarkdownPath().Matches(AbsoluteUrl().Replace(plain, "")))
                {
                    CheckMention(file, where, mention.Value);
                }
            }
        }

        /// <summary>A Markdown link: relative to the linking file's folder (or to the root, with a leading '/').</summary>
        private void CheckLink(string file, string where, string target)
        {
            if (UrlScheme().IsMatch(target))
            {
                return;
            }

            LinksChecked++;
            (string path, string? anchor) = Split(Uri.UnescapeDataString(target));
            string resolved = path.Length == 0 ? file
                : path.StartsWith('/') ? Path.GetFullPath(Path.Combine(root, path.TrimStart('/')))
                : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path));
            Verify(where, target, resolved, anchor);
        }

        /// <summary>
        /// A Markdown file's path in plain text: relative to the mentioning file's folder or to the repository root,
        /// whichever exists. A path that leaves the repository either way is not the repository's to check.
        /// </summary>
        private void CheckMention(string file, string where, string mention)
        {
            (string path, string? anchor) = Split(mention);
            string[] candidates = [.. new[] { Path.GetDirectoryName(file)!, root }
                .Select(folder => Path.GetFullPath(Path.Combine(folder, path)))
                .Where(candidate => candidate.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Distinct()];
            if (candidates.Length == 0)
            {
                return;
            }

            LinksChecked++;
            Verify(where, mention, candidates.FirstOrDefault(File.Exists) ?? candidates[0], anchor);
        }

        private void Verify(string where, string target, string resolved, string? anchor)
        {
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                Problems.Add($"{where}: {target}: no such file");
            }
            else if (anchor is not null && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !Anchors(resolved).Contains(anchor))
            {
                Problems.Add($"{where}: {target}: no heading or <a id> '{anchor}' in {Path.GetRelativePath(root, resolved).Replace('\\', '/')}");
            }
        }

        /// <summary>Every anchor a Markdown file offers: its headings' slugs (GitHub numbers repeats -1, -2, …) and explicit ids.</summary>
        private HashSet<string> Anchors(string file)
        {
            if (_anchors.TryGetValue(file, out HashSet<string>? known))
            {
                return known;
            }

            var anchors = new HashSet<string>(StringComparer.Ordinal);
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            string? fence = null;
            foreach (string line in File.ReadLines(file))
            {
                fence = NextFence(fence, line, out bool inCode);
                if (inCode)
                {
                    continue;
                }

                foreach (Match id in ExplicitAnchor().Matches(line))
                {
                    anchors.Add(id.Groups["id"].Value);
                }

                Match heading = Heading().Match(line);
                if (heading.Success)
                {
                    string slug = Slug(heading.Groups["text"].Value);
                    int repeats = seen.GetValueOrDefault(slug);
                    seen[slug] = repeats + 1;
                    anchors.Add(repeats == 0 ? slug : $"{slug}-{repeats}");
                }
            }

            return _anchors[file] = anchors;
        }

        /// <summary>
        /// GitHub's heading anchor: the heading's text (a link counts as its text), lower case, without punctuation
        /// other than '-' and '_', spaces turned into '-'.
        /// </summary>
        public static string Slug(string heading)
        {
            string text = MarkdownLinkWithText().Replace(heading, "${text}").ToLowerInvariant();
            var slug = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_' || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark)
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            return slug.ToString();
        }

        /// <summary>
        /// Tracks fenced code blocks: returns the fence that is open after <paramref name="line"/> (null outside code);
        /// <paramref name="inCode"/> says whether the line itself is code or a fence.
        /// </summary>
        private static string? NextFence(string? open, string line, out bool inCode)
        {
            Match fence = Fence().Match(line);
            if (open is null)
            {
                inCode = fence.Success;
                return fence.Success ? fence.Groups["fence"].Value : null;
            }

            inCode = true;
            bool closes = fence.Success && fence.Groups["fence"].Value[0] == open[0] && fence.Groups["fence"].Value.Length >= open.Length
                && fence.Groups["info"].Value.Trim().Length == 0;
            return closes ? null : open;
        }

        private static (string Path, string? Anchor) Split(string target)
        {
            int hash = target.IndexOf('#');
            return hash < 0 ? (target, null) : (target[..hash], target[(hash + 1)..]);
        }

        [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>.*)$")]
        private static partial Regex Fence();

        [GeneratedRegex(@"^ {0,3}#{1,6}\s+(?<text>.*?)(?:\s+#+)?\s*$")]
        private static partial Regex Heading();

        [GeneratedRegex(@"<a\s+(?:id|name)=""(?<id>[^""]+)""")]
        private static partial Regex ExplicitAnchor();

        [GeneratedRegex(@"(`+).+?\1")]
        private static partial Regex CodeSpan();

        /// <summary>[text](target) or ![alt](target), with an optional "title"; reference definitions too ([x]: target).</summary>
        [GeneratedRegex(@"!?\[[^\]]*\]\(\s*<?(?<target>[^)\s>]+)>?(?:\s+""[^""]*"")?\s*\)|^\s{0,3}\[[^\]]+\]:\s*<?(?<target>[^\s>]+)>?")]
        private static partial Regex MarkdownLink();

        [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\([^)]*\)")]
        private static partial Regex MarkdownLinkWithText();

        /// <summary>A relative path with at least one folder, ending in .md, with an optional #anchor.</summary>
        [GeneratedRegex(@"(?<![\w./\\#-])(?:\.{1,2}/)*(?:[\w.-]+/)+[\w.-]+\.md(?:#[\w-]+)?(?![\w/])")]
        private static partial Regex MarkdownPath();

        [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
        private static partial Regex UrlScheme();

        [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.-]*://\S+")]
        private static partial Regex AbsoluteUrl();
    }
}
