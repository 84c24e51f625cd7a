using System;

namespace RnnGen.Generator.Model;

/// <summary>A containing type as the emitter must reopen it: <c>partial {Keyword} {NameWithTypeParameters}</c>.</summary>
internal sealed record ContainingType(string Keyword, string NameWithTypeParameters, string MetadataName) : IEquatable<ContainingType>;
