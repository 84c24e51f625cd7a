namespace RnnGen.Benchmarks;

[Lstm(input: 1, hidden: 8)] public partial class Lstm1x8;
[Lstm(input: 8, hidden: 32)] public partial class Lstm8x32;
[Lstm(input: 32, hidden: 64)] public partial class Lstm32x64;
[Lstm(input: 64, hidden: 128)] public partial class Lstm64x128;
[Lstm(input: 128, hidden: 256)] public partial class Lstm128x256;
[Gru(input: 1, hidden: 8)] public partial class Gru1x8;
[Gru(input: 8, hidden: 32)] public partial class Gru8x32;
[Gru(input: 32, hidden: 64)] public partial class Gru32x64;
[Gru(input: 64, hidden: 128)] public partial class Gru64x128;
[Gru(input: 128, hidden: 256)] public partial class Gru128x256;

/// <summary>The benchmark grid (that of the C++ baseline's <c>native/run step</c>): LSTM and GRU at five sizes.</summary>
public static class Cells
{
    public static readonly string[] Shapes = ["1x8", "8x32", "32x64", "64x128", "128x256"];

    /// <summary>A generated cell with PyTorch's default initialisation (fixed seed) scaled by <paramref name="weightScale"/>.</summary>
    public static IRecurrentCell<float> Create(string kind, string shape, float weightScale)
    {
        var random = new Random(42);
        IRecurrentCell<float> cell = (kind, shape) switch
        {
            ("lstm", "1x8") => new Lstm1x8(random),
            ("lstm", "8x32") => new Lstm8x32(random),
            ("lstm", "32x64") => new Lstm32x64(random),
            ("lstm", "64x128") => new Lstm64x128(random),
            ("lstm", "128x256") => new Lstm128x256(random),
            ("gru", "1x8") => new Gru1x8(random),
            ("gru", "8x32") => new Gru8x32(random),
            ("gru", "32x64") => new Gru32x64(random),
            ("gru", "64x128") => new Gru64x128(random),
            ("gru", "128x256") => new Gru128x256(random),
            _ => throw new ArgumentException($"No benchmark cell {kind} {shape}."),
        };
        Scale(cell.Parameters, weightScale);
        return cell;
    }

    /// <summary>The cell's <c>Freeze(precision)</c>: a packed snapshot of its parameters for inference.</summary>
    public static IFrozenCell<float> Freeze(IRecurrentCell<float> cell, WeightPrecision precision = WeightPrecision.Float32) => cell switch
    {
        Lstm1x8 c => c.Freeze(precision),
        Lstm8x32 c => c.Freeze(precision),
        Lstm32x64 c => c.Freeze(precision),
        Lstm64x128 c => c.Freeze(precision),
        Lstm128x256 c => c.Freeze(precision),
        Gru1x8 c => c.Freeze(precision),
        Gru8x32 c => c.Freeze(precision),
        Gru32x64 c => c.Freeze(precision),
        Gru64x128 c => c.Freeze(precision),
        Gru128x256 c => c.Freeze(precision),
        _ => throw new ArgumentException($"Not a benchmark cell: {cell.GetType()}."),
    };

    public static void Scale(Span<float> values, float factor)
    {
        foreach (ref float v in values)
        {
            v *= factor;
        }
    }

    /// <summary>Inputs uniform on (−1, 1), as the C++ baseline (native/) draws them.</summary>
    public static float[] Inputs(int count)
    {
        var random = new Random(7);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(2 * random.NextDouble() - 1);
        }

        return x;
    }
}
