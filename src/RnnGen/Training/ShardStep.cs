namespace RnnGen.Training;

/// <summary>
/// What one shard of a minibatch computes: its forward and backward passes, with its parameter gradients added (+=) into
/// <paramref name="gradients"/> (zeroed before the call); returns the shard's loss.
/// </summary>
/// <param name="shard">Which shard, 0 to <see cref="DataParallel.Shards"/> − 1: the same shard always gets the same sequences.</param>
/// <param name="gradients">This shard's own gradient buffers, one per buffer of the <see cref="ParameterSet"/>.</param>
public delegate float ShardStep(int shard, ShardGradients gradients);
