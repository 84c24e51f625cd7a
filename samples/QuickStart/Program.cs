using RnnGen.Reference;

// A reference LSTM and GRU of the same size, run over a short sequence from the same seed.
const int Input = 8, Hidden = 16, Steps = 5;
var lstm = new ReferenceLstm<float>(Input, Hidden, new Random(42));
var gru = new ReferenceGru<float>(Input, Hidden, new Random(42));

float[] inputs = new float[Steps * Input];
var random = new Random(7);
for (int i = 0; i < inputs.Length; i++)
{
    inputs[i] = (float)(2 * random.NextDouble() - 1);
}

Console.WriteLine($"Cells of input {Input}, hidden {Hidden}, run over {Steps} steps.");
Console.WriteLine($"LSTM parameters: {lstm.ParameterCount} = 4·H·(I+H+2)");
Console.WriteLine($"GRU  parameters: {gru.ParameterCount} = 3·H·(I+H+2)  ({(double)gru.ParameterCount / lstm.ParameterCount:P0} of the LSTM's)");

Run("LSTM", lstm);
Run("GRU", gru);

void Run(string name, RnnGen.IRecurrentCell<float> cell)
{
    float[] outputs = new float[Steps * cell.HiddenSize];
    float[] state = new float[cell.StateSize];
    cell.Forward(inputs, outputs, state);
    Console.WriteLine($"{name} h after each step (first 4 of {cell.HiddenSize} units):");
    for (int t = 0; t < Steps; t++)
    {
        var h = outputs.AsSpan(t * cell.HiddenSize, 4).ToArray();
        Console.WriteLine($"  t={t}: {string.Join("  ", h.Select(v => v.ToString("+0.0000;-0.0000")))}");
    }
}
