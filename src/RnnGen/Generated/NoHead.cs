using System.ComponentModel;

namespace RnnGen.Generated;

/// <summary>The head of a model that has none.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct NoHead : IHeadKernels
{
    static int IHeadKernels.InputSize => 0;

    static int IHeadKernels.OutputSize => 0;

    static int IHeadKernels.ParameterCount => 0;

    static void IHeadKernels.Forward(ref float w, ref float x, ref float y, int rows)
    {
    }

    static void IHeadKernels.Backward(ref float w, ref float x, ref float dy, ref float dx, ref float dp, int rows, bool computeDx)
    {
    }
}
