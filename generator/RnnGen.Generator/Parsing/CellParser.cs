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

/// <summary>Turns one [Lstm]/[Gru]-annotated class into a <see cref="CellSpec"/>, or the diagnostics that explain why it cannot be one.</summary>
internal static class CellParser
{
    /// <summary>Reports one diagnostic: descriptor, location, message arguments.</summary>
    internal delegate void Reporter(DiagnosticDescriptor descriptor, Location? location, params string[] arguments);

    public const string LstmAttributeName = "RnnGen.LstmAttribute";
    public const string GruAttributeName = "RnnGen.GruAttribute";

    /// <summary>The cheap syntactic filter: classes and records (records are then rejected with a diagnostic).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) =>
        node is ClassDeclarationSyntax or RecordDeclarationSyntax;

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CellKind kind, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        string attributeName = kind == CellKind.Lstm ? "Lstm" : "Gru";
        Location identifier = declaration.Identifier.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();

        void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
            diagnostics.Add(new DiagnosticInfo(descriptor, LocationInfo.From(location), arguments.ToEquatableArray()));

        // One type, one cell: the [Gru] pass reports the conflict, the [Lstm] pass stays silent.
        if (HasAttribute(type, kind == CellKind.Lstm ? GruAttributeName : LstmAttributeName))
        {
            if (kind == CellKind.Gru)
            {
                Report(DiagnosticDescriptors.BothCellAttributes, AttributeLocation(attribute) ?? identifier, type.Name);
            }

            return Result(null, diagnostics);
        }

        // [Dense] on the same type: the [Dense] pass reports the conflict (RNNG022); no cell code either way.
        if (HasAttribute(type, DenseParser.DenseAttributeName))
        {
            return Result(null, diagnostics);
        }

        CheckDeclaration(type, declaration, attributeName, identifier, GeneratedMembers.Names, Report);

        (int input, int hidden, bool inputGiven)? sizes = ReadSizes(attribute);
        if (sizes is null)
        {
            // The attribute does not bind (a compiler error is already reported): nothing to add.
            return Result(null, diagnostics);
        }

        // [Lstm(hidden: 0)] copies hidden into input: report the one argument the user wrote, once.
        if (sizes.Value.inputGiven)
        {
            CheckRange(sizes.Value.input, "input");
        }

        CheckRange(sizes.Value.hidden, "hidden");

        CheckReservedMembers(type, GeneratedMembers.Names, attributeName, Report, cancellationToken);

        EmbeddedWeights? weights = ReadWeights(attribute, (location, problem) =>
            Report(DiagnosticDescriptors.InvalidWeightsSetting, location ?? AttributeLocation(attribute) ?? identifier, type.Name, attributeName, problem));

        if (diagnostics.Count > 0)
        {
            return Result(null, diagnostics);
        }

        var spec = new CellSpec(kind, sizes.Value.input, sizes.Value.hidden, Hierarchy(type, declaration), weights);
        WeightsReference? reference = weights is null ? null : new WeightsReference(
            type.Name, kind, sizes.Value.input, sizes.Value.hidden, weights,
            LocationInfo.From(NamedArgumentLocation(attribute, "Weights") ?? AttributeLocation(attribute) ?? identifier));
        return new ParseResult(spec, diagnostics.ToEquatableArray(), reference);

        void CheckRange(int value, string parameter)
        {
            if (value < 1 || value > DiagnosticDescriptors.MaxSize)
            {
                Report(DiagnosticDescriptors.SizeOutOfRange, ArgumentLocation(attribute, parameter) ?? identifier,
                    type.Name, attributeName, parameter, value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "larger cells would need more than 64 KB of stack scratch per step");
            }
        }
    }


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

    /// <summary>
    /// The attribute's Weights, WeightsPrefix and WeightsLayer properties, or null when it names no weights. Reports
    /// settings that cannot work: an empty file name, a negative layer, a prefix or layer without a file.
    /// </summary>
    private static EmbeddedWeights? ReadWeights(AttributeData attribute, System.Action<Location?, string> report)
    {
        string? file = null, prefix = null;
        int? layer = null;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Value.Kind == TypedConstantKind.Error)
            {
                continue;
            }

            switch (argument.Key)
            {
                case "Weights":
                    file = argument.Value.Value as string ?? "";
                    break;
                case "WeightsPrefix":
                    prefix = argument.Value.Value as string ?? "";
                    break;
                case "WeightsLayer":
                    layer = argument.Value.Value as int?;
                    break;
            }
        }

        if (file is null)
        {
            if (prefix is not null || layer is not null)
            {
                report(NamedArgumentLocation(attribute, prefix is not null ? "WeightsPrefix" : "WeightsLayer"),
                    "WeightsPrefix and WeightsLayer apply only with Weights = \"<file>.safetensors\"");
            }

            return null;
        }

        // The manifest resource is named after the file alone, so a directory part is dropped.
        string fileName = file.Substring(file.LastIndexOfAny(['/', '\\']) + 1);
        bool valid = true;
        if (fileName.Trim().Length == 0)
        {
            report(NamedArgumentLocation(attribute, "Weights"), "Weights must name a file, e.g. Weights = \"model.safetensors\"");
            valid = false;
        }

        if (layer < 0)
        {
            report(NamedArgumentLocation(attribute, "WeightsLayer"),
                $"WeightsLayer = {layer.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is negative; layers count from 0");
            valid = false;
        }

        return valid ? new EmbeddedWeights(fileName, prefix ?? "", layer ?? 0) : null;
    }

    /// <summary>The <c>Name = value</c> argument of a named property, if the attribute sets it.</summary>
    internal static Location? NamedArgumentLocation(AttributeData attribute, string property) =>
        attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax { ArgumentList: { } list }
            ? list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property)?.GetLocation()
            : null;

    private static ParseResult Result(CellSpec? spec, List<DiagnosticInfo> diagnostics) =>
        new(spec, diagnostics.ToEquatableArray());

    internal static bool HasAttribute(INamedTypeSymbol type, string metadataName) =>
        type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);

    /// <summary>
    /// (input, hidden) from either constructor: (input, hidden) or (hidden), the latter meaning input = hidden;
    /// inputGiven tells which, so a size is checked only where the user wrote it.
    /// </summary>
    private static (int, int, bool)? ReadSizes(AttributeData attribute)
    {
        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        if (args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is not int))
        {
            return null;
        }

        return args.Length switch
        {
            1 => ((int)args[0].Value!, (int)args[0].Value!, false),
            2 => ((int)args[0].Value!, (int)args[1].Value!, true),
            _ => null,
        };
    }

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
