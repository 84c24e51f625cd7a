using System.Numerics.Tensors;
using RnnGen.Tests.Infrastructure;
using RnnGen.Training;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Training;

/// <summary>
/// <see cref="DataParallel"/> with a real generated model (a bidirectional GRU stack with a head, plus a second parameter
/// buffer, a bias added to its outputs), each shard a ragged minibatch through its own batch tape (ForwardBatch /
/// BackwardBatch inside the <see cref="ShardStep"/>): the loss, every gradient and the parameters after Adam updates with
/// gradient-norm clipping are the same bit for bit for 1, 2 and 4 workers over the same 8 shards; the reduced gradient is
/// the shards' gradients added in shard order bit for bit, and the whole minibatch computed at once on one thread within
/// 1e-5 of the largest gradient; a throwing shard rethrows the lowest-numbered failure and adds nothing; argument checks
/// and Dispose. Zero allocation per update is in <see cref="DataParallelAllocationTests"/>.
/// </summary>
public sealed class DataParallelTests(ITestOutputHelper output)
{
    private const int Shards = 8, Updates = 4;

    // The whole minibatch at once against the sum of its shards: the same sums in another order.
    private const double WholeBatchBound = 1e-5;

    [Fact]
    public void ResultsAreTheSameBitForBitForAnyNumberOfWorkers()
    {
        Run one = Train(workers: 1), two = Train(workers: 2), four = Train(workers: 4);
        Assert.Equal(1, one.Workers);
        Assert.Equal(2, two.Workers);
        Assert.Equal(4, four.Workers);
        Assert.Contains(one.Norms, n => n > ShardedTraining.MaxNorm);   // clipping did scale some update
        Assert.Contains(one.Losses, l => l > 0);
        foreach (Run other in new[] { two, four })
        {
            string what = $"{other.Workers} workers against 1";
            Models.AssertBitwise(one.Losses, other.Losses, $"{what}: losses");
            Models.AssertBitwise(one.Norms, other.Norms, $"{what}: gradient norms");
            for (int u = 0; u < Updates; u++)
            {
                Models.AssertBitwise(one.Gradients[u], other.Gradients[u], $"{what}: model gradients of update {u}");
                Models.AssertBitwise(one.BiasGradients[u], other.BiasGradients[u], $"{what}: bias gradients of update {u}");
            }

            Models.AssertBitwise(one.Parameters, other.Parameters, $"{what}: model parameters after {Updates} updates");
            Models.AssertBitwise(one.Bias, other.Bias, $"{what}: bias after {Updates} updates");
        }

        // The updates did something.
        using var fresh = new ShardedTraining(Shards, workers: 1);
        Assert.NotEqual(fresh.Model.Parameters.ToArray(), one.Parameters);
    }

