namespace RnnGen.Tests.Infrastructure;

// The shapes the parity tests cover: every tail path of both vector widths (sizes below, at and above 4 and
// 8, odd sizes, and the benchmark size) and, for frozen cells, packed tiles of 8 and 16 units, one or several,
// with column counts that are and are not multiples of the unroll.
[Lstm(input: 1, hidden: 1)] public partial class Lstm1x1;
[Lstm(input: 1, hidden: 8)] public partial class Lstm1x8;
[Lstm(input: 3, hidden: 5)] public partial class Lstm3x5;
[Lstm(input: 7, hidden: 13)] public partial class Lstm7x13;
[Lstm(input: 8, hidden: 16)] public partial class Lstm8x16;
[Lstm(input: 16, hidden: 17)] public partial class Lstm16x17;
[Lstm(input: 33, hidden: 65)] public partial class Lstm33x65;
[Lstm(input: 13, hidden: 24)] public partial class Lstm13x24;
[Lstm(input: 10, hidden: 40)] public partial class Lstm10x40;
[Lstm(input: 64, hidden: 128)] public partial class Lstm64x128;
[Gru(input: 1, hidden: 1)] public partial class Gru1x1;
[Gru(input: 1, hidden: 8)] public partial class Gru1x8;
[Gru(input: 3, hidden: 5)] public partial class Gru3x5;
[Gru(input: 7, hidden: 13)] public partial class Gru7x13;
[Gru(input: 8, hidden: 16)] public partial class Gru8x16;
[Gru(input: 16, hidden: 17)] public partial class Gru16x17;
[Gru(input: 33, hidden: 65)] public partial class Gru33x65;
[Gru(input: 13, hidden: 24)] public partial class Gru13x24;
[Gru(input: 10, hidden: 40)] public partial class Gru10x40;
[Gru(input: 64, hidden: 128)] public partial class Gru64x128;

// Three tiles of 16 units: the Vector512 packed bodies that take two tiles per pass, and the last tile alone.
[Lstm(input: 8, hidden: 48)] public partial class Lstm8x48;
[Gru(input: 8, hidden: 48)] public partial class Gru8x48;

// Rows of 16 units in every gate past a 48 KB L1 (52 KB), H not a multiple of 8: the live batched step gate by gate on
// Vector512, its last vector of units overlapping.
[Gru(input: 100, hidden: 180)] public partial class Gru100x180;

// Five tiles of 8 units from L2 (35 KB): the 256-bit packed step reading each product from tile to tile, on every path.
[Lstm(input: 32, hidden: 40)] public partial class Lstm32x40;
[Gru(input: 32, hidden: 40)] public partial class Gru32x40;

/// <summary>Generated cells by kind and size, for tests that sweep shapes.</summary>
public static class GeneratedCells
{
    public static readonly (int Input, int Hidden)[] Shapes = [(1, 1), (1, 8), (3, 5), (7, 13), (8, 16), (16, 17), (33, 65), (13, 24), (10, 40), (32, 40), (64, 128)];

    public static IRecurrentCell<float> Create(CellKind kind, int input, int hidden, Random? random = null) => (kind, input, hidden) switch
    {
        (CellKind.Lstm, 1, 1) => new Lstm1x1(random),
        (CellKind.Lstm, 1, 8) => new Lstm1x8(random),
        (CellKind.Lstm, 3, 5) => new Lstm3x5(random),
        (CellKind.Lstm, 7, 13) => new Lstm7x13(random),
        (CellKind.Lstm, 8, 16) => new Lstm8x16(random),
        (CellKind.Lstm, 16, 17) => new Lstm16x17(random),
        (CellKind.Lstm, 33, 65) => new Lstm33x65(random),
        (CellKind.Lstm, 13, 24) => new Lstm13x24(random),
        (CellKind.Lstm, 10, 40) => new Lstm10x40(random),
        (CellKind.Lstm, 32, 40) => new Lstm32x40(random),
        (CellKind.Lstm, 64, 128) => new Lstm64x128(random),
        (CellKind.Gru, 1, 1) => new Gru1x1(random),
        (CellKind.Gru, 1, 8) => new Gru1x8(random),
        (CellKind.Gru, 3, 5) => new Gru3x5(random),
        (CellKind.Gru, 7, 13) => new Gru7x13(random),
        (CellKind.Gru, 8, 16) => new Gru8x16(random),
        (CellKind.Gru, 16, 17) => new Gru16x17(random),
        (CellKind.Gru, 33, 65) => new Gru33x65(random),
        (CellKind.Gru, 13, 24) => new Gru13x24(random),
        (CellKind.Gru, 10, 40) => new Gru10x40(random),
        (CellKind.Gru, 32, 40) => new Gru32x40(random),
        (CellKind.Gru, 64, 128) => new Gru64x128(random),
        (CellKind.Gru, 100, 180) => new Gru100x180(random),
        _ => throw new ArgumentException($"No generated {kind} cell of input {input}, hidden {hidden} in the tests."),
    };

    /// <summary>The generated cell's <c>Freeze()</c> (a snapshot of its parameters as they are now).</summary>
    public static IFrozenCell<float> Freeze(IRecurrentCell<float> cell) => cell switch
    {
        Lstm1x1 c => c.Freeze(),
        Lstm1x8 c => c.Freeze(),
        Lstm3x5 c => c.Freeze(),
        Lstm7x13 c => c.Freeze(),
        Lstm8x16 c => c.Freeze(),
        Lstm16x17 c => c.Freeze(),
        Lstm33x65 c => c.Freeze(),
        Lstm13x24 c => c.Freeze(),
        Lstm10x40 c => c.Freeze(),
        Lstm32x40 c => c.Freeze(),
        Lstm64x128 c => c.Freeze(),
        Gru1x1 c => c.Freeze(),
        Gru1x8 c => c.Freeze(),
        Gru3x5 c => c.Freeze(),
        Gru7x13 c => c.Freeze(),
        Gru8x16 c => c.Freeze(),
        Gru16x17 c => c.Freeze(),
        Gru33x65 c => c.Freeze(),
        Gru13x24 c => c.Freeze(),
        Gru10x40 c => c.Freeze(),
        Gru32x40 c => c.Freeze(),
        Gru64x128 c => c.Freeze(),
        Gru100x180 c => c.Freeze(),
        _ => throw new ArgumentException($"Not a generated cell of the tests: {cell.GetType()}."),
    };
}
