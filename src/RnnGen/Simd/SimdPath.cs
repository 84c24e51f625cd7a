namespace RnnGen.Simd;

/// <summary>The instruction paths generated code dispatches between, widest first.</summary>
public enum SimdPath
{
    /// <summary>Plain scalar code: no vector hardware acceleration.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE/NEON), fused multiply-add where the hardware has it.</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2), fused multiply-add where the hardware has it.</summary>
    Vector256,
}