    /// <summary>
    /// Run's reduction is the shards' gradients added into the parameter set's, shard 0 first, and the losses likewise: bit
    /// for bit what the shard steps give one after another on this thread. And the sum over shards is the gradient of the
    /// whole minibatch as one batch of 24 streams on one thread, within 1e-5 of the largest gradient.
    /// </summary>
    [Fact]
    public void TheReducedGradientIsTheShardsInOrderAndTheWholeBatchsGradient()
    {
        using var training = new ShardedTraining(Shards, workers: 4);
        training.NextMinibatch();
        training.Parameters.ZeroGrad();
        float loss = training.Parallel.Run(training.Step);
        float[] gradients = training.Gradients.ToArray(), biasGradients = training.BiasGradients.ToArray();

        // The shards by hand, in order, into zeros.
        float[] byHand = new float[gradients.Length], biasByHand = new float[biasGradients.Length];
        float[] shardGradients = new float[gradients.Length], shardBias = new float[biasGradients.Length];
        float lossByHand = 0;
        for (int shard = 0; shard < Shards; shard++)
        {
            Array.Clear(shardGradients);
            Array.Clear(shardBias);
            lossByHand += training.StepInto(shard, shardGradients, shardBias);
            TensorPrimitives.Add(byHand, shardGradients, byHand);
            TensorPrimitives.Add(biasByHand, shardBias, biasByHand);
        }

        Assert.Equal(BitConverter.SingleToInt32Bits(lossByHand), BitConverter.SingleToInt32Bits(loss));
        Models.AssertBitwise(byHand, gradients, "model gradients against the shards added in order");
        Models.AssertBitwise(biasByHand, biasGradients, "bias gradients against the shards added in order");

        // The whole minibatch as one batch.
        (float wholeLoss, float[] whole, float[] wholeBias) = training.WholeBatch();
        double gradientError = Error.Relative(FixtureRunner.Widen<float>(gradients), FixtureRunner.Widen<float>(whole));
        double biasError = Error.Relative(FixtureRunner.Widen<float>(biasGradients), FixtureRunner.Widen<float>(wholeBias));
        output.WriteLine($"sharded against whole: loss {Math.Abs(loss - wholeLoss) / wholeLoss:E2}, model gradients {gradientError:E2}, bias gradients {biasError:E2}");
        Assert.Contains(whole, v => v != 0);
        Error.AssertWithin(FixtureRunner.Widen<float>(gradients), FixtureRunner.Widen<float>(whole), WholeBatchBound, "model gradients against the whole minibatch");
        Error.AssertWithin(FixtureRunner.Widen<float>(biasGradients), FixtureRunner.Widen<float>(wholeBias), WholeBatchBound, "bias gradients against the whole minibatch");
        Assert.InRange(Math.Abs(loss - wholeLoss), 0, WholeBatchBound * wholeLoss);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void AThrowingShardRethrowsTheLowestFailureAndAddsNothing(int workers)
    {
        using var training = new ShardedTraining(Shards, workers);
        training.NextMinibatch();
        float[] before = Models.Uniform(new Random(1), training.Gradients.Length), biasBefore = Models.Uniform(new Random(2), training.BiasGradients.Length);
        before.CopyTo(training.Gradients);
        biasBefore.CopyTo(training.BiasGradients);

        var failures = new Exception[Shards];
        failures[6] = new InvalidOperationException("shard 6");
        failures[2] = new ArgumentException("shard 2");
        failures[5] = new NotSupportedException("shard 5");
        int calls = 0;
        ShardStep step = (shard, gradients) =>
        {
            Interlocked.Increment(ref calls);
            float loss = training.Step(shard, gradients);   // the shard does its work (its gradients too) before it fails
            return failures[shard] is { } failure ? throw failure : loss;
        };

        Exception thrown = Assert.ThrowsAny<Exception>(() => training.Parallel.Run(step));
        Assert.Same(failures[2], thrown);
        Assert.Equal(Shards, calls);   // every other shard still ran
        Models.AssertBitwise(before, training.Gradients, $"{workers} workers: model gradients after a failed Run");
        Models.AssertBitwise(biasBefore, training.BiasGradients, $"{workers} workers: bias gradients after a failed Run");

        // The next Run is a clean one: what a fresh instance computes.
        training.Parameters.ZeroGrad();
        float loss = training.Parallel.Run(training.Step);
        using var fresh = new ShardedTraining(Shards, workers);
        fresh.NextMinibatch();
        fresh.Parameters.ZeroGrad();
        Assert.Equal(fresh.Parallel.Run(fresh.Step), loss);
        Models.AssertBitwise(fresh.Gradients, training.Gradients, $"{workers} workers: a Run after a failed one");
    }

    [Fact]
    public void DisposeIsIdempotentAndRunAfterDisposeThrows()
    {
        foreach (int workers in new[] { 1, 3 })
        {
            var training = new ShardedTraining(4, workers);
            training.NextMinibatch();
            training.Parallel.Run(training.Step);
            Assert.Equal("step", Assert.Throws<ArgumentNullException>(() => training.Parallel.Run(null!)).ParamName);
            training.Parallel.Dispose();
            training.Parallel.Dispose();
            Assert.Throws<ObjectDisposedException>(() => training.Parallel.Run(training.Step));
            training.Dispose();
        }

        // Disposed before any Run.
        var unused = new DataParallel(new ParameterSet((new float[3], new float[3])), shards: 5, workers: 5);
        unused.Dispose();
        unused.Dispose();
        Assert.Throws<ObjectDisposedException>(() => unused.Run((_, _) => 0));
    }

    [Fact]
    public void TheConstructorChecksItsArguments()
    {
        var parameters = new ParameterSet((new float[3], new float[3]));
        Assert.Equal("shards", Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel(parameters, shards: 0)).ParamName);
        Assert.Equal("shards", Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel(parameters, shards: -2, workers: 1)).ParamName);
        Assert.Equal("workers", Assert.Throws<ArgumentOutOfRangeException>(() => new DataParallel(parameters, shards: 4, workers: -1)).ParamName);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new DataParallel(null!, shards: 4)).ParamName);

        // Workers: at most one per shard; 0 means one per processor.
        using (var clamped = new DataParallel(parameters, shards: 3, workers: 16))
        {
            Assert.Equal((3, 3), (clamped.Shards, clamped.Workers));
        }

        using (var perProcessor = new DataParallel(parameters, shards: 64))
        {
            Assert.Equal(Math.Min(64, Environment.ProcessorCount), perProcessor.Workers);
        }

        using var single = new DataParallel(parameters, shards: 1, workers: 4);
        Assert.Equal(1, single.Workers);
        Assert.Equal(2.5f, single.Run((shard, g) =>
        {
            Assert.Equal(0, shard);
            Assert.Equal(1, g.Count);
            g[0][1] = 7;
            return 2.5f;
        }));
        Assert.Equal([0f, 7f, 0f], parameters.GetGradients(0).ToArray());
    }

    /// <summary>Everything one training run with <paramref name="workers"/> computed.</summary>
    private static Run Train(int workers)
    {
        using var training = new ShardedTraining(Shards, workers);
        var optimizer = new Adam(training.Parameters, learningRate: 0.02);
        var run = new Run(training.Parallel.Workers, new float[Updates], new float[Updates], new float[Updates][], new float[Updates][], [], []);
        for (int u = 0; u < Updates; u++)
        {
            training.NextMinibatch();
            training.Parameters.ZeroGrad();
            run.Losses[u] = training.Parallel.Run(training.Step);
            run.Gradients[u] = training.Gradients.ToArray();
            run.BiasGradients[u] = training.BiasGradients.ToArray();
            run.Norms[u] = training.Parameters.ClipGradientNorm(ShardedTraining.MaxNorm);
            optimizer.Step();
        }

        return run with { Parameters = training.Model.Parameters.ToArray(), Bias = training.Bias.ToArray() };
    }

    private sealed record Run(int Workers, float[] Losses, float[] Norms, float[][] Gradients, float[][] BiasGradients, float[] Parameters, float[] Bias);
}

