using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// Turns one [Lstm]/[Gru]-annotated class (with its options, and a [Dense] head on the same class) into a
/// <see cref="ModelSpec"/>, or the diagnostics that explain why it cannot be one.
/// </summary>
internal static class ModelParser
{
    public const string LstmAttributeName = "RnnGen.LstmAttribute";
    public const string GruAttributeName = "RnnGen.GruAttribute";

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

        // One type, one recurrent module: the [Gru] pass reports the conflict, the [Lstm] pass stays silent.
        if (Declarations.HasAttribute(type, kind == CellKind.Lstm ? GruAttributeName : LstmAttributeName))
        {
            if (kind == CellKind.Gru)
            {
                Report(DiagnosticDescriptors.BothCellAttributes, Declarations.AttributeLocation(attribute) ?? identifier, type.Name);
            }

            return Result(null, diagnostics);
        }

        Declarations.CheckDeclaration(type, declaration, attributeName, identifier, GeneratedMembers.Names, Report);

        (int input, int hidden, bool inputGiven)? sizes = ReadSizes(attribute);
        if (sizes is null)
        {
            // The attribute does not bind (a compiler error is already reported): nothing to add.
            return Result(null, diagnostics);
        }

        (int input, int hidden, bool inputGiven) = sizes.Value;
        // [Lstm(hidden: 0)] copies hidden into input: report the one argument the user wrote, once.
        if (inputGiven)
        {
            CheckSize(attribute, attributeName, input, "input");
        }

        bool hiddenValid = CheckSize(attribute, attributeName, hidden, "hidden");

        // The module's options (PyTorch's num_layers, bidirectional, proj_size, bias, dropout) and its name.
        int layers = Named<int>(attribute, "Layers") ?? 1;
        bool bidirectional = Named<bool>(attribute, "Bidirectional") ?? false;
        int projection = Named<int>(attribute, "ProjectionSize") ?? 0;
        bool bias = Named<bool>(attribute, "Bias") ?? true;
        double dropout = Named<double>(attribute, "Dropout") ?? 0;
        string? name = NamedString(attribute, "Name");
        int directions = bidirectional ? 2 : 1;
        if (projection != 0 && hiddenValid && (projection < 1 || projection >= hidden))
        {
            Report(DiagnosticDescriptors.ProjectionOutOfRange, Declarations.NamedArgumentLocation(attribute, "ProjectionSize") ?? identifier,
                type.Name, N(projection), N(hidden - 1));
        }

        int recurrent = projection > 0 && projection < hidden ? projection : hidden;
        int layerState = recurrent + (kind == CellKind.Lstm ? hidden : 0);
        Location layersLocation = Declarations.NamedArgumentLocation(attribute, "Layers") ?? identifier;
        if (layers < 1 || layers > DiagnosticDescriptors.MaxLayers)
        {
            Report(DiagnosticDescriptors.LayersOutOfRange, layersLocation, type.Name, attributeName, N(layers),
                $"it must be between 1 and {N(DiagnosticDescriptors.MaxLayers)}");
        }
        else if (hiddenValid && !bidirectional && StreamingStack(kind, layers, hidden, recurrent, projection) > DiagnosticDescriptors.MaxStreamingState)
        {
            Report(DiagnosticDescriptors.LayersOutOfRange, layersLocation, type.Name, attributeName, N(layers),
                $"a streaming step keeps every layer's state and one step's scratch on the stack, {N((int)StreamingStack(kind, layers, hidden, recurrent, projection))} floats, more than 256 KB; use fewer layers or smaller ones");
        }

        if (!(dropout >= 0 && dropout < 1))
        {
            Report(DiagnosticDescriptors.DropoutOutOfRange, Declarations.NamedArgumentLocation(attribute, "Dropout") ?? identifier,
                type.Name, attributeName, dropout.ToString("R", CultureInfo.InvariantCulture));
        }
        else if (dropout > 0 && layers == 1)
        {
            Report(DiagnosticDescriptors.DropoutWithoutLayers, Declarations.NamedArgumentLocation(attribute, "Dropout") ?? identifier,
                type.Name, attributeName, dropout.ToString("R", CultureInfo.InvariantCulture));
        }

