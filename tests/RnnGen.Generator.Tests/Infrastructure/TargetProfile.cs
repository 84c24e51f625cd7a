using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>What a consumer compiles against: a language version and the framework plus RnnGen references.</summary>
internal sealed record TargetProfile(string Name, LanguageVersion LanguageVersion, ImmutableArray<MetadataReference> References)
{
    /// <summary>The newest C# this Roslyn knows, against net10.0 reference assemblies and the net10.0 RnnGen.dll.</summary>
    public static TargetProfile Net10Latest { get; } = new("net10.0, C# latest", LanguageVersion.Latest, Net10References());

    /// <summary>The oldest supported consumer: C# 12 against net8.0 reference assemblies and the net8.0 RnnGen.dll.</summary>
    public static TargetProfile Net8CSharp12 { get; } = new("net8.0, C# 12", LanguageVersion.CSharp12, Net8References());

    public static TheoryData<string> Names => new() { nameof(Net10Latest), nameof(Net8CSharp12) };

    public static TargetProfile ByName(string name) => name switch
    {
        nameof(Net10Latest) => Net10Latest,
        nameof(Net8CSharp12) => Net8CSharp12,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public CSharpParseOptions ParseOptions => new(LanguageVersion);

    public override string ToString() => Name;

    private static ImmutableArray<MetadataReference> Net10References()
    {
        string rnnGen = typeof(LstmAttribute).Assembly.Location;
        return [.. FrameworkNet10().Select(path => MetadataReference.CreateFromFile(path)), MetadataReference.CreateFromFile(rnnGen)];
    }

    private static ImmutableArray<MetadataReference> Net8References()
    {
        // Copied there at build time from the net8.0 build of src/RnnGen (see the project file).
        string rnnGen = Path.Combine(AppContext.BaseDirectory, "ref-net8.0", "RnnGen.dll");
        if (!File.Exists(rnnGen))
        {
            throw new FileNotFoundException("The net8.0 RnnGen.dll was not copied beside the tests; rebuild the test project.", rnnGen);
        }

        return [.. Basic.Reference.Assemblies.Net80.References.All, MetadataReference.CreateFromFile(rnnGen)];
    }

    /// <summary>
    /// The net10.0 reference pack of the SDK that runs the tests (what a consumer compiles against); failing that,
    /// the running runtime's own framework assemblies.
    /// </summary>
    private static IEnumerable<string> FrameworkNet10()
    {
        // typeof(object) lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        string packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        string? refDirectory = System.IO.Directory.Exists(packs)
            ? System.IO.Directory.GetDirectories(packs, "10.*")
                .Select(d => (Directory: Path.Combine(d, "ref", "net10.0"), Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out Version? v) ? v : new Version()))
                .Where(d => System.IO.Directory.Exists(d.Directory))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Directory)
                .FirstOrDefault()
            : null;
        if (refDirectory is not null)
        {
            return System.IO.Directory.GetFiles(refDirectory, "*.dll");
        }

        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return tpa.Split(Path.PathSeparator).Where(p => Path.GetDirectoryName(p) == runtimeDirectory);
    }
}
