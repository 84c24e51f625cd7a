using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>A theory about the Vector512 path: skipped where Vector512 is not accelerated (see <see cref="Vector512FactAttribute"/>).</summary>
public sealed class Vector512TheoryAttribute : TheoryAttribute
{
    public Vector512TheoryAttribute()
    {
        if (!RnnGen.Simd.SimdSupport.Vector512Kernels)
        {
            Skip = Vector512Skip.Reason;
        }
    }
}
