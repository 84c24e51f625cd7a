using RnnGen;

namespace LstmVsGru;

// RnnGen models are generated at build time for fixed sizes: one class per (kind, input, hidden). Each is the
// recurrent layer and its linear read-out in one class ([Dense] beside [Lstm]/[Gru]: nn.Linear over every step's
// output; the training uses the last step's). --hidden picks one of the sizes declared here; to try another, add its
// lines and a case below.

// The adding problem reads two channels per step (value, marker).
[Lstm(input: 2, hidden: 16), Dense(input: 16, output: 1)] public partial class AddingLstm16;
[Gru(input: 2, hidden: 16), Dense(input: 16, output: 1)] public partial class AddingGru16;
[Lstm(input: 2, hidden: 32), Dense(input: 32, output: 1)] public partial class AddingLstm32;
[Gru(input: 2, hidden: 32), Dense(input: 32, output: 1)] public partial class AddingGru32;
[Lstm(input: 2, hidden: 64), Dense(input: 64, output: 1)] public partial class AddingLstm64;
[Gru(input: 2, hidden: 64), Dense(input: 64, output: 1)] public partial class AddingGru64;

// The sunspot series reads one value per step.
[Lstm(input: 1, hidden: 16), Dense(input: 16, output: 1)] public partial class SeriesLstm16;
[Gru(input: 1, hidden: 16), Dense(input: 16, output: 1)] public partial class SeriesGru16;
[Lstm(input: 1, hidden: 32), Dense(input: 32, output: 1)] public partial class SeriesLstm32;
[Gru(input: 1, hidden: 32), Dense(input: 32, output: 1)] public partial class SeriesGru32;
[Lstm(input: 1, hidden: 64), Dense(input: 64, output: 1)] public partial class SeriesLstm64;
[Gru(input: 1, hidden: 64), Dense(input: 64, output: 1)] public partial class SeriesGru64;

/// <summary>The declared classes by kind and size, behind RnnGen's interface so one training loop serves them all.</summary>
public static class Models
{
    public static readonly int[] HiddenSizes = [16, 32, 64];

    public static IStreamingModel<float> Create(CellKind kind, int input, int hidden, Random random) => (kind, input, hidden) switch
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
        _ => throw new ArgumentException($"No {kind} model with input {input} and hidden {hidden} is declared in Models.cs."),
    };
}
