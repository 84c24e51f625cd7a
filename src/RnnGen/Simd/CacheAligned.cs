using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Simd;

/// <summary>
/// Pinned arrays used from their first 64-byte boundary: rows whose length is a multiple of a vector then start
/// vector-aligned, so the kernels' loads never straddle two cache lines (a split load costs two). A pinned array never
/// moves, so its start stays right.
/// </summary>
internal static class CacheAligned
{
    private const int LineBytes = 64;

    /// <summary>An array with room for <paramref name="length"/> values from <paramref name="start"/>, a cache-line boundary.</summary>
    public static T[] Allocate<T>(int length, out int start)
    {
        int size = Unsafe.SizeOf<T>();
        int padding = LineBytes / size - 1;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>() || size > LineBytes || length > Array.MaxLength - padding)
        {
            start = 0;   // not a plain value type (or at the size limit): an ordinary array, used from 0
            return new T[length];
        }

        T[] array = GC.AllocateArray<T>(length + padding, pinned: true);
        start = Start(array);
        return array;
    }

    /// <summary>Where the first cache-line boundary of a pinned array from <see cref="Allocate{T}"/> is, in values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int Start<T>(T[] pinned)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((LineBytes - (address & (LineBytes - 1))) & (LineBytes - 1)) / Unsafe.SizeOf<T>();
    }
}
