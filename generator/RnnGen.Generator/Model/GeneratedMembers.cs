using System.Collections.Immutable;

namespace RnnGen.Generator.Model;

/// <summary>The member names a generated cell declares: the emitter writes them, the parser reserves them.</summary>
internal static class GeneratedMembers
{
    public const string Parameters = "_parameters";
    public const string Kernels = "Kernels";

    public static readonly ImmutableHashSet<string> Names = ImmutableHashSet.Create(
        "Kind", "InputSize", "HiddenSize", "StateSize", "ParameterCount", "ActivePath",
        "Parameters", "ParameterMemory", "WeightIh", "WeightHh", "BiasIh", "BiasHh",
        "Step", "Forward", "CreateTape", "Backward", "Freeze", "Frozen",
        Parameters, Kernels,
        // Weight files (Emitting/CellEmitter.Weights.cs); FromEmbeddedWeights is reserved even when no weights are named.
        "LoadWeights", "SaveWeights", "FromEmbeddedWeights");

    /// <summary>The member names a generated dense layer declares (constructors () and (Random) are reserved too).</summary>
    public static readonly ImmutableHashSet<string> DenseNames = ImmutableHashSet.Create(
        "InputSize", "OutputSize", "ParameterCount", "ActivePath",
        "Parameters", "ParameterMemory", "Weight", "Bias",
        "Forward", "Backward",
        Parameters, Kernels,
        "LoadWeights", "SaveWeights");
}
