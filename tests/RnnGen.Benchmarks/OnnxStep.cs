using Microsoft.ML.OnnxRuntime;

namespace RnnGen.Benchmarks;

/// <summary>
/// One streaming step per ONNX Runtime Run, on a model exported by onnx/make_models.py (sequence length 1, the state
/// as inputs and outputs). What a .NET user of ONNX Runtime would write to stream it, minus the per-call costs that
/// can be avoided: one thread, every tensor pre-allocated and bound once (IOBinding), and two bindings that swap the
/// state buffers (h0 ← hn of the step before) so nothing is copied but this step's input. With steps &gt; 1 one Run is a
/// whole sequence of that many steps (the {kind}_{I}x{H}_seq{steps}.onnx models), inputs [steps, 1, I].
/// </summary>
public sealed class OnnxStep : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtIoBinding[] _bindings = new OrtIoBinding[2];
    private readonly List<OrtValue> _values = [];
    private readonly float[] _x;
    private readonly float[][] _h, _c;
    private int _current;

    public OnnxStep(string kind, int inputSize, int hiddenSize, int steps = 1)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(ReadModel($"{kind}_{inputSize}x{hiddenSize}{(steps == 1 ? "" : $"_seq{steps}")}.onnx"), options);
        bool lstm = kind == "lstm";
        _x = new float[steps * inputSize];
        _h = [new float[hiddenSize], new float[hiddenSize]];
        _c = [new float[hiddenSize], new float[hiddenSize]];
        OrtValue x = Tensor(_x, inputSize, steps), y = Tensor(new float[steps * hiddenSize], hiddenSize, steps);
        OrtValue[] h = [Tensor(_h[0], hiddenSize), Tensor(_h[1], hiddenSize)];
        OrtValue[] c = [Tensor(_c[0], hiddenSize), Tensor(_c[1], hiddenSize)];
        for (int p = 0; p < 2; p++)
        {
            OrtIoBinding binding = _bindings[p] = _session.CreateIoBinding();
            binding.BindInput("x", x);
            binding.BindInput("h0", h[p]);
            binding.BindOutput("y", y);
            binding.BindOutput("hn", h[1 - p]);
            if (lstm)
            {
                binding.BindInput("c0", c[p]);
                binding.BindOutput("cn", c[1 - p]);
            }
        }
    }

    public int InputSize { get; }

    public int HiddenSize { get; }

    /// <summary>h after the last step.</summary>
    public ReadOnlySpan<float> H => _h[_current];

    /// <summary>c after the last step (an LSTM's; zeros for a GRU).</summary>
    public ReadOnlySpan<float> C => _c[_current];

    /// <summary>One Run: one step, or the whole sequence of a sequence model (input: steps·I values).</summary>
    public void Step(ReadOnlySpan<float> input)
    {
        input.CopyTo(_x);
        _session.RunWithBinding(_run, _bindings[_current]);
        _current ^= 1;
    }

    public void Dispose()
    {
        foreach (OrtIoBinding binding in _bindings)
        {
            binding.Dispose();
        }

        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }

        _run.Dispose();
        _session.Dispose();
    }

    private OrtValue Tensor(float[] data, int length, int steps = 1)
    {
        var value = OrtValue.CreateTensorValueFromMemory(data, [steps, 1, length]);
        _values.Add(value);
        return value;
    }

    // The models are embedded (see the csproj), so BenchmarkDotNet's copy of this project finds them too.
    private static byte[] ReadModel(string name)
    {
        using Stream stream = typeof(OnnxStep).Assembly.GetManifestResourceStream("onnx/" + name)
            ?? throw new FileNotFoundException($"No embedded ONNX model {name}: run onnx/make_models.py.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
