namespace RnnGen.Tests.Infrastructure;

/// <summary>Why a Vector512 test did not run.</summary>
internal static class Vector512Skip
{
    public const string Reason = "Vector512 is not hardware accelerated in this process (no AVX-512, DOTNET_EnableAVX512=0 or DOTNET_PreferredVectorBitWidth < 512)";
}
