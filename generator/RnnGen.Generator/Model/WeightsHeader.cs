using System;

namespace RnnGen.Generator.Model;

/// <summary>
/// A weights file as the build sees it (from the sidecar RnnGen's MSBuild targets write for each
/// <c>RnnGenWeights</c> item): its file name, and either its tensors or why it is not a valid safetensors file.
/// </summary>
internal sealed record WeightsHeader(string FileName, string? Error, EquatableArray<HeaderTensor> Tensors) : IEquatable<WeightsHeader>;
