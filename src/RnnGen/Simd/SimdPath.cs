namespace RnnGen.Simd;

/// <summary>The instruction paths generated code dispatches between, narrowest first.</summary>
public enum SimdPath
{
    /// <summary>Plain scalar code: no vector hardware acceleration.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE/NEON), fused multiply-add where the hardware has it.</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2), fused multiply-add where the hardware has it.</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512), fused multiply-add; kernels take it when their hidden units fill a vector of 16.</summary>
    Vector512,
}
