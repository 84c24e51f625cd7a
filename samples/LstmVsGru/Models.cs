using RnnGen;

namespace LstmVsGru;

// RnnGen cells and layers are generated at build time for fixed sizes: one class per (kind, input, hidden).
// Each task gets an LSTM and a GRU of the same size and the same linear read-out ([Dense], nn.Linear's layout).
// --hidden picks one of the sizes declared here; to try another, add its lines and a case below.

// The adding problem reads two channels per step (value, marker).
[Lstm(input: 2, hidden: 16)] public partial class AddingLstm16;
[Gru(input: 2, hidden: 16)] public partial class AddingGru16;
[Lstm(input: 2, hidden: 32)] public partial class AddingLstm32;
[Gru(input: 2, hidden: 32)] public partial class AddingGru32;
[Lstm(input: 2, hidden: 64)] public partial class AddingLstm64;
[Gru(input: 2, hidden: 64)] public partial class AddingGru64;

// The sunspot series reads one value per step.
[Lstm(input: 1, hidden: 16)] public partial class SeriesLstm16;
[Gru(input: 1, hidden: 16)] public partial class SeriesGru16;
[Lstm(input: 1, hidden: 32)] public partial class SeriesLstm32;
[Gru(input: 1, hidden: 32)] public partial class SeriesGru32;
[Lstm(input: 1, hidden: 64)] public partial class SeriesLstm64;
[Gru(input: 1, hidden: 64)] public partial class SeriesGru64;

// The read-out: the last hidden state to one number.
[Dense(input: 16, output: 1)] public partial class Head16;
[Dense(input: 32, output: 1)] public partial class Head32;
[Dense(input: 64, output: 1)] public partial class Head64;

/// <summary>The declared classes by kind and size, behind RnnGen's interfaces so one training loop serves them all.</summary>
public static class Models
{
    public static readonly int[] HiddenSizes = [16, 32, 64];

    public static IRecurrentCell<float> Cell(CellKind kind, int input, int hidden, Random random) => (kind, input, hidden) switch
    {
        (CellKind.Lstm, 2, 16) => new AddingLstm16(random),
        (CellKind.Gru, 2, 16) => new AddingGru16(random),
        (CellKind.Lstm, 2, 32) => new AddingLstm32(random),
        (CellKind.Gru, 2, 32) => new AddingGru32(random),
        (CellKind.Lstm, 2, 64) => new AddingLstm64(random),
        (CellKind.Gru, 2, 64) => new AddingGru64(random),
        (CellKind.Lstm, 1, 16) => new SeriesLstm16(random),
        (CellKind.Gru, 1, 16) => new SeriesGru16(random),
        (CellKind.Lstm, 1, 32) => new SeriesLstm32(random),
        (CellKind.Gru, 1, 32) => new SeriesGru32(random),
        (CellKind.Lstm, 1, 64) => new SeriesLstm64(random),
        (CellKind.Gru, 1, 64) => new SeriesGru64(random),
        _ => throw new ArgumentException($"No {kind} cell with input {input} and hidden {hidden} is declared in Models.cs."),
    };

    public static IDenseLayer<float> Head(int hidden, Random random) => hidden switch
    {
        16 => new Head16(random),
        32 => new Head32(random),
        64 => new Head64(random),
        _ => throw new ArgumentException($"No head for hidden {hidden} is declared in Models.cs."),
    };
}
