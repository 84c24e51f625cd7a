using System.Text.Json;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// What every whole-model fixture file (tests/fixtures/models and tests/fixtures/batches) starts with: the module's
/// options as make_fixtures.py writes them, and the reading both fixture kinds share.
/// </summary>
internal abstract class ModelFixtureFile
{
    /// <summary>snake_case names map through the naming policy; fields a loader does not use are skipped.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
    };

    public string Kind { get; set; } = "";
    public int Input { get; set; }
    public int Hidden { get; set; }
    public int Layers { get; set; }
    public bool Bidirectional { get; set; }
    public int ProjSize { get; set; }
    public bool Bias { get; set; }
    public int Head { get; set; }
    public string? RnnName { get; set; }
    public string? HeadName { get; set; }
    public int Steps { get; set; }
    public double WeightScale { get; set; }
    public string[]? ParameterNames { get; set; }
    public double[]? Parameters { get; set; }
    public double[]? Inputs { get; set; }
    public double[]? OutputGradients { get; set; }

    /// <summary>The fixture names in <paramref name="directory"/> (file names without .json), in ordinal order.</summary>
    public static string[] Names(string directory, string source)
    {
        string[] names = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.json").Select(p => Path.GetFileNameWithoutExtension(p)).Order(StringComparer.Ordinal).ToArray()
            : [];
        return names.Length > 0
            ? names
            : throw new InvalidOperationException($"No fixtures in {directory}; the test project copies them from {source}.");
    }

    /// <summary>One file, deserialized.</summary>
    public static TFile Read<TFile>(string path) where TFile : ModelFixtureFile
    {
        using FileStream stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<TFile>(stream, Options) ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>The module's shape, with the names its state_dict uses.</summary>
    public ModelShape Shape(string path)
    {
        CellKind kind = Kind switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            _ => throw new InvalidDataException($"{path}: unknown kind '{Kind}'."),
        };
        return new ModelShape(
            kind, Input, Hidden, Layers, Bidirectional, ProjSize, Bias, Head, rnnName: RnnName ?? "", headName: HeadName ?? "");
    }
}
