using System.Collections.Immutable;

namespace RnnGen.Generator.Model;

/// <summary>
/// The member names a generated class declares: the emitter writes them, the parser reserves them. A model reserves
/// every name any model declares, whatever its options, so adding an option to an attribute never breaks a class.
/// </summary>
internal static class GeneratedMembers
{
    public const string Parameters = "_parameters";
    public const string Kernels = "Kernels";

    public static readonly ImmutableHashSet<string> Names = ImmutableHashSet.Create(
        "Kind", "InputSize", "HiddenSize", "StateSize", "ParameterCount", "ActivePath",
        "Layers", "Directions", "ProjectionSize", "OutputSize", "Shape",
        "Parameters", "ParameterMemory", "WeightIh", "WeightHh", "BiasIh", "BiasHh", "Tensor",
        "Step", "Forward", "CreateTape", "CreateWorkspace", "Backward", "Freeze", "Frozen",
        "StepBatch", "ForwardBatch", "BackwardBatch",
        Parameters, Kernels,
        // Weight files (Emitting/ModelEmitter.Weights.cs); FromEmbeddedWeights is reserved even when no weights are named.
        "LoadWeights", "SaveWeights", "FromEmbeddedWeights");

    /// <summary>The member names a generated dense layer declares (constructors () and (Random) are reserved too).</summary>
    public static readonly ImmutableHashSet<string> DenseNames = ImmutableHashSet.Create(
        "InputSize", "OutputSize", "ParameterCount", "ActivePath",
        "Parameters", "ParameterMemory", "Weight", "Bias",
        "Forward", "Backward",
        Parameters, Kernels,
        "LoadWeights", "SaveWeights");
}
