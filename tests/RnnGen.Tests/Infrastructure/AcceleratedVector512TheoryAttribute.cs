using System.Runtime.Intrinsics;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// A theory about the packed Vector512 bodies a frozen snapshot takes wherever Vector512 is accelerated (no opt-in needed):
/// skipped, never passed, where it is not (the bodies would run on the software fallback, without FMA).
/// </summary>
public sealed class AcceleratedVector512TheoryAttribute : TheoryAttribute
{
    public AcceleratedVector512TheoryAttribute()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            Skip = "Vector512 is not accelerated in this process (no AVX-512, DOTNET_EnableAVX512=0 or DOTNET_PreferredVectorBitWidth < 512)";
        }
    }
}
