using RnnGen;
using RnnGen.Reference;

// Two generated cells: the generator writes their fixed-size SIMD code at compile time (see Cells below).
var lstm = new Tagger(new Random(42));
var gru = new Denoiser(new Random(42));
Console.WriteLine($"RnnGen QuickStart — SIMD path: {Tagger.ActivePath}");
Console.WriteLine($"LSTM [Lstm(input: {Tagger.InputSize}, hidden: {Tagger.HiddenSize})]: {Tagger.ParameterCount} parameters = 4·H·(I+H+2)");
Console.WriteLine($"GRU  [Gru(input: {Denoiser.InputSize}, hidden: {Denoiser.HiddenSize})]: {Denoiser.ParameterCount} parameters = 3·H·(I+H+2), {(double)Denoiser.ParameterCount / Tagger.ParameterCount:P0} of the LSTM's");
Console.WriteLine();

const int Steps = 6;
float[] inputs = new float[Steps * Tagger.InputSize];
var random = new Random(7);
for (int i = 0; i < inputs.Length; i++)
{
    inputs[i] = (float)(2 * random.NextDouble() - 1);
}

Run("LSTM", lstm, lstm.Freeze(), new ReferenceLstm<double>(Tagger.InputSize, Tagger.HiddenSize));
Run("GRU", gru, gru.Freeze(), new ReferenceGru<double>(Denoiser.InputSize, Denoiser.HiddenSize));

// Runs the generated cell over the sequence, streaming one Step at a time as a real-time app would, and
// checks it against the double-precision reference implementation loaded with the same parameters, and its
// frozen snapshot (Freeze(): the weights repacked for the fastest inference Step) against the cell.
void Run(string name, IRecurrentCell<float> cell, IFrozenCell<float> frozen, IRecurrentCell<double> reference)
{
    for (int i = 0; i < cell.ParameterCount; i++)
    {
        reference.Parameters[i] = cell.Parameters[i];
    }

    float[] state = new float[cell.StateSize], frozenState = new float[cell.StateSize];
    double[] referenceState = new double[reference.StateSize];
    double maxDifference = 0, maxFrozenDifference = 0;
    Console.WriteLine($"{name}: h after each step (first 4 of {cell.HiddenSize} units)");
    for (int t = 0; t < Steps; t++)
    {
        ReadOnlySpan<float> x = inputs.AsSpan(t * cell.InputSize, cell.InputSize);
        cell.Step(x, state);
        frozen.Step(x, frozenState);
        reference.Step(x.ToArray().Select(v => (double)v).ToArray(), referenceState);
        for (int j = 0; j < state.Length; j++)
        {
            maxDifference = Math.Max(maxDifference, Math.Abs(state[j] - referenceState[j]));
            maxFrozenDifference = Math.Max(maxFrozenDifference, Math.Abs(frozenState[j] - state[j]));
        }

        Console.WriteLine($"  t={t}: {string.Join("  ", state.Take(4).Select(v => v.ToString("+0.0000;-0.0000")))}");
    }

    Console.WriteLine($"  max |generated float − reference double| over all states: {maxDifference:0.0e+0}");
    Console.WriteLine($"  max |frozen snapshot − cell| over all states: {maxFrozenDifference:0.0e+0}");
    Console.WriteLine();
}

/// <summary>An LSTM of 16 inputs and 32 hidden units: the generator fills in this partial class.</summary>
[Lstm(input: 16, hidden: 32)]
public partial class Tagger;

/// <summary>A GRU of 16 inputs and 32 hidden units.</summary>
[Gru(input: 16, hidden: 32)]
public partial class Denoiser;
