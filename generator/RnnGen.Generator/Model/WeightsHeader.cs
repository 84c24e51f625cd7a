using System;

namespace RnnGen.Generator.Model;

/// <summary>
/// A weights file as the build sees it (from the sidecar RnnGen's MSBuild targets write for each
/// <c>RnnGenWeights</c> item): its file name, and either its tensors or why it is not a valid safetensors file; and the
/// metadata entry that tells a reset-before GRU's tensors from PyTorch's (null when the file has none).
/// </summary>
internal sealed record WeightsHeader(string FileName, string? Error, EquatableArray<HeaderTensor> Tensors, string? GruResetAfter = null) : IEquatable<WeightsHeader>;
