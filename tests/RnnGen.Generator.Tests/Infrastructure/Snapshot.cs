using System.Runtime.CompilerServices;
using System.Text;
using Xunit.Sdk;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>
/// Approval snapshots with Verify's conventions, so moving to Verify.SourceGenerators later is mechanical:
/// <c>Snapshots/{TestClass}.{TestMethod}.verified.cs</c> beside the test's source file (the test class is
/// taken from the source file's name, one class per file), a <c>.received.cs</c> written next to it on a
/// mismatch, UTF-8 with BOM, '\n' line endings, no newline added at the end.
/// Set <c>RNNGEN_ACCEPT_SNAPSHOTS=1</c> to accept what the tests produce: the verified file is (re)written and
/// the received one deleted.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "RNNGEN_ACCEPT_SNAPSHOTS";
    public const string Directory = "Snapshots";

    // Verify writes text with a BOM; keeping it makes accepted files byte-identical after the move.
    private static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    public static bool AcceptAll => Environment.GetEnvironmentVariable(AcceptVariable) is "1" or "true";

    /// <summary>Compares <paramref name="actual"/> with the verified snapshot of the calling test.</summary>
    /// <param name="sourceFile">Filled by the compiler: the snapshot lives in the source tree, not in bin/.</param>
    public static void Match(string actual, [CallerFilePath] string sourceFile = "", [CallerMemberName] string testName = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(sourceFile)!, Directory);
        string baseName = $"{Path.GetFileNameWithoutExtension(sourceFile)}.{testName}";
        string verifiedPath = Path.Combine(directory, baseName + ".verified.cs");
        string receivedPath = Path.Combine(directory, baseName + ".received.cs");
        actual = Normalize(actual);

        if (AcceptAll)
        {
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, actual, Utf8WithBom);
            File.Delete(receivedPath);
            return;
        }

        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (verified == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(receivedPath, actual, Utf8WithBom);
        string accept = $"If the change is intended, accept it: {AcceptVariable}=1 dotnet test --filter \"FullyQualifiedName~{testName}\" (then review git diff).";
        string reason = verified is null
            ? $"No verified snapshot {Relative(verifiedPath)} yet; wrote {Relative(receivedPath)}."
            : $"Generated code differs from {Relative(verifiedPath)}; wrote {Relative(receivedPath)}.\n{FirstDifference(verified, actual)}\nSee all of it: diff -u {verifiedPath} {receivedPath}";
        throw new XunitException(reason + "\n" + accept);
    }

    /// <summary>'\n' line endings and no BOM: snapshots compare equal on every OS and git setting.</summary>
    public static string Normalize(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n').TrimStart('\uFEFF');

    private static string FirstDifference(string verified, string received)
    {
        string[] expected = verified.Split('\n'), actual = received.Split('\n');
        int line = 0;
        while (line < expected.Length && line < actual.Length && expected[line] == actual[line])
        {
            line++;
        }

        static string At(string[] lines, int i) => i < lines.Length ? lines[i] : "<end of file>";
        return $"First difference at line {line + 1} (verified {expected.Length} lines, received {actual.Length}):\n" +
               $"  verified: {At(expected, line)}\n  received: {At(actual, line)}";
    }

    private static string Relative(string path) => Path.Combine(Directory, Path.GetFileName(path));
}
