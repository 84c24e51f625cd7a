namespace RnnGen.Tests.Infrastructure;

// The dense shapes the parity tests cover: inputs below, at and above 4 and 8 lanes, with and without tails; outputs
// below, at and above the forward kernel's block of 4 rows.
[Dense(input: 1, output: 1)] public partial class Dense1x1;
[Dense(input: 3, output: 2)] public partial class Dense3x2;
[Dense(input: 4, output: 4)] public partial class Dense4x4;
[Dense(input: 8, output: 1)] public partial class Dense8x1;
[Dense(input: 13, output: 5)] public partial class Dense13x5;
[Dense(input: 16, output: 8)] public partial class Dense16x8;
[Dense(input: 33, output: 7)] public partial class Dense33x7;
[Dense(input: 64, output: 10)] public partial class Dense64x10;

/// <summary>Generated dense layers by size, for tests that sweep shapes.</summary>
public static class GeneratedDense
{
    public static readonly (int Input, int Output)[] Shapes = [(1, 1), (3, 2), (4, 4), (8, 1), (13, 5), (16, 8), (33, 7), (64, 10)];

    public static IDenseLayer<float> Create(int input, int output, Random? random = null) => (input, output) switch
    {
        (1, 1) => new Dense1x1(random),
        (3, 2) => new Dense3x2(random),
        (4, 4) => new Dense4x4(random),
        (8, 1) => new Dense8x1(random),
        (13, 5) => new Dense13x5(random),
        (16, 8) => new Dense16x8(random),
        (33, 7) => new Dense33x7(random),
        (64, 10) => new Dense64x10(random),
        _ => throw new ArgumentException($"No generated dense layer of input {input}, output {output} in the tests."),
    };
}
