using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>What every annotated class must be, and the attribute and syntax lookups the parsers share.</summary>
internal static class Declarations
{
    /// <summary>Reports one diagnostic: descriptor, location, message arguments.</summary>
    internal delegate void Reporter(DiagnosticDescriptor descriptor, Location? location, params string[] arguments);

    /// <summary>The cheap syntactic filter: classes and records (records are then rejected with a diagnostic).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) =>
        node is ClassDeclarationSyntax or RecordDeclarationSyntax;

    /// <summary>
    /// The rules every generated class follows, shared by the cell and dense parsers: a non-static, non-record,
    /// non-generic class without a primary constructor, not named like a member it gets (<paramref name="reserved"/>),
    /// declared partial, in containing types that are all partial.
    /// </summary>
    internal static void CheckDeclaration(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, string attributeName, Location identifier, ImmutableHashSet<string> reserved, Reporter report)
    {
        if (type.IsStatic || type.IsRecord || type.TypeKind != TypeKind.Class)
        {
            string what = type.IsRecord ? "record" : type.IsStatic ? "static class" : type.TypeKind.ToString().ToLowerInvariant();
            report(DiagnosticDescriptors.NotAnInstanceClass, identifier, type.Name, attributeName, what);
        }

        // Arity, not IsGenericType: the latter is also true for a plain class nested in a generic one, which the
        // emitter supports (it reopens Outer<T> with its type parameters).
        if (type.Arity > 0)
        {
            report(DiagnosticDescriptors.GenericType, identifier, type.Name, attributeName);
        }

        if (declaration is ClassDeclarationSyntax { ParameterList: { } primaryConstructor })
        {
            report(DiagnosticDescriptors.PrimaryConstructor, primaryConstructor.GetLocation(), type.Name, attributeName);
        }

        if (reserved.Contains(type.Name))
        {
            report(DiagnosticDescriptors.TypeNameReserved, identifier, type.Name, attributeName);
        }

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            report(DiagnosticDescriptors.TypeNotPartial, identifier, type.Name, attributeName);
        }

        for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax container; parent = parent.Parent)
        {
            if (!container.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                report(DiagnosticDescriptors.ContainingTypeNotPartial, identifier, type.Name, attributeName, container.Identifier.ValueText);
            }
        }
    }

    /// <summary>Reports every user member that takes a name in <paramref name="reserved"/>, or a constructor () or (Random).</summary>
    internal static void CheckReservedMembers(
        INamedTypeSymbol type, ImmutableHashSet<string> reserved, string attributeName, Reporter report, CancellationToken cancellationToken)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!member.IsImplicitlyDeclared && IsReserved(member, reserved))
            {
                report(DiagnosticDescriptors.MemberCollision, member.Locations.FirstOrDefault(), type.Name, DisplayName(member), attributeName);
            }
        }
    }

    /// <summary>The <c>Name = value</c> argument of a named property, if the attribute sets it.</summary>
    internal static Location? NamedArgumentLocation(AttributeData attribute, string property) =>
        attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax { ArgumentList: { } list }
            ? list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property)?.GetLocation()
            : null;

    internal static bool HasAttribute(INamedTypeSymbol type, string metadataName) =>
        type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

    /// <summary>Reserved: any generated name, and a user constructor with the generated signatures () or (Random).</summary>
    private static bool IsReserved(ISymbol member, ImmutableHashSet<string> reserved) => member switch
    {
        IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } ctor =>
            ctor.Parameters.Length == 0
            || (ctor.Parameters.Length == 1 && ctor.Parameters[0].Type.ToDisplayString() is "System.Random" or "System.Random?"),
        _ => reserved.Contains(member.Name),
    };

    private static string DisplayName(ISymbol member) =>
        member is IMethodSymbol { MethodKind: MethodKind.Constructor } ctor
            ? $"{ctor.ContainingType.Name}({string.Join(", ", ctor.Parameters.Select(p => p.Type.ToDisplayString()))})"
            : member.Name;

    internal static Location? AttributeLocation(AttributeData attribute) =>
        attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    /// <summary>The argument that sets <paramref name="parameter"/>, by name or by position.</summary>
    internal static Location? ArgumentLocation(AttributeData attribute, string parameter)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax() is not AttributeSyntax { ArgumentList: { } list } syntax)
        {
            return null;
        }

        ImmutableArray<IParameterSymbol> parameters = attribute.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        for (int i = 0; i < list.Arguments.Count; i++)
        {
            AttributeArgumentSyntax argument = list.Arguments[i];
            string? name = argument.NameColon?.Name.Identifier.ValueText ?? (i < parameters.Length ? parameters[i].Name : null);
            if (name == parameter)
            {
                return argument.GetLocation();
            }
        }

        return syntax.GetLocation();
    }

    internal static TypeHierarchy Hierarchy(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
    {
        var containing = new List<ContainingType>();
        SyntaxNode? node = declaration.Parent;
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType, node = node?.Parent)
        {
            var syntax = node as TypeDeclarationSyntax;
            string keyword = syntax switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };
            string typeParameters = outer.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", outer.TypeParameters.Select(p => Escape(p.Name))) + ">";
            containing.Insert(0, new ContainingType(keyword, Escape(outer.Name) + typeParameters, outer.MetadataName));
        }

        // ToDisplayString already escapes keyword segments (namespace @event → "@event").
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new TypeHierarchy(ns, containing.ToEquatableArray(), Escape(type.Name));
    }

    /// <summary>A name as C# source must spell it: symbol names drop the @ of <c>class @event</c>, emitted code needs it back.</summary>
    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;
}
