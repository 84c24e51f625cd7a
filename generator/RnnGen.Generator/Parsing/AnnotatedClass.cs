using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// The class a parser reads (its symbol, declaration and the attribute being parsed) and the diagnostics reported
/// about it so far: what <see cref="ModelParser"/> and <see cref="DenseParser"/> both start from.
/// </summary>
internal sealed class AnnotatedClass
{
    public AnnotatedClass(GeneratorAttributeSyntaxContext context)
    {
        Type = (INamedTypeSymbol)context.TargetSymbol;
        Declaration = (TypeDeclarationSyntax)context.TargetNode;
        Attribute = context.Attributes[0];
        Identifier = Declaration.Identifier.GetLocation();
    }

    public INamedTypeSymbol Type { get; }

    public TypeDeclarationSyntax Declaration { get; }

    public AttributeData Attribute { get; }

    /// <summary>The class's name in its declaration: where a diagnostic points when no argument is more precise.</summary>
    public Location Identifier { get; }

    public List<DiagnosticInfo> Diagnostics { get; } = [];

    /// <inheritdoc cref="Declarations.Reporter"/>
    public void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        Diagnostics.Add(new DiagnosticInfo(descriptor, LocationInfo.From(location), arguments.ToEquatableArray()));

    /// <summary>Reports a size argument outside 1 to <see cref="DiagnosticDescriptors.MaxSize"/>; true when it is inside.</summary>
    public bool CheckSize(AttributeData owner, string ownerName, int value, string parameter)
    {
        if (value >= 1 && value <= DiagnosticDescriptors.MaxSize)
        {
            return true;
        }

        Report(DiagnosticDescriptors.SizeOutOfRange, Declarations.ArgumentLocation(owner, parameter) ?? Identifier,
            Type.Name, ownerName, parameter, value.ToString(CultureInfo.InvariantCulture),
            ownerName == "Dense" ? "the sizes RnnGen generates fixed-size code for" : "larger cells would need more than 64 KB of stack scratch per step");
        return false;
    }
}
