using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// A fact about the Vector512 path: reported as skipped, not passed, in a process where Vector512 is not accelerated
/// (a CPU without AVX-512, or CI's runs that turn it off), so a green run never claims a path it did not take.
/// </summary>
public sealed class Vector512FactAttribute : FactAttribute
{
    public Vector512FactAttribute()
    {
        if (!RnnGen.Simd.SimdSupport.Vector512Kernels)
        {
            Skip = Vector512Skip.Reason;
        }
    }
}
