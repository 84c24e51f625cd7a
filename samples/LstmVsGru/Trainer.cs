using RnnGen;
using RnnGen.Training;

namespace LstmVsGru;

/// <summary>
/// What training one recurrent network with a linear head needs, on the head's output at the last step: ŷ = head(h_T).
/// <see cref="Training"/> drives it; it does the minibatch's passes, predictions and evaluations. A minibatch
/// is split into <see cref="Shards"/> fixed shards, each run as one batch (ForwardBatch / BackwardBatch, every weight
/// read once per step for all its sequences) with its own tape, on up to <see cref="Workers"/> threads; the shards'
/// gradients are added in shard order, so the numbers do not depend on the thread count. Nothing is allocated per update.
/// </summary>
public sealed class Trainer : IDisposable
{
    /// <summary>Shards per minibatch: at most this many threads can share an update.</summary>
    public const int Shards = 4;

    private readonly ShardBuffers[] _shards;
    private readonly DataParallel _parallel;
    private readonly float[][] _sequences;
    private readonly float[] _targets;
    private readonly ShardStep _accumulate;
    private float _weight;

    // One sequence at a time: GradientReach's ∂ŷ/∂inputs.
    private readonly Tape<float> _tape;
    private readonly float[] _outputs, _outputGradients, _state, _stateGradient, _inputGradients;

    // Inference over a fixed set, one batch after another.
    private readonly float[] _evaluationInputs, _evaluationOutputs, _evaluationStates;

    public Trainer(IStreamingModel<float> network, int length, int batchSize, int workers)
    {
        if (batchSize % Shards != 0)
        {
            throw new ArgumentException($"The batch size must be a multiple of the {Shards} shards; it is {batchSize}.", nameof(batchSize));
        }

        Network = network;
        Length = length;
        BatchSize = batchSize;
        Gradients = new float[network.ParameterCount];
        Parameters = new ParameterSet((network.ParameterMemory, Gradients));
        _parallel = new DataParallel(Parameters, Shards, workers);
        _shards = Enumerable.Range(0, Shards).Select(_ => new ShardBuffers(network, length, batchSize / Shards)).ToArray();
        _sequences = Enumerable.Range(0, batchSize).Select(_ => new float[length * network.InputSize]).ToArray();
        _targets = new float[batchSize];
        _accumulate = Accumulate;

        _tape = network.CreateTape(length);
        _outputs = new float[length];
        _outputGradients = new float[length];
        _state = new float[network.StateSize];
        _stateGradient = new float[network.StateSize];
        _inputGradients = new float[length * network.InputSize];

        _evaluationInputs = new float[length * batchSize * network.InputSize];
        _evaluationOutputs = new float[length * batchSize];
        _evaluationStates = new float[batchSize * network.StateSize];
    }

    /// <summary>The generated model: the recurrent layer and its head, one output per step.</summary>
    public IStreamingModel<float> Network { get; }

    /// <summary>The head's weight [1, H] and bias [1]: nn.Linear(H, 1).</summary>
    public int HeadParameters => Network.Shape.HeadOutputs * (Network.Shape.LayerOutputSize + 1);

    /// <summary>The recurrent layer's: weight_ih, weight_hh, bias_ih, bias_hh.</summary>
    public int CellParameters => Network.ParameterCount - HeadParameters;

    public int Length { get; }

    public int BatchSize { get; }

    /// <summary>Threads an update runs on, the caller's included.</summary>
    public int Workers => _parallel.Workers;

    public float[] Gradients { get; }

    public ParameterSet Parameters { get; }

    /// <summary>The sequences of the next minibatch, <see cref="BatchSize"/> of T·I values each: fill them, then call <see cref="Accumulate()"/>.</summary>
    public IReadOnlyList<float[]> Sequences => _sequences;

    /// <summary>The targets of the next minibatch.</summary>
    public Span<float> Targets => _targets;

    /// <summary>
    /// Forward, squared error and backward over the minibatch in <see cref="Sequences"/> and <see cref="Targets"/>,
    /// adding the gradient of the mean squared error to <see cref="Gradients"/>. Returns that mean squared error.
    /// </summary>
    public double Accumulate()
    {
        _weight = 1f / BatchSize;
        return _parallel.Run(_accumulate) / BatchSize;
    }

