namespace RnnGen.Generator.Model;

/// <summary>
/// Where the annotated class lives: its namespace (null for the global one), outermost containing type first, and its
/// name. Namespace and names are spelled as in C# source, keywords escaped (<c>@event</c>), because they are emitted.
/// </summary>
internal sealed record TypeHierarchy(string? Namespace, EquatableArray<ContainingType> ContainingTypes, string Name)
{
    /// <summary>
    /// Namespace, containing types and name, without the @ of escaped keywords (AddSource rejects '@'). Arity is
    /// written -n (Outer`1 → Outer-1): '-' cannot occur in an identifier, so it never meets a type named Outer_1.
    /// </summary>
    public string QualifiedMetadataName
    {
        get
        {
            string prefix = Namespace is null ? "" : Namespace + ".";
            foreach (ContainingType type in ContainingTypes)
            {
                prefix += type.MetadataName.Replace('`', '-') + ".";
            }

            return (prefix + Name).Replace("@", "");
        }
    }
}
