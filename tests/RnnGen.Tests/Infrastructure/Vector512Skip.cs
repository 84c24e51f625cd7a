namespace RnnGen.Tests.Infrastructure;

/// <summary>Why a Vector512 test did not run.</summary>
internal static class Vector512Skip
{
    public const string Reason = "Small generated classes do not take Vector512 in this process (not opted in with RNNGEN_VECTOR512=1, or no AVX-512, DOTNET_EnableAVX512=0, DOTNET_PreferredVectorBitWidth < 512)";
}
