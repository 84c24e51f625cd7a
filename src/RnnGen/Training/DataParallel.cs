using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;

namespace RnnGen.Training;

/// <summary>
/// Data-parallel training on one machine: each minibatch is split into a fixed number of shards, the shards run on worker
/// threads, each with its own gradient buffers (and, in the caller's step, its own tape), and their gradients are added
/// into the <see cref="ParameterSet"/>'s in shard order. The shard, not the thread, is the unit of work, so the results
/// are the same, bit for bit, for any number of workers. After the first update nothing is allocated.
/// </summary>
/// <remarks>
/// A model's Forward and Backward may run on many threads at once with separate tapes; the step must give each shard its
/// own tape and scratch (index them by shard). Run does not zero the parameter set's gradients: call
/// <see cref="ParameterSet.ZeroGrad"/> first, as for a single-threaded update.
/// </remarks>
public sealed class DataParallel : IDisposable
{
    private readonly ParameterSet _parameters;
    private readonly float[][][] _shardGradients;
    private readonly float[] _losses;
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private int _arrived;
    private long _generation;
    private ShardStep? _step;
    private int _nextShard;
    private ExceptionDispatchInfo? _failure;
    private int _failedShard = int.MaxValue;
    private bool _disposed;

    /// <summary>Shards of a minibatch run by <paramref name="workers"/> threads (the caller's included).</summary>
    /// <param name="parameters">The parameters and gradients the shards' gradients are added into.</param>
    /// <param name="shards">How many shards each minibatch is split into: fixed, so the results do not depend on the workers.</param>
    /// <param name="workers">Threads, the calling one included; 0 (the default) means <see cref="Environment.ProcessorCount"/>. At most <paramref name="shards"/> are used.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> is not positive, or <paramref name="workers"/> is negative.</exception>
    public DataParallel(ParameterSet parameters, int shards, int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        _parameters = parameters;
        Shards = shards;
        Workers = Math.Min(shards, workers == 0 ? Environment.ProcessorCount : workers);
        _shardGradients = new float[shards][][];
        for (int s = 0; s < shards; s++)
        {
            _shardGradients[s] = new float[parameters.Count][];
            for (int i = 0; i < parameters.Count; i++)
            {
                _shardGradients[s][i] = new float[parameters.GetGradients(i).Length];
            }
        }

        _losses = new float[shards];
        _threads = new Thread[Workers - 1];
        for (int t = 0; t < _threads.Length; t++)
        {
            _threads[t] = new Thread(WorkerLoop) { IsBackground = true, Name = $"RnnGen DataParallel worker {t + 1}" };
            _threads[t].Start();
        }
    }

    /// <summary>Shards per minibatch.</summary>
    public int Shards { get; }

    /// <summary>Threads running the shards, the caller's included.</summary>
    public int Workers { get; }

    /// <summary>
    /// Runs <paramref name="step"/> for every shard, on the workers, then adds each shard's gradients into the parameter
    /// set's gradient buffers, shard 0 first; returns the sum of the shards' losses, added in shard order. If a shard
    /// throws, the others still finish, nothing is added, and the exception of the lowest-numbered failing shard is rethrown.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The instance is disposed.</exception>
    public float Run(ShardStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _step = step;
        _nextShard = 0;
        _failure = null;
        _failedShard = int.MaxValue;
        Rendezvous();   // start: the workers take shards
        RunShards();
        Rendezvous();   // end: every shard is done
        _step = null;
        _failure?.Throw();

        float loss = 0;
        for (int s = 0; s < Shards; s++)
        {
            loss += _losses[s];
            for (int i = 0; i < _parameters.Count; i++)
            {
                Span<float> gradients = _parameters.GetGradients(i).Span;
                TensorPrimitives.Add(gradients, _shardGradients[s][i], gradients);
            }
        }

        return loss;
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _step = null;
        Rendezvous();   // releases the workers, which see the flag and leave
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            Rendezvous();
            if (_disposed)
            {
                return;
            }

            RunShards();
            Rendezvous();
        }
    }

    /// <summary>
    /// Waits until every worker has arrived (a barrier). Spins briefly, since an update's halves are short, then sleeps on
    /// a monitor: unlike <see cref="Barrier"/>, whose events create their lock objects the first time a thread blocks,
    /// nothing here is allocated after construction.
    /// </summary>
    private void Rendezvous()
    {
        long generation = Volatile.Read(ref _generation);
        if (Interlocked.Increment(ref _arrived) == Workers)
        {
            _arrived = 0;
            lock (_gate)
            {
                Volatile.Write(ref _generation, generation + 1);
                Monitor.PulseAll(_gate);
            }

            return;
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _generation) == generation)
        {
            if (spinner.NextSpinWillYield)
            {
                lock (_gate)
                {
                    while (Volatile.Read(ref _generation) == generation)
                    {
                        Monitor.Wait(_gate);
                    }
                }

                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Takes shards until none is left: which thread runs a shard never changes what the shard computes.</summary>
    private void RunShards()
    {
        ShardStep step = _step!;
        for (int shard = Interlocked.Increment(ref _nextShard) - 1; shard < Shards; shard = Interlocked.Increment(ref _nextShard) - 1)
        {
            float[][] buffers = _shardGradients[shard];
            foreach (float[] buffer in buffers)
            {
                Array.Clear(buffer);
            }

            try
            {
                _losses[shard] = step(shard, new ShardGradients(buffers));
            }
            catch (Exception exception)
            {
                lock (_shardGradients)
                {
                    if (shard < _failedShard)
                    {
                        _failedShard = shard;
                        _failure = ExceptionDispatchInfo.Capture(exception);
                    }
                }
            }
        }
    }
}
