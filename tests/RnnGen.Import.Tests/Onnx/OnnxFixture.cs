using System.Text.Json;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>A fixture of tests/fixtures/import/onnx: the .onnx file and, for valid models, what make_onnx_fixtures.py recorded.</summary>
public sealed class OnnxFixture
{
    private OnnxFixture(string name, JsonElement? json)
    {
        Name = name;
        if (json is { } root)
        {
            X = Floats(root.GetProperty("x").GetProperty("values"));
            XShape = root.GetProperty("x").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            YFloat32 = Doubles(root.GetProperty("y_float32"));
            YFloat64 = Doubles(root.GetProperty("y_float64"));
            StateDict = root.GetProperty("state_dict").EnumerateObject().ToDictionary(
                p => p.Name,
                p => (Floats(p.Value.GetProperty("values")), p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray()));
        }
    }

    public string Name { get; }

    public string Path => PathOf(Name);

    /// <summary>The input x, [T, 1, I] (or [1, T, I] for a batch-first module: the same values, one stream).</summary>
    public float[] X { get; } = [];

    public int[] XShape { get; } = [];

    /// <summary>PyTorch's float32 output (the JSON's doubles hold float32 values exactly).</summary>
    public double[] YFloat32 { get; } = [];

    /// <summary>The same module in float64: the truth.</summary>
    public double[] YFloat64 { get; } = [];

    /// <summary>The module's state_dict (float32 values, exactly).</summary>
    public IReadOnlyDictionary<string, (float[] Values, int[] Shape)> StateDict { get; } = new Dictionary<string, (float[], int[])>();

    /// <summary>T: one stream, so T·1 or 1·T.</summary>
    public int Steps => XShape[0] * XShape[1];

    public static string PathOf(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "import", "onnx", name + ".onnx");

    public static OnnxFixture Load(string name)
    {
        string json = System.IO.Path.ChangeExtension(PathOf(name), ".json");
        return new OnnxFixture(name, File.Exists(json) ? JsonDocument.Parse(File.ReadAllText(json)).RootElement.Clone() : null);
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => checked((float)e.GetDouble())).ToArray();

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
