using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// Turns one [Dense]-annotated class into a <see cref="DenseSpec"/>, or the diagnostics that explain why it cannot be
/// one. The declaration rules and their diagnostics are the models' (see <see cref="Declarations.CheckDeclaration"/>); on a class
/// with [Lstm] or [Gru] it is that model's head, which <see cref="ModelParser"/> reads.
/// </summary>
internal static class DenseParser
{
    public const string DenseAttributeName = "RnnGen.DenseAttribute";
    private const string AttributeName = "Dense";

    public static DenseParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        Location identifier = declaration.Identifier.GetLocation();
        var diagnostics = new List<DiagnosticInfo>();

        void Report(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
            diagnostics.Add(new DiagnosticInfo(descriptor, LocationInfo.From(location), arguments.ToEquatableArray()));

        // On a class with [Lstm] or [Gru] the layer is that model's head: the model's parser reads and checks it.
        if (Declarations.HasAttribute(type, ModelParser.LstmAttributeName) || Declarations.HasAttribute(type, ModelParser.GruAttributeName))
        {
            return Result(null, diagnostics);
        }

        Declarations.CheckDeclaration(type, declaration, AttributeName, identifier, GeneratedMembers.DenseNames, Report);

        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        if (args.Length != 2 || args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is not int))
        {
            // The attribute does not bind (a compiler error is already reported): nothing to add.
            return Result(null, diagnostics);
        }

        int input = (int)args[0].Value!, output = (int)args[1].Value!;
        CheckRange(input, "input");
        CheckRange(output, "output");
        Declarations.CheckReservedMembers(type, GeneratedMembers.DenseNames, AttributeName, Report, cancellationToken);

        string name = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string ?? "";
        if (name.Length > 0 && (name[0] == '.' || name[name.Length - 1] == '.' || name.Any(char.IsWhiteSpace)))
        {
            Report(DiagnosticDescriptors.InvalidModuleName, Declarations.NamedArgumentLocation(attribute, "Name") ?? identifier, type.Name, AttributeName, name,
                name.Any(char.IsWhiteSpace) ? "a state_dict name has no white space" : "RnnGen adds the '.' between a module's name and its tensors', so the name neither starts nor ends with one");
        }

        return diagnostics.Count > 0
            ? Result(null, diagnostics)
            : Result(new DenseSpec(input, output, Declarations.Hierarchy(type, declaration), name), diagnostics);

        void CheckRange(int value, string parameter)
        {
            if (value < 1 || value > DiagnosticDescriptors.MaxSize)
            {
                Report(DiagnosticDescriptors.SizeOutOfRange, Declarations.ArgumentLocation(attribute, parameter) ?? identifier,
                    type.Name, AttributeName, parameter, value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "the sizes RnnGen generates fixed-size code for");
            }
        }
    }

    private static DenseParseResult Result(DenseSpec? spec, List<DiagnosticInfo> diagnostics) =>
        new(spec, diagnostics.ToEquatableArray());
}
