using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
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
        var target = new AnnotatedClass(context);

        // On a class with [Lstm] or [Gru] the layer is that model's head: the model's parser reads and checks it.
        if (Declarations.HasAttribute(target.Type, ModelParser.LstmAttributeName) || Declarations.HasAttribute(target.Type, ModelParser.GruAttributeName))
        {
            return Result(null, target.Diagnostics);
        }

        Declarations.CheckDeclaration(target.Type, target.Declaration, AttributeName, target.Identifier, GeneratedMembers.DenseNames, target.Report);

        ImmutableArray<TypedConstant> args = target.Attribute.ConstructorArguments;
        if (args.Length != 2 || args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is not int))
        {
            // The attribute does not bind (a compiler error is already reported): nothing to add.
            return Result(null, target.Diagnostics);
        }

        int input = (int)args[0].Value!, output = (int)args[1].Value!;
        target.CheckSize(target.Attribute, AttributeName, input, "input");
        target.CheckSize(target.Attribute, AttributeName, output, "output");
        Declarations.CheckReservedMembers(target.Type, GeneratedMembers.DenseNames, AttributeName, target.Report, cancellationToken);

        string name = target.Attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value as string ?? "";
        if (name.Length > 0 && (name[0] == '.' || name[name.Length - 1] == '.' || name.Any(char.IsWhiteSpace)))
        {
            target.Report(DiagnosticDescriptors.InvalidModuleName, Declarations.NamedArgumentLocation(target.Attribute, "Name") ?? target.Identifier, target.Type.Name, AttributeName, name,
                name.Any(char.IsWhiteSpace) ? "a state_dict name has no white space" : "RnnGen adds the '.' between a module's name and its tensors', so the name neither starts nor ends with one");
        }

        return target.Diagnostics.Count > 0
            ? Result(null, target.Diagnostics)
            : Result(new DenseSpec(input, output, Declarations.Hierarchy(target.Type, target.Declaration), name), target.Diagnostics);
    }

    private static DenseParseResult Result(DenseSpec? spec, List<DiagnosticInfo> diagnostics) =>
        new(spec, diagnostics.ToEquatableArray());
}