/// <summary>Tests that measure allocation process-wide: they run alone, after the parallel collections.</summary>
[CollectionDefinition("Allocation-sensitive", DisableParallelization = true)]
public sealed class AllocationSensitiveCollection;

/// <summary>
/// A <see cref="DataParallel"/> update (the minibatch drawn, ZeroGrad, Run over 8 shards with ForwardBatch and
/// BackwardBatch in every shard, gradient-norm clipping, an Adam step) allocates nothing once warm, on any thread:
/// <list type="bullet">
/// <item>on every thread that runs shards (the workers and the caller), read from each thread's own counter: 0 bytes over
/// 100 updates, exactly;</item>
/// <item>process-wide, by <see cref="GC.GetTotalAllocatedBytes(bool)"/>, which would also see a thread the library used
/// that the first measure does not know of: 0 bytes over a window of 10 consecutive updates.</item>
/// </list>
/// The measured updates include pauses, so the workers block (not only spin) in DataParallel's rendezvous: a
/// System.Threading.Barrier there used to allocate a lock object per event the first time a thread blocked, at an update
/// timing decided. The class is in a collection with parallelization
/// disabled, so no other test runs meanwhile. The test host itself does allocate in the background, though: 168 bytes
/// about every 100 ms on thread-pool threads, also while nothing of RnnGen runs (measured over idle 20 ms sleeps; a fresh
/// awaited task each time, the size of a Task.Delay promise and its timer), and 3.7 to 4 KB in the first window after
/// the previous test ended (its result being reported, presumably). So the process-wide window is retried, up to 20 times, until one is clean, as
/// <see cref="SteadyState"/> does for the runtime's own first-time work: an allocation per update, or per
/// window, would be in every window; the bytes of the windows before the clean one are in the failure message and the
/// test output.
/// </summary>
[Collection("Allocation-sensitive")]
public sealed class DataParallelAllocationTests(ITestOutputHelper output)
{
    private const int PerThreadUpdates = 100, WindowUpdates = 10, Windows = 20;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void UpdatesAfterTheFirstAllocateNothing(int workers)
    {
        using var training = new ShardedTraining(8, workers);
        var optimizer = new Adam(training.Parameters, learningRate: 0.01);
        void Update()
        {
            training.NextMinibatch();
            training.Parameters.ZeroGrad();
            training.Parallel.Run(training.Step);
            training.Parameters.ClipGradientNorm(ShardedTraining.MaxNorm);
            optimizer.Step();
        }

        // Warm up: the JIT's first compilations, including the rendezvous' blocking paths: a pause between Runs (the
        // workers block at the start) and a Run with one slow shard (the others block at the end).
        var probe = new ThreadProbe(training.Parallel.Workers);
        for (int i = 0; i < 5; i++)
        {
            Update();
        }

        Thread.Sleep(50);
        training.Parallel.Run(static (shard, _) =>
        {
            if (shard == 0)
            {
                Thread.Sleep(50);
            }

            return 0;
        });

        long[] before = new long[training.Parallel.Workers], after = new long[before.Length];
        probe.Run(training.Parallel, after);

        // Every shard-running thread's own counter, before and after 100 updates.
        probe.Run(training.Parallel, before);
        for (int i = 0; i < PerThreadUpdates; i++)
        {
            if (i % 25 == 0)
            {
                Thread.Sleep(20);   // the workers run out of spinning and block on the monitor
            }

            Update();
        }

        probe.Run(training.Parallel, after);
        long[] perThread = [.. after.Zip(before, (a, b) => a - b)];
        output.WriteLine($"{workers} workers, {PerThreadUpdates} updates: {string.Join(", ", perThread.Select((b, k) => $"thread {k} {b} B"))}");
        Assert.True(perThread.All(b => b == 0), $"{workers} workers: the shard-running threads allocated {string.Join(", ", perThread)} bytes over {PerThreadUpdates} updates");

        // Process-wide, in windows of 10 updates, until one is clean (see the class's remarks).
        var windows = new List<long>();
        for (int w = 0; w < Windows && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long start = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < WindowUpdates; i++)
            {
                Update();
            }

            windows.Add(GC.GetTotalAllocatedBytes(precise: true) - start);
        }

