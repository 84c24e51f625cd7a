using System.Runtime.CompilerServices;

namespace RnnGen.Simd;

/// <summary>
/// Each thread's buffer for a packed copy of live parameters (a live Forward's or ForwardBatch's, ModelRunner.PacksPerSequence): pinned, used
/// from a cache-line boundary, allocated on a thread's first packed sequence and grown to the largest copy it has needed,
/// then reused, so a stream allocates nothing per call. Per thread, so that two threads may run sequences on one model.
/// </summary>
internal static class PackedScratch
{
    [ThreadStatic]
    private static float[]? buffer;

    [ThreadStatic]
    private static int start;

    /// <summary><paramref name="length"/> floats of this thread's buffer, from a cache-line boundary; their contents are undefined.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Span<float> For(int length)
    {
        if (buffer is null || buffer.Length - start < length)
        {
            buffer = CacheAligned.Allocate<float>(length, out start);
        }

        return buffer.AsSpan(start, length);
    }
}