        // A [Dense] on the same class is the model's head, applied to the top layer's output at every step.
        int headOutputs = 0;
        string headName = "";
        AttributeData? dense = type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DenseParser.DenseAttributeName);
        if (dense is not null)
        {
            ImmutableArray<TypedConstant> args = dense.ConstructorArguments;
            if (args.Length != 2 || args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is not int))
            {
                return Result(null, diagnostics);
            }

            int headInput = (int)args[0].Value!, output = (int)args[1].Value!;
            bool headInputValid = CheckSize(dense, "Dense", headInput, "input");
            if (CheckSize(dense, "Dense", output, "output"))
            {
                headOutputs = output;
            }

            int layerOutput = directions * recurrent;
            if (headInputValid && hiddenValid && headInput != layerOutput)
            {
                string why = directions == 2 ? $"both directions' {N(recurrent)}" : projection > 0 ? $"the projection size" : "its hidden size";
                Report(DiagnosticDescriptors.HeadInputMismatch, Declarations.ArgumentLocation(dense, "input") ?? identifier,
                    type.Name, N(headInput), attributeName, N(layerOutput), why);
            }

            headName = NamedString(dense, "Name") ?? "head";
            CheckName(dense, "Dense", headName);
        }

        string rnnName = name ?? (dense is not null ? "rnn" : "");
        CheckName(attribute, attributeName, rnnName);
        Declarations.CheckReservedMembers(type, GeneratedMembers.Names, attributeName, Report, cancellationToken);

        EmbeddedWeights? weights = ReadWeights(attribute, (location, problem) =>
            Report(DiagnosticDescriptors.InvalidWeightsSetting, location ?? Declarations.AttributeLocation(attribute) ?? identifier, type.Name, attributeName, problem));
        if (weights is { Layer: > 0 } && layers > 1)
        {
            Report(DiagnosticDescriptors.InvalidWeightsSetting, Declarations.NamedArgumentLocation(attribute, "WeightsLayer") ?? identifier, type.Name, attributeName,
                $"WeightsLayer picks one layer of a stacked file for a single-layer class; this one has Layers = {N(layers)} and reads them all");
        }

        if (diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
        {
            return Result(null, diagnostics);
        }

        var shape = new ModelShapeSpec(kind, input, hidden, layers, bidirectional, projection, bias, headOutputs, dropout, rnnName, headName);
        var spec = new ModelSpec(shape, Declarations.Hierarchy(type, declaration), weights);
        WeightsReference? reference = weights is null ? null : new WeightsReference(type.Name, shape, weights,
            LocationInfo.From(Declarations.NamedArgumentLocation(attribute, "Weights") ?? Declarations.AttributeLocation(attribute) ?? identifier));
        return new ParseResult(spec, diagnostics.ToEquatableArray(), reference);

        bool CheckSize(AttributeData owner, string ownerName, int value, string parameter)
        {
            if (value >= 1 && value <= DiagnosticDescriptors.MaxSize)
            {
                return true;
            }

            Report(DiagnosticDescriptors.SizeOutOfRange, Declarations.ArgumentLocation(owner, parameter) ?? identifier,
                type.Name, ownerName, parameter, N(value),
                ownerName == "Dense" ? "the sizes RnnGen generates fixed-size code for" : "larger cells would need more than 64 KB of stack scratch per step");
            return false;
        }

        void CheckName(AttributeData owner, string ownerName, string value)
        {
            string? problem = value.Length > 0 && (value[0] == '.' || value[value.Length - 1] == '.') ? "RnnGen adds the '.' between a module's name and its tensors', so the name neither starts nor ends with one"
                : value.Any(char.IsWhiteSpace) ? "a state_dict name has no white space"
                : null;
            if (problem is not null)
            {
                Report(DiagnosticDescriptors.InvalidModuleName, Declarations.NamedArgumentLocation(owner, "Name") ?? identifier, type.Name, ownerName, value, problem);
            }
        }
    }

    /// <summary>
    /// The floats a streaming step of one stream keeps on the stack (RnnGen.Generated.ModelRunner's Stream): every
    /// layer's state, one more for the kernel's copy of the previous state, one step's activations, the head's input row.
    /// </summary>
    private static long StreamingStack(CellKind kind, int layers, int hidden, int recurrent, int projection)
    {
        long layerState = recurrent + (kind == CellKind.Lstm ? hidden : 0);
        long activations = kind == CellKind.Lstm ? (projection > 0 ? 6 : 5) * (long)hidden : 4L * hidden;
        return (layers + 1) * layerState + activations + recurrent;
    }

    /// <summary>A named property's value, if the attribute sets it and it binds.</summary>
    private static T? Named<T>(AttributeData attribute, string property)
        where T : struct =>
        NamedValue(attribute, property) is T value ? value : null;

    /// <summary>A named string property's value, if the attribute sets it (to a string) and it binds.</summary>
    private static string? NamedString(AttributeData attribute, string property) => NamedValue(attribute, property) as string;

    private static object? NamedValue(AttributeData attribute, string property)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == property && argument.Value.Kind != TypedConstantKind.Error)
            {
                return argument.Value.Value;
            }
        }

        return null;
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
                report(Declarations.NamedArgumentLocation(attribute, prefix is not null ? "WeightsPrefix" : "WeightsLayer"),
                    "WeightsPrefix and WeightsLayer apply only with Weights = \"<file>.safetensors\"");
            }

            return null;
        }

        // The manifest resource is named after the file alone, so a directory part is dropped.
        string fileName = file.Substring(file.LastIndexOfAny(['/', '\\']) + 1);
        bool valid = true;
        if (fileName.Trim().Length == 0)
        {
            report(Declarations.NamedArgumentLocation(attribute, "Weights"), "Weights must name a file, e.g. Weights = \"model.safetensors\"");
            valid = false;
        }

        if (layer < 0)
        {
            report(Declarations.NamedArgumentLocation(attribute, "WeightsLayer"),
                $"WeightsLayer = {N(layer.Value)} is negative; layers count from 0");
            valid = false;
        }

        return valid ? new EmbeddedWeights(fileName, prefix ?? "", layer ?? 0) : null;
    }

    private static ParseResult Result(ModelSpec? spec, List<DiagnosticInfo> diagnostics) =>
        new(spec, diagnostics.ToEquatableArray());

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

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