        output.WriteLine($"{workers} workers, process-wide bytes per window of {WindowUpdates} updates: {string.Join(", ", windows)}");
        Assert.True(windows[^1] == 0, $"{workers} workers: every one of {Windows} windows of {WindowUpdates} updates allocated: {string.Join(", ", windows)} bytes");
    }

    /// <summary>
    /// Reads <see cref="GC.GetAllocatedBytesForCurrentThread"/> on every thread that runs shards: each shard step records its
    /// thread's counter once, then waits until all the workers have, so that every worker takes a shard (one blocked in its
    /// first shard takes no other). Allocates nothing after construction.
    /// </summary>
    private sealed class ThreadProbe
    {
        private readonly int[] _threads;
        private readonly long[] _bytes;
        private int _arrived;

        public ThreadProbe(int workers)
        {
            _threads = new int[workers];
            _bytes = new long[workers];
            Step = StepCore;
        }

        public ShardStep Step { get; }

        /// <summary>One probing Run: each worker's counter into <paramref name="bytes"/>, ordered by managed thread id (the same threads every time).</summary>
        public void Run(DataParallel parallel, long[] bytes)
        {
            Array.Clear(_threads);
            _arrived = 0;
            parallel.Run(Step);
            if (_arrived != _threads.Length)
            {
                throw new Xunit.Sdk.XunitException($"{_arrived} of {_threads.Length} workers ran a shard of the probe.");
            }

            Array.Sort(_threads, _bytes);
            _bytes.CopyTo(bytes, 0);
        }

        private float StepCore(int shard, ShardGradients gradients)
        {
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            int thread = Environment.CurrentManagedThreadId;
            if (!_threads.AsSpan().Contains(thread))
            {
                int slot = Interlocked.Increment(ref _arrived) - 1;
                _bytes[slot] = bytes;
                Volatile.Write(ref _threads[slot], thread);
            }

            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + 10 * System.Diagnostics.Stopwatch.Frequency;
            var spin = default(SpinWait);
            while (Volatile.Read(ref _arrived) < _threads.Length && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            {
                spin.SpinOnce();
            }

            return 0;
        }
    }
}

