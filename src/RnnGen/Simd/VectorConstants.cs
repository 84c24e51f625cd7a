using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnGen.Simd;

/// <summary>
/// The activations' constants as full vectors in aligned memory, for x86 code with 16 vector registers.
/// </summary>
/// <remarks>
/// The JIT keeps a vector constant (<c>Vector256.Create(c)</c>) in a register once it has seen it twice, and hoists it
/// out of loops. A gate epilogue uses some twenty of them next to the accumulators, so on AVX2 (16 registers) it spilled
/// its temporaries to the stack and reloaded them on the critical path: the frozen LSTM (8,32) step took 500 ns on a
/// Zen 3 where the same arithmetic with its constants read from memory takes about 350 ns. A constant read through a pointer
/// becomes an operand of the instruction that uses it (<c>vfmadd213ps ymm, ymm, [mem]</c>) and is never kept, so nothing
/// spills. With AVX-512 (32 registers, EVEX broadcast operands) and on Arm (32 registers, no memory operands) the
/// constants stay inline.
/// </remarks>
internal static unsafe class VectorConstants
{
    /// <summary>
    /// Whether the activations read their constants from <see cref="Block"/>: x86 without AVX-512, when the JIT compiles
    /// the kernels (a JIT-time constant; callers write it out to save the JIT's inlining budget). Compiled ahead of time,
    /// every read of <see cref="Block"/> would check that this class is initialised, and that check's call (on a path
    /// never taken) made the JIT keep the accumulators on the stack; so native AOT code keeps the constants inline.
    /// </summary>
    public static bool InMemory
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => X86Base.IsSupported && !Avx512F.VL.IsSupported && Jit.Compiles;
    }

    /// <summary>
    /// Runs the initialisers when RnnGen is first used, so that a kernel compiled later reads <see cref="Block"/> and
    /// <see cref="Jit.Compiles"/> without checking for them (see <see cref="InMemory"/>).
    /// </summary>
#pragma warning disable CA2255 // The initialiser only allocates and fills the constants block: no ordering or side effects to worry about.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        RuntimeHelpers.RunClassConstructor(typeof(Jit).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(VectorConstants).TypeHandle);
    }

    /// <summary>
    /// RuntimeFeature.IsDynamicCodeCompiled as a field: a constant to the JIT once initialised, and one that costs no
    /// inlining budget (kernels with forty activations ran out of it with the property). Its own class, so that native
    /// AOT pre-initialises it to false and no read of it checks an initialiser.
    /// </summary>
    public static class Jit
    {
        public static readonly bool Compiles = RuntimeFeature.IsDynamicCodeCompiled;
    }

    /// <summary>KernelBase.FlushThreshold: states and recurrent gradients below it in magnitude are stored as zero.</summary>
    public const float FlushBelow = 1e-30f;

    /// <summary>Where each constant's 8 copies start in the block, in floats (a Vector128 reads the first 4).</summary>
    public static class Slot
    {
        public const int NegativeOne = 0, NegativeTwo = 8, NegativeLog2E = 16, NegativeTwoLog2E = 24, RoundingMagic = 32, ExponentBias = 40,
            NegativeLn2Hi = 48, NegativeLn2Lo = 56, C2 = 64, C3 = 72, C4 = 80, C5 = 88, C6 = 96, C7 = 104, One = 112, Two = 120,
            SignBit = 128, MagnitudeBits = 136, NegativeSigmoidClamp = 144, SigmoidClamp = 152, TanhClamp = 160, FlushThreshold = 168;
    }

    private const int Length = 176;

    /// <summary>
    /// The block, 64-byte aligned, alive as long as the process. Read it with Vector256.LoadAligned/Vector128.LoadAligned:
    /// the JIT folds those into the instruction that uses them and does not keep them in registers, as it would a plain
    /// dereference. Not readonly on purpose: as a variable the JIT loads it into one register and addresses every constant
    /// at a displacement from it; as a readonly field it embeds each constant's 64-bit address (the (8,32) LSTM kernel: 4,261
    /// bytes instead of 3,351).
    /// </summary>
#pragma warning disable CA2211 // Non-constant fields should not be visible: internal, and written only here (see above).
    public static float* Block = Create();
#pragma warning restore CA2211

    private static float* Create()
    {
        if (!RuntimeFeature.IsDynamicCodeCompiled)
        {
            return null;   // never read: InMemory is false
        }

        var block = (float*)NativeMemory.AlignedAlloc(Length * sizeof(float), 64);
        void Set(int at, float value) => new Span<float>(block + at, 8).Fill(value);
        Set(Slot.NegativeOne, -1f);
        Set(Slot.NegativeTwo, -2f);
        Set(Slot.NegativeLog2E, -Activations.Log2E);
        Set(Slot.NegativeTwoLog2E, -2f * Activations.Log2E);
        Set(Slot.RoundingMagic, Activations.RoundingMagic);
        Set(Slot.ExponentBias, BitConverter.Int32BitsToSingle(Activations.ExponentBias));
        Set(Slot.NegativeLn2Hi, -Activations.Ln2Hi);
        Set(Slot.NegativeLn2Lo, -Activations.Ln2Lo);
        Set(Slot.C2, Activations.C2);
        Set(Slot.C3, Activations.C3);
        Set(Slot.C4, Activations.C4);
        Set(Slot.C5, Activations.C5);
        Set(Slot.C6, Activations.C6);
        Set(Slot.C7, Activations.C7);
        Set(Slot.One, 1f);
        Set(Slot.Two, 2f);
        Set(Slot.SignBit, -0f);
        Set(Slot.MagnitudeBits, BitConverter.Int32BitsToSingle(int.MaxValue));
        Set(Slot.NegativeSigmoidClamp, -Activations.SigmoidClamp);
        Set(Slot.SigmoidClamp, Activations.SigmoidClamp);
        Set(Slot.TanhClamp, Activations.TanhClamp);
        Set(Slot.FlushThreshold, FlushBelow);
        return block;
    }

    /// <summary>|x| &lt; FlushBelow, per lane (KernelBase.FlushTiny).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> IsTiny(Vector256<float> x) =>
        X86Base.IsSupported && !Avx512F.VL.IsSupported && Jit.Compiles   // InMemory, written out as in Activations
            ? Vector256.LessThan(x & Vector256.LoadAligned(Block + Slot.MagnitudeBits), Vector256.LoadAligned(Block + Slot.FlushThreshold))
            : Vector256.LessThan(Vector256.Abs(x), Vector256.Create(FlushBelow));

    /// <inheritdoc cref="IsTiny(Vector256{float})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> IsTiny(Vector128<float> x) =>
        X86Base.IsSupported && !Avx512F.VL.IsSupported && Jit.Compiles   // InMemory, written out as in Activations
            ? Vector128.LessThan(x & Vector128.LoadAligned(Block + Slot.MagnitudeBits), Vector128.LoadAligned(Block + Slot.FlushThreshold))
            : Vector128.LessThan(Vector128.Abs(x), Vector128.Create(FlushBelow));
}
