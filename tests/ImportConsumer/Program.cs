using System.Text.Json;
using RnnGen;
using RnnGen.Import;

// A package user's program: an nn.LSTM(3, 5) exported by torch.onnx.export (tests/fixtures/import/onnx/lstm.onnx),
// imported with RnnGen.Import and loaded into a class the RnnGen package's generator writes, must give PyTorch's
// float64 outputs (lstm.json); a model RnnGen does not compute (bad_clip.onnx) must be refused with ImportException.
// Exits 0 when both hold, 1 otherwise.

const double Bound = 1e-5;   // max |RnnGen float32 − PyTorch float64| ÷ the output's largest magnitude

string folder = AppContext.BaseDirectory;
ImportedModel imported = OnnxImport.Read(Path.Combine(folder, "lstm.onnx"));
Console.WriteLine($"{imported.Origin}: {imported.Declaration}");

var model = new ImportedLstm();
model.LoadWeights(imported.ToWeightFile(), strict: true);

using JsonDocument fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "lstm.json")));
float[] x = fixture.RootElement.GetProperty("x").GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
double[] expected = fixture.RootElement.GetProperty("y_float64").EnumerateArray().Select(e => e.GetDouble()).ToArray();
int steps = x.Length / ImportedLstm.InputSize;
var outputs = new float[steps * ImportedLstm.OutputSize];
model.Forward(x, outputs, new float[ImportedLstm.StateSize], model.CreateWorkspace(steps));

double largest = expected.Max(Math.Abs), worst = outputs.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
int failures = 0;
if (!(worst / largest <= Bound))
{
    Console.WriteLine($"lstm.onnx: relative error {worst / largest:E3} exceeds {Bound:E0}");
    failures++;
}

try
{
    OnnxImport.Read(Path.Combine(folder, "bad_clip.onnx"));
    Console.WriteLine("bad_clip.onnx: imported although RnnGen does not clip");
    failures++;
}
catch (ImportException e)
{
    Console.WriteLine($"refused as expected: {e.Message}");
}

Console.WriteLine(failures == 0 ? "import consumer: all checks passed" : $"import consumer: {failures} check(s) FAILED");
return failures == 0 ? 0 : 1;

[Lstm(input: 3, hidden: 5)]
public partial class ImportedLstm;