/// <summary>
/// A generated model (<see cref="Gru8x24L2BiHead"/>) and a bias added to its outputs, trained on the mean squared error of
/// ragged minibatches of 3 streams per shard: all per-shard buffers (batch tapes included) made once, the minibatch drawn
/// in place from one seeded <see cref="Random"/>, the shard step cached, so an update allocates nothing.
/// </summary>
internal sealed class ShardedTraining : IDisposable
{
    public const int Steps = 6, PerShard = 3;
    public const double MaxNorm = 0.25;

    private readonly Random _random = new(42);
    private readonly float[] _inputs, _targets;   // the whole minibatch, [T, N, I] and [T, N, O]
    private readonly int[] _lengths;              // N
    private readonly ShardBuffers[] _shards;
    private readonly float _weight;

    public ShardedTraining(int shards, int workers)
    {
        Model = new Gru8x24L2BiHead(new Random(7));
        Gradients = new float[Model.ParameterCount];
        Bias = new float[Model.OutputSize];
        BiasGradients = new float[Model.OutputSize];
        Parameters = new ParameterSet((Model.ParameterMemory, Gradients), (Bias, BiasGradients));
        Parallel = new DataParallel(Parameters, shards, workers);
        Streams = shards * PerShard;
        _inputs = new float[Steps * Streams * Model.InputSize];
        _targets = new float[Steps * Streams * Model.OutputSize];
        _lengths = new int[Streams];
        _shards = [.. Enumerable.Range(0, shards).Select(_ => new ShardBuffers(Model, PerShard))];
        _weight = 1f / (Streams * Steps);
        Step = StepCore;
    }

    public IRecurrentModel<float> Model { get; }

    public float[] Gradients { get; }

    public float[] Bias { get; }

    public float[] BiasGradients { get; }

    public ParameterSet Parameters { get; }

    public DataParallel Parallel { get; }

    /// <summary>N, streams per minibatch.</summary>
    public int Streams { get; }

    /// <summary>The cached shard step (a new delegate per Run would allocate).</summary>
    public ShardStep Step { get; }

    /// <summary>Draws the next minibatch in place: inputs, targets, and lengths in 1..T (every third stream full).</summary>
    public void NextMinibatch()
    {
        foreach (ref float x in _inputs.AsSpan())
        {
            x = (float)(2 * _random.NextDouble() - 1);
        }

        foreach (ref float y in _targets.AsSpan())
        {
            y = (float)(_random.NextDouble() - 0.5);
        }

        for (int b = 0; b < Streams; b++)
        {
            _lengths[b] = b % 3 == 0 ? Steps : 1 + _random.Next(Steps);
        }
    }

