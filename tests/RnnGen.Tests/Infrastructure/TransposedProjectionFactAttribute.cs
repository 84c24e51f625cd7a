using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        if (!(Vector256.IsHardwareAccelerated && Avx.IsSupported))
        {
            Skip = "the transposed input projection does not run in this process (no Vector256 on x86)";
        }
    }
}
