using RnnGen;
using RnnGen.Training;

namespace LstmVsGru;

/// <summary>
/// A recurrent cell with a linear read-out of its last hidden state: ŷ = head(h_T). Holds the buffers one sequence
/// needs (tape, outputs, gradients), so training allocates nothing per sequence.
/// </summary>
public sealed class Model
{
    private readonly Tape<float> _tape;
    private readonly float[] _hidden, _hiddenGradients, _state, _stateGradient, _inputGradients;
    private readonly float[] _prediction = new float[1], _predictionGradient = new float[1];

    public Model(IRecurrentCell<float> cell, IDenseLayer<float> head, int length)
    {
        Cell = cell;
        Head = head;
        Length = length;
        _tape = cell.CreateTape(length);
        _hidden = new float[length * cell.HiddenSize];
        _hiddenGradients = new float[length * cell.HiddenSize];
        _state = new float[cell.StateSize];
        _stateGradient = new float[cell.StateSize];
        _inputGradients = new float[length * cell.InputSize];
        CellGradients = new float[cell.ParameterCount];
        HeadGradients = new float[head.ParameterCount];
        // Both modules train as one model: the optimizer and the clipping see both (parameters, gradients) pairs.
        Parameters = new ParameterSet((cell.ParameterMemory, CellGradients), (head.ParameterMemory, HeadGradients));
    }

    public IRecurrentCell<float> Cell { get; }

    public IDenseLayer<float> Head { get; }

    public int Length { get; }

    public float[] CellGradients { get; }

    public float[] HeadGradients { get; }

    public ParameterSet Parameters { get; }

    private Span<float> LastHidden => _hidden.AsSpan((Length - 1) * Cell.HiddenSize, Cell.HiddenSize);

    /// <summary>ŷ for one sequence, from a zero state.</summary>
    public float Predict(ReadOnlySpan<float> inputs)
    {
        Array.Clear(_state);
        Cell.Forward(inputs, _hidden, _state);
        Head.Forward(LastHidden, _prediction);
        return _prediction[0];
    }

    /// <summary>
    /// One sequence of a batch: forward with a tape, squared error, and backward, adding <paramref name="weight"/> × the
    /// gradients to <see cref="CellGradients"/> and <see cref="HeadGradients"/>. Returns the squared error.
    /// </summary>
    public float Accumulate(ReadOnlySpan<float> inputs, float target, float weight)
    {
        float prediction = ForwardWithTape(inputs);
        float loss = Loss.MeanSquaredError<float>([prediction], [target], _predictionGradient);
        Backward(_predictionGradient[0] * weight, inputGradients: false);
        return loss;
    }

    /// <summary>∂ŷ/∂inputs for one sequence, T·I values (the parameter gradients get ∂ŷ/∂θ added: zero them after).</summary>
    public ReadOnlySpan<float> Sensitivity(ReadOnlySpan<float> inputs)
    {
        ForwardWithTape(inputs);
        Backward(1, inputGradients: true);
        return _inputGradients;
    }

    private float ForwardWithTape(ReadOnlySpan<float> inputs)
    {
        Array.Clear(_state);
        Cell.Forward(inputs, _hidden, _state, _tape);
        Head.Forward(LastHidden, _prediction);
        return _prediction[0];
    }

    private void Backward(float predictionGradient, bool inputGradients)
    {
        // Only the last step's h feeds the head, so every other step's output gradient is zero.
        _predictionGradient[0] = predictionGradient;
        Array.Clear(_hiddenGradients);
        Head.Backward(LastHidden, _predictionGradient, _hiddenGradients.AsSpan((Length - 1) * Cell.HiddenSize), HeadGradients);
        Array.Clear(_stateGradient);
        Cell.Backward(_tape, _hiddenGradients, _stateGradient, inputGradients ? _inputGradients : default, CellGradients);
    }

    /// <summary>Mean squared error over a fixed set of sequences.</summary>
    public double Evaluate(IReadOnlyList<(float[] Inputs, float Target)> set, Func<float, float, bool>? hit, out double hitRate)
    {
        double sum = 0;
        int hits = 0;
        foreach ((float[] inputs, float target) in set)
        {
            float prediction = Predict(inputs);
            sum += (prediction - target) * (double)(prediction - target);
            hits += hit is not null && hit(prediction, target) ? 1 : 0;
        }

        hitRate = (double)hits / set.Count;
        return sum / set.Count;
    }
}