    /// <summary>One shard's step into plain arrays (the same arithmetic as through <see cref="Step"/>).</summary>
    public float StepInto(int shard, float[] gradients, float[] biasGradients) => Shard(shard, gradients, biasGradients);

    /// <summary>The whole minibatch as one batch of N streams on this thread: loss, model gradients, bias gradients.</summary>
    public (float Loss, float[] Gradients, float[] BiasGradients) WholeBatch()
    {
        var whole = new ShardBuffers(Model, Streams);
        float[] gradients = new float[Model.ParameterCount], biasGradients = new float[Model.OutputSize];
        float loss = Pass(whole, _inputs, _targets, _lengths, gradients, biasGradients);
        return (loss, gradients, biasGradients);
    }

    public void Dispose() => Parallel.Dispose();

    private float StepCore(int shard, ShardGradients gradients) => Shard(shard, gradients[0], gradients[1]);

    /// <summary>Shard s: streams s·P … s·P + P − 1 of the minibatch, gathered into the shard's [T, P, *] buffers.</summary>
    private float Shard(int shard, Span<float> gradients, Span<float> biasGradients)
    {
        ShardBuffers s = _shards[shard];
        int i = Model.InputSize, o = Model.OutputSize, first = shard * PerShard;
        for (int t = 0; t < Steps; t++)
        {
            _inputs.AsSpan((t * Streams + first) * i, PerShard * i).CopyTo(s.Inputs.AsSpan(t * PerShard * i));
            _targets.AsSpan((t * Streams + first) * o, PerShard * o).CopyTo(s.Targets.AsSpan(t * PerShard * o));
        }

        _lengths.AsSpan(first, PerShard).CopyTo(s.Lengths);
        return Pass(s, s.Inputs, s.Targets, s.Lengths, gradients, biasGradients);
    }

    /// <summary>
    /// ForwardBatch from zero states, L = Σ over each stream's own steps of (output + bias − target)² / (N·T), then
    /// BackwardBatch; the gradients are added (+=) into the given spans. Returns L's share of these streams.
    /// </summary>
    private float Pass(ShardBuffers s, float[] inputs, float[] targets, int[] lengths, Span<float> gradients, Span<float> biasGradients)
    {
        int o = Model.OutputSize, batch = s.Batch;
        Array.Clear(s.States);
        Model.ForwardBatch(inputs, s.Outputs, s.States, s.Tape, lengths);
        float loss = 0;
        for (int t = 0; t < Steps; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                int row = (t * batch + b) * o;
                for (int k = 0; k < o; k++)
                {
                    float gradient = 0;
                    if (t < lengths[b])
                    {
                        float error = s.Outputs[row + k] + Bias[k] - targets[row + k];
                        loss += error * error * _weight;
                        gradient = 2 * error * _weight;
                    }

                    s.OutputGradients[row + k] = gradient;
                    biasGradients[k] += gradient;
                }
            }
        }

        Array.Clear(s.StateGradients);
        Model.BackwardBatch(s.Tape, s.OutputGradients, s.StateGradients, Span<float>.Empty, gradients);
        return loss;
    }

    /// <summary>One shard's own buffers: [T, B, *] inputs, targets, outputs and their gradients, [B, S] states, its batch tape.</summary>
    private sealed class ShardBuffers(IRecurrentModel<float> model, int batch)
    {
        public int Batch { get; } = batch;

        public float[] Inputs { get; } = new float[Steps * batch * model.InputSize];

        public float[] Targets { get; } = new float[Steps * batch * model.OutputSize];

        public int[] Lengths { get; } = new int[batch];

        public float[] Outputs { get; } = new float[Steps * batch * model.OutputSize];

        public float[] OutputGradients { get; } = new float[Steps * batch * model.OutputSize];

        public float[] States { get; } = new float[batch * model.StateSize];

        public float[] StateGradients { get; } = new float[batch * model.StateSize];

        public Tape<float> Tape { get; } = model.CreateTape(Steps, batch);
    }
}
