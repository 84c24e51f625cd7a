using System;

namespace RnnGen.Generator.Model;

/// <summary>A tensor's entry in a weights header: name, dtype as spelled in the file, and shape.</summary>
internal sealed record HeaderTensor(string Name, string DType, EquatableArray<long> Shape) : IEquatable<HeaderTensor>;