    /// <summary>One shard: its sequences as one batch through the tape-taking ForwardBatch, then BackwardBatch.</summary>
    private float Accumulate(int shard, ShardGradients gradients)
    {
        ShardBuffers s = _shards[shard];
        int batch = s.Batch, first = shard * batch, inputSize = Network.InputSize;
        for (int b = 0; b < batch; b++)
        {
            Interleave(_sequences[first + b], s.Inputs, b, batch, inputSize);
        }

        Array.Clear(s.States);
        Network.ForwardBatch(s.Inputs, s.Outputs, s.States, s.Tape);

        // Only the last step's output is the prediction: every other step's output gradient is zero.
        float loss = 0;
        int last = (Length - 1) * batch;
        for (int b = 0; b < batch; b++)
        {
            float error = s.Outputs[last + b] - _targets[first + b];
            loss += error * error;
            s.OutputGradients[last + b] = 2 * error * _weight;
        }

        Array.Clear(s.StateGradients);
        Network.BackwardBatch(s.Tape, s.OutputGradients, s.StateGradients, default, gradients[0]);
        return loss;
    }

    /// <summary>ŷ for one sequence, from a zero state.</summary>
    public float Predict(ReadOnlySpan<float> inputs)
    {
        Array.Clear(_state);
        Network.Forward(inputs, _outputs, _state);
        return _outputs[Length - 1];
    }

    /// <summary>∂ŷ/∂inputs for one sequence, T·I values (the parameter gradients get ∂ŷ/∂θ added: zero them after).</summary>
    public ReadOnlySpan<float> Sensitivity(ReadOnlySpan<float> inputs)
    {
        Array.Clear(_state);
        Network.Forward(inputs, _outputs, _state, _tape);
        _outputGradients[Length - 1] = 1;
        Array.Clear(_stateGradient);
        Network.Backward(_tape, _outputGradients, _stateGradient, _inputGradients, Gradients);
        return _inputGradients;
    }

    /// <summary>Mean squared error over a fixed set of sequences, <see cref="BatchSize"/> at a time through ForwardBatch.</summary>
    public double Evaluate(IReadOnlyList<(float[] Inputs, float Target)> set, Func<float, float, bool>? hit, out double hitRate)
    {
        double sum = 0;
        int hits = 0, inputSize = Network.InputSize;
        for (int start = 0; start < set.Count; start += BatchSize)
        {
            int batch = Math.Min(BatchSize, set.Count - start);
            Span<float> inputs = _evaluationInputs.AsSpan(0, Length * batch * inputSize);
            Span<float> outputs = _evaluationOutputs.AsSpan(0, Length * batch);
            Span<float> states = _evaluationStates.AsSpan(0, batch * Network.StateSize);
            for (int b = 0; b < batch; b++)
            {
                Interleave(set[start + b].Inputs, inputs, b, batch, inputSize);
            }

            states.Clear();
            Network.ForwardBatch(inputs, outputs, states);
            for (int b = 0; b < batch; b++)
            {
                float prediction = outputs[(Length - 1) * batch + b], target = set[start + b].Target;
                sum += (prediction - target) * (double)(prediction - target);
                hits += hit is not null && hit(prediction, target) ? 1 : 0;
            }
        }

        hitRate = (double)hits / set.Count;
        return sum / set.Count;
    }

    public void Dispose() => _parallel.Dispose();

    /// <summary>One sequence's [T, I] values into stream <paramref name="b"/> of a time-major [T, B, I] batch.</summary>
    private static void Interleave(ReadOnlySpan<float> sequence, Span<float> batchInputs, int b, int batch, int inputSize)
    {
        for (int t = 0; t < sequence.Length / inputSize; t++)
        {
            sequence.Slice(t * inputSize, inputSize).CopyTo(batchInputs.Slice((t * batch + b) * inputSize, inputSize));
        }
    }

    /// <summary>What one shard's batch needs: its tape and buffers in the batch layout ([T, B, *] and [B, S]).</summary>
    private sealed class ShardBuffers(IStreamingModel<float> network, int length, int batch)
    {
        public int Batch { get; } = batch;

        public Tape<float> Tape { get; } = network.CreateTape(length, batch);

        public float[] Inputs { get; } = new float[length * batch * network.InputSize];

        public float[] Outputs { get; } = new float[length * batch * network.OutputSize];

        public float[] OutputGradients { get; } = new float[length * batch * network.OutputSize];

        public float[] States { get; } = new float[batch * network.StateSize];

        public float[] StateGradients { get; } = new float[batch * network.StateSize];
    }
}
