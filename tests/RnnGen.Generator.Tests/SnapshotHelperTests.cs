using RnnGen.Generator.Tests.Infrastructure;
using Xunit;
using Xunit.Sdk;

namespace RnnGen.Generator.Tests;

/// <summary>The snapshot helper itself, on a throwaway folder: a mismatch writes .received.cs and fails; a match cleans up.</summary>
public sealed class SnapshotHelperTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rnngen-snapshots-").FullName;

    private string FakeSourceFile => Path.Combine(_root, "FakeTests.cs");

    private string Verified => Path.Combine(_root, Snapshot.Directory, "FakeTests.Case.verified.cs");

    private string Received => Path.Combine(_root, Snapshot.Directory, "FakeTests.Case.received.cs");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AMissingSnapshotWritesReceivedAndFails()
    {
        if (Snapshot.AcceptAll)
        {
            return; // accepting would write the verified file instead; nothing to check here
        }

        var failure = Assert.Throws<XunitException>(() => Snapshot.Match("class A { }\n", FakeSourceFile, "Case"));
        Assert.Contains("No verified snapshot", failure.Message, StringComparison.Ordinal);
        Assert.Contains(Snapshot.AcceptVariable + "=1", failure.Message, StringComparison.Ordinal);
        Assert.Equal("class A { }\n", Snapshot.Normalize(File.ReadAllText(Received)));
        Assert.False(File.Exists(Verified));
    }

    [Fact]
    public void AMismatchNamesTheFirstDifferentLine()
    {
        if (Snapshot.AcceptAll)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Verified)!);
        File.WriteAllText(Verified, "line 1\r\nline 2\r\nline 3");
        var failure = Assert.Throws<XunitException>(() => Snapshot.Match("line 1\nline two\nline 3", FakeSourceFile, "Case"));
        Assert.Contains("First difference at line 2", failure.Message, StringComparison.Ordinal);
        Assert.Contains("verified: line 2", failure.Message, StringComparison.Ordinal);
        Assert.Contains("received: line two", failure.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Received));
    }

    [Fact]
    public void LineEndingsAndBomDoNotMatterAndAMatchDeletesReceived()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Verified)!);
        File.WriteAllText(Verified, "\uFEFFa\r\nb\r\n");
        File.WriteAllText(Received, "stale");
        Snapshot.Match("a\nb\n", FakeSourceFile, "Case");
        Assert.False(File.Exists(Received));
    }
}
