using System.Diagnostics;
using System.Text.RegularExpressions;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Interop;

/// <summary>
/// The build-time half of embedded weights, end to end: a throwaway project that consumes RnnGen as a package user
/// does (RnnGen.dll, the generator as an analyzer, and buildTransitive/RnnGen.targets) is built with `dotnet build`,
/// and every RnnGenWeights problem must fail that build with its diagnostic on the attribute that names the file.
/// </summary>
public sealed class BuildTimeDiagnosticsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rnngen-consumer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void MissingInvalidAndMisshapenWeightsFailTheBuildWithClearDiagnostics()
    {
        string repo = RepositoryRoot();
        string configuration = typeof(BuildTimeDiagnosticsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration;
        string generator = Path.Combine(repo, "generator", "RnnGen.Generator", "bin", configuration, "netstandard2.0", "RnnGen.Generator.dll");
        Assert.True(File.Exists(generator), $"the generator is not built at {generator}");

        File.Copy(SafeTensorsFiles.PathOf("tagger"), Path.Combine(_directory, "tagger.safetensors"));
        File.WriteAllBytes(Path.Combine(_directory, "broken.safetensors"),
            SafeTensorsFiles.Build("{" + SafeTensorsFiles.Entry("weight_ih_l0", "[4, 1]", 0, 16, "F33") + "}", new byte[16]));
        // A valid file for a 1x1 LSTM whose bias_hh_l0 is I32: right names and shapes, wrong element type.
        File.WriteAllBytes(Path.Combine(_directory, "ints.safetensors"), SafeTensorsFiles.Build(
            "{" + SafeTensorsFiles.Entry("bias_hh_l0", "[4]", 0, 16, "I32") + "," + SafeTensorsFiles.Entry("bias_ih_l0", "[4]", 16, 32) + "," +
            SafeTensorsFiles.Entry("weight_hh_l0", "[4, 1]", 32, 48) + "," + SafeTensorsFiles.Entry("weight_ih_l0", "[4, 1]", 48, 64) + "}", new byte[64]));

        File.WriteAllText(Path.Combine(_directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
                <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="RnnGen" HintPath="{Path.Combine(AppContext.BaseDirectory, "RnnGen.dll")}" />
                <Analyzer Include="{generator}" />
                <RnnGenWeights Include="tagger.safetensors" />
                <RnnGenWeights Include="broken.safetensors" />
                <RnnGenWeights Include="ints.safetensors" />
              </ItemGroup>
              <Import Project="{Path.Combine(repo, "src", "RnnGen", "buildTransitive", "RnnGen.targets")}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(_directory, "Cells.cs"), """
            using RnnGen;
            namespace Consumer;
            [Lstm(7, 13, Weights = "tagger.safetensors", WeightsPrefix = "rnn.")] public partial class Fine;
            [Lstm(7, 12, Weights = "tagger.safetensors", WeightsPrefix = "rnn.")] public partial class WrongHidden;
            [Gru(7, 13, Weights = "tagger.safetensors", WeightsPrefix = "rnn.")] public partial class WrongKind;
            [Lstm(7, 13, Weights = "tagger.safetensors")] public partial class NoPrefix;
            [Lstm(7, 13, Weights = "Tagger.safetensors", WeightsPrefix = "rnn.")] public partial class WrongCase;
            [Lstm(7, 13, Weights = "missing.safetensors")] public partial class Missing;
            [Lstm(1, 1, Weights = "broken.safetensors")] public partial class Broken;
            [Lstm(1, 1, Weights = "ints.safetensors")] public partial class Ints;
            [Lstm(7, 13, Weights = "tagger.safetensors", WeightsLayer = -1)] public partial class NegativeLayer;
            [Lstm(7, 13, WeightsPrefix = "rnn.")] public partial class PrefixWithoutWeights;
            public static class Use { public static Fine Load() => Fine.FromEmbeddedWeights(); }
            """);

        (int exitCode, string log) = Build();
        output.WriteLine(log);
        Assert.NotEqual(0, exitCode);

        // "Cells.cs(4,2): error RNNG011: ..." → (line, id, message), once each (the summary repeats them).
        var diagnostics = Regex.Matches(log, @"Cells\.cs\((\d+),\d+\): error (RNNG\d{3}): (.*) \[[^\[\]]*Consumer\.csproj\]\r?$", RegexOptions.Multiline)
            .Select(m => (Line: int.Parse(m.Groups[1].Value), Id: m.Groups[2].Value, Message: m.Groups[3].Value))
            .Distinct()
            .ToList();
        Assert.DoesNotContain(diagnostics, d => d.Line == 3);   // Fine: the right file, prefix and shapes

        AssertReported(4, "RNNG011", "'WrongHidden' ([Lstm(input: 7, hidden: 12)]) reads embedded weights 'tagger.safetensors': rnn.weight_hh_l0: expected [48, 12], found [52, 13]");
        AssertReported(4, "RNNG011", "rnn.weight_ih_l0: expected [48, 7], found [52, 7]");
        AssertReported(5, "RNNG011", "'WrongKind' ([Gru(input: 7, hidden: 13)]) reads embedded weights 'tagger.safetensors': rnn.weight_ih_l0: expected [39, 7], found [52, 7] (the rows of a [Lstm] cell of hidden size 13; this one is [Gru])");
        AssertReported(6, "RNNG010", "'NoPrefix' needs 'weight_ih_l0' from embedded weights 'tagger.safetensors', but the file has no such tensor (it has 'rnn.weight_ih_l0': set WeightsPrefix = \"rnn.\"?)");
        AssertReported(7, "RNNG008", "'WrongCase' names embedded weights 'Tagger.safetensors', but the project has no <RnnGenWeights Include=\"Tagger.safetensors\" /> item (there is one for 'tagger.safetensors'; names are case-sensitive)");
        AssertReported(8, "RNNG008", "'Missing' names embedded weights 'missing.safetensors', but the project has no <RnnGenWeights Include=\"missing.safetensors\" /> item; add one");
        AssertReported(9, "RNNG009", "'Broken' names embedded weights 'broken.safetensors', which is not a valid safetensors file: weight_ih_l0: unknown dtype 'F33'");
        AssertReported(10, "RNNG012", "'Ints' reads 'bias_hh_l0' from embedded weights 'ints.safetensors', but its dtype is I32");
        AssertReported(11, "RNNG013", "'NegativeLayer' has [Lstm] with an invalid weights setting: WeightsLayer = -1 is negative");
        AssertReported(12, "RNNG013", "'PrefixWithoutWeights' has [Lstm] with an invalid weights setting: WeightsPrefix and WeightsLayer apply only with Weights");

        // Every diagnostic is one of those expected: nothing spurious, nothing reported on the wrong line.
        Assert.All(diagnostics, d => Assert.InRange(d.Line, 4, 12));

        void AssertReported(int line, string id, string text) =>
            Assert.True(diagnostics.Any(d => d.Line == line && d.Id == id && d.Message.Contains(text, StringComparison.Ordinal)),
                $"expected {id} on line {line} containing \"{text}\"; got:\n{string.Join("\n", diagnostics)}");
    }

    private (int ExitCode, string Log) Build()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "build", "Consumer.csproj", "-c", "Release", "-nologo", "--disable-build-servers", "-p:UseSharedCompilation=false", "-nodeReuse:false" })
        {
            start.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`, whose MSBuild settings must not leak into this separate build.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet build of the consumer project took more than 4 minutes");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RnnGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"RnnGen.sln not found above {AppContext.BaseDirectory}");
    }
}
