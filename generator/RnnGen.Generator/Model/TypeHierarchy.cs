using System;

namespace RnnGen.Generator.Model;

/// <summary>A containing type as the emitter must reopen it: <c>partial {Keyword} {NameWithTypeParameters}</c>.</summary>
internal sealed record ContainingType(string Keyword, string NameWithTypeParameters, string MetadataName) : IEquatable<ContainingType>;

/// <summary>Where the annotated class lives: its namespace (null for the global one), outermost containing type first, and its name.</summary>
internal sealed record TypeHierarchy(string? Namespace, EquatableArray<ContainingType> ContainingTypes, string Name)
{
    public string QualifiedMetadataName
    {
        get
        {
            string prefix = Namespace is null ? "" : Namespace + ".";
            foreach (ContainingType type in ContainingTypes)
            {
                prefix += type.MetadataName.Replace('`', '_') + ".";
            }

            return prefix + Name;
        }
    }
}
