using System.Text.Json;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// The state_dict of a PyTorch model fixture as PyTorch itself listed it (<c>parameter_names</c> and
/// <c>parameter_shapes</c> of tests/fixtures/models/*.json), read independently of <see cref="ModelShape"/>, with
/// each tensor's offset in the flat parameters (their concatenation in that order).
/// </summary>
internal static class ModelFixtureTensors
{
    public static IReadOnlyList<(string Name, int[] Shape, int Offset)> Read(string fixtureName)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelFixture.Directory, fixtureName + ".json")));
        string[] names = json.RootElement.GetProperty("parameter_names").EnumerateArray().Select(e => e.GetString()!).ToArray();
        int[][] shapes = json.RootElement.GetProperty("parameter_shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(d => d.GetInt32()).ToArray()).ToArray();
        if (names.Length != shapes.Length)
        {
            throw new InvalidDataException($"{fixtureName}: {names.Length} parameter names but {shapes.Length} shapes.");
        }

        var tensors = new List<(string, int[], int)>(names.Length);
        int offset = 0;
        for (int i = 0; i < names.Length; i++)
        {
            tensors.Add((names[i], shapes[i], offset));
            offset += shapes[i].Aggregate(1, (a, b) => a * b);
        }

        return tensors;
    }
}
