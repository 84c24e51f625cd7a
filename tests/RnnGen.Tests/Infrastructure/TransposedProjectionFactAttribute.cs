using RnnGen.Simd;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// A fact about the live sequences' transposed input projection (x86 with Vector256 accelerated): skipped, never passed,
/// where the projection takes its row dot products instead (DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0, Arm64).
/// </summary>
public sealed class TransposedProjectionFactAttribute : FactAttribute
{
    public TransposedProjectionFactAttribute()
    {
        // Any shape it takes (8 rows, one column) answers for the host.
        if (!InputProjection.Transposes(8, 1))
        {
            Skip = "the transposed input projection does not run in this process (no Vector256 on x86)";
        }
    }
}
