namespace RnnGen.Generator.Emitting;

/// <summary>
/// The runtime plumbing the generated code calls (types users never name themselves), spelled in one place so that
/// moving them in the runtime library is one edit here.
/// </summary>
internal static class RuntimeTypes
{
    /// <summary>The base of every generated kernel class: the per-width load/store/math helpers and the packing.</summary>
    public const string KernelBase = "global::RnnGen.Generated.KernelBase";

    /// <summary>The argument checks of the generated public methods.</summary>
    public const string Guard = "global::RnnGen.Generated.Guard";

    /// <summary>PyTorch's default initialisations.</summary>
    public const string Initialization = "global::RnnGen.Initialization";

    /// <summary>Loading weights: a file compiled into the model's assembly, and a model's tensors from a file.</summary>
    public const string WeightFile = "global::RnnGen.IO.WeightFile";
    public const string ModelWeights = "global::RnnGen.IO.ModelWeights";

    /// <summary>The shared model driver and the contracts its type arguments implement.</summary>
    public const string ModelRunner = "global::RnnGen.Generated.ModelRunner";
    public const string ILayerKernels = "global::RnnGen.Generated.ILayerKernels";
    public const string IHeadKernels = "global::RnnGen.Generated.IHeadKernels";
    public const string IModelKernels = "global::RnnGen.Generated.IModelKernels";
    public const string NoHead = "global::RnnGen.Generated.NoHead";
}
