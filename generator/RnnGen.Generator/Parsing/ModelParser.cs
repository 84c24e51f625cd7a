using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
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
        var target = new AnnotatedClass(context);
        string attributeName = kind == CellKind.Lstm ? "Lstm" : "Gru";

        // One type, one recurrent module: the [Gru] pass reports the conflict, the [Lstm] pass stays silent.
        if (Declarations.HasAttribute(target.Type, kind == CellKind.Lstm ? GruAttributeName : LstmAttributeName))
        {
            if (kind == CellKind.Gru)
            {
                target.Report(DiagnosticDescriptors.BothCellAttributes, Declarations.AttributeLocation(target.Attribute) ?? target.Identifier, target.Type.Name);
            }

            return Result(null, target.Diagnostics);
        }

        Declarations.CheckDeclaration(target.Type, target.Declaration, attributeName, target.Identifier, GeneratedMembers.Names, target.Report);

        (int input, int hidden, bool inputGiven)? sizes = ReadSizes(target.Attribute);
        if (sizes is null)
        {
            // The attribute does not bind (a compiler error is already reported): nothing to add.
            return Result(null, target.Diagnostics);
        }

        (int input, int hidden, bool inputGiven) = sizes.Value;
        // [Lstm(hidden: 0)] copies hidden into input: report the one argument the user wrote, once.
        if (inputGiven)
        {
            target.CheckSize(target.Attribute, attributeName, input, "input");
        }

        bool hiddenValid = target.CheckSize(target.Attribute, attributeName, hidden, "hidden");

        // The module's options (PyTorch's num_layers, bidirectional, proj_size, bias, dropout) and its name.
        int layers = Named<int>(target.Attribute, "Layers") ?? 1;
        bool bidirectional = Named<bool>(target.Attribute, "Bidirectional") ?? false;
        int projection = Named<int>(target.Attribute, "ProjectionSize") ?? 0;
        bool bias = Named<bool>(target.Attribute, "Bias") ?? true;
        double dropout = Named<double>(target.Attribute, "Dropout") ?? 0;
        bool resetAfter = kind == CellKind.Lstm || (Named<bool>(target.Attribute, "ResetAfter") ?? true);   // [Lstm] has no such property
        string? name = NamedString(target.Attribute, "Name");
        int directions = bidirectional ? 2 : 1;
        if (projection != 0 && hiddenValid && (projection < 1 || projection >= hidden))
        {
            target.Report(DiagnosticDescriptors.ProjectionOutOfRange, Declarations.NamedArgumentLocation(target.Attribute, "ProjectionSize") ?? target.Identifier,
                target.Type.Name, N(projection), N(hidden - 1));
        }

        int recurrent = projection > 0 && projection < hidden ? projection : hidden;
        int layerState = recurrent + (kind == CellKind.Lstm ? hidden : 0);
        Location layersLocation = Declarations.NamedArgumentLocation(target.Attribute, "Layers") ?? target.Identifier;
        if (layers < 1 || layers > DiagnosticDescriptors.MaxLayers)
        {
            target.Report(DiagnosticDescriptors.LayersOutOfRange, layersLocation, target.Type.Name, attributeName, N(layers),
                $"it must be between 1 and {N(DiagnosticDescriptors.MaxLayers)}");
        }
        else if (hiddenValid && !bidirectional && StreamingStack(kind, layers, hidden, recurrent, projection) > DiagnosticDescriptors.MaxStreamingState)
        {
            target.Report(DiagnosticDescriptors.LayersOutOfRange, layersLocation, target.Type.Name, attributeName, N(layers),
                $"a streaming step keeps every layer's state and one step's scratch on the stack, {N((int)StreamingStack(kind, layers, hidden, recurrent, projection))} floats, more than 256 KB; use fewer layers or smaller ones");
        }

        if (!(dropout >= 0 && dropout < 1))
        {
            target.Report(DiagnosticDescriptors.DropoutOutOfRange, Declarations.NamedArgumentLocation(target.Attribute, "Dropout") ?? target.Identifier,
                target.Type.Name, attributeName, dropout.ToString("R", CultureInfo.InvariantCulture));
        }
        else if (dropout > 0 && layers == 1)
        {
            target.Report(DiagnosticDescriptors.DropoutWithoutLayers, Declarations.NamedArgumentLocation(target.Attribute, "Dropout") ?? target.Identifier,
                target.Type.Name, attributeName, dropout.ToString("R", CultureInfo.InvariantCulture));
        }

        // A [Dense] on the same class is the model's head, applied to the top layer's output at every step.
        int headOutputs = 0;
        string headName = "";
        AttributeData? dense = target.Type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DenseParser.DenseAttributeName);
        if (dense is not null)
        {
            ImmutableArray<TypedConstant> args = dense.ConstructorArguments;
            if (args.Length != 2 || args.Any(a => a.Kind == TypedConstantKind.Error || a.Value is not int))
            {
                return Result(null, target.Diagnostics);
            }

            int headInput = (int)args[0].Value!, output = (int)args[1].Value!;
            bool headInputValid = target.CheckSize(dense, "Dense", headInput, "input");
            if (target.CheckSize(dense, "Dense", output, "output"))
            {
                headOutputs = output;
            }

            int layerOutput = directions * recurrent;
            if (headInputValid && hiddenValid && headInput != layerOutput)
            {
                string why = directions == 2 ? $"both directions' {N(recurrent)}" : projection > 0 ? $"the projection size" : "its hidden size";
                target.Report(DiagnosticDescriptors.HeadInputMismatch, Declarations.ArgumentLocation(dense, "input") ?? target.Identifier,
                    target.Type.Name, N(headInput), attributeName, N(layerOutput), why);
            }

            headName = NamedString(dense, "Name") ?? "head";
            CheckName(dense, "Dense", headName);
        }

        string rnnName = name ?? (dense is not null ? "rnn" : "");
        CheckName(target.Attribute, attributeName, rnnName);
        Declarations.CheckReservedMembers(target.Type, GeneratedMembers.Names, attributeName, target.Report, cancellationToken);

        EmbeddedWeights? weights = ReadWeights(target.Attribute, (location, problem) =>
            target.Report(DiagnosticDescriptors.InvalidWeightsSetting, location ?? Declarations.AttributeLocation(target.Attribute) ?? target.Identifier, target.Type.Name, attributeName, problem));
        if (weights is { Layer: > 0 } && layers > 1)
        {
            target.Report(DiagnosticDescriptors.InvalidWeightsSetting, Declarations.NamedArgumentLocation(target.Attribute, "WeightsLayer") ?? target.Identifier, target.Type.Name, attributeName,
                $"WeightsLayer picks one layer of a stacked file for a single-layer class; this one has Layers = {N(layers)} and reads them all");
        }

        if (target.Diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error))
        {
            return Result(null, target.Diagnostics);
        }

        var shape = new ModelShapeSpec(kind, input, hidden, layers, bidirectional, projection, bias, headOutputs, dropout, rnnName, headName, resetAfter);
        var spec = new ModelSpec(shape, Declarations.Hierarchy(target.Type, target.Declaration), weights);
        WeightsReference? reference = weights is null ? null : new WeightsReference(target.Type.Name, shape, weights,
            LocationInfo.From(Declarations.NamedArgumentLocation(target.Attribute, "Weights") ?? Declarations.AttributeLocation(target.Attribute) ?? target.Identifier));
        return new ParseResult(spec, target.Diagnostics.ToEquatableArray(), reference);

        void CheckName(AttributeData owner, string ownerName, string value)
        {
            string? problem = value.Length > 0 && (value[0] == '.' || value[value.Length - 1] == '.') ? "RnnGen adds the '.' between a module's name and its tensors', so the name neither starts nor ends with one"
                : value.Any(char.IsWhiteSpace) ? "a state_dict name has no white space"
                : null;
            if (problem is not null)
            {
                target.Report(DiagnosticDescriptors.InvalidModuleName, Declarations.NamedArgumentLocation(owner, "Name") ?? target.Identifier, target.Type.Name, ownerName, value, problem);
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
