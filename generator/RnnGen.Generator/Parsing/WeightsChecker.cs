using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// The build-time half of the embedded-weights promise: the file an attribute names is an <c>RnnGenWeights</c>
/// item, is a valid safetensors file, and holds the cell's four tensors with its shapes and a floating-point dtype.
/// </summary>
internal static class WeightsChecker
{
    private static readonly string[] Stems = ["weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"];
    private static readonly HashSet<string> FloatDTypes = new(StringComparer.Ordinal) { "F16", "BF16", "F32", "F64" };

    public static EquatableArray<DiagnosticInfo> Check(WeightsReference reference, EquatableArray<WeightsHeader> headers)
    {
        var diagnostics = new List<DiagnosticInfo>();
        void Report(DiagnosticDescriptor descriptor, params string[] arguments) =>
            diagnostics.Add(new DiagnosticInfo(descriptor, reference.Location, arguments.ToEquatableArray()));

        string file = reference.Weights.FileName;
        WeightsHeader? header = headers.FirstOrDefault(h => string.Equals(h.FileName, file, StringComparison.Ordinal));
        if (header is null)
        {
            // Resource names are case-sensitive; a near miss is the likeliest cause.
            WeightsHeader? nearMiss = headers.FirstOrDefault(h => string.Equals(h.FileName, file, StringComparison.OrdinalIgnoreCase));
            string hint = nearMiss is null ? "" : $" (there is one for '{nearMiss.FileName}'; names are case-sensitive)";
            Report(DiagnosticDescriptors.WeightsNotFound, reference.TypeName, file, hint);
            return diagnostics.ToEquatableArray();
        }

        if (header.Error is not null)
        {
            Report(DiagnosticDescriptors.WeightsFileInvalid, reference.TypeName, file, header.Error);
            return diagnostics.ToEquatableArray();
        }

        int rows = reference.GateRows;
        long[][] shapes = [[rows, reference.Input], [rows, reference.Hidden], [rows], [rows]];
        string layer = reference.Weights.Layer.ToString(CultureInfo.InvariantCulture);
        for (int i = 0; i < Stems.Length; i++)
        {
            string name = reference.Weights.Prefix + Stems[i] + layer;
            HeaderTensor? tensor = header.Tensors.FirstOrDefault(t => t.Name == name);
            if (tensor is null)
            {
                Report(DiagnosticDescriptors.WeightsTensorMissing, reference.TypeName, name, file, MissingHint(header, Stems[i] + layer, Stems[i]));
                continue;
            }

            if (!tensor.Shape.SequenceEqual(shapes[i]))
            {
                Report(DiagnosticDescriptors.WeightsShapeMismatch,
                    reference.TypeName, reference.AttributeName, N(reference.Input), N(reference.Hidden), file, name,
                    WeightsHeaderParser.Format(shapes[i]), WeightsHeaderParser.Format(tensor.Shape), KindHint(reference, tensor));
            }

            if (!FloatDTypes.Contains(tensor.DType))
            {
                Report(DiagnosticDescriptors.WeightsNotFloat, reference.TypeName, name, file, tensor.DType);
            }
        }

        return diagnostics.ToEquatableArray();
    }

    /// <summary>The same tensor under another prefix (set WeightsPrefix) or another layer (set WeightsLayer).</summary>
    private static string MissingHint(WeightsHeader header, string wanted, string stem)
    {
        string[] samePrefixless = header.Tensors.Select(t => t.Name).Where(n => n.EndsWith(wanted, StringComparison.Ordinal)).Take(3).ToArray();
        if (samePrefixless.Length > 0)
        {
            string prefix = samePrefixless[0].Substring(0, samePrefixless[0].Length - wanted.Length);
            return $" (it has '{samePrefixless[0]}': set WeightsPrefix = \"{prefix}\"?)";
        }

        string[] otherLayer = header.Tensors.Select(t => t.Name).Where(n => n.Contains(stem)).Take(3).ToArray();
        if (otherLayer.Length > 0)
        {
            return $" (it has {string.Join(", ", otherLayer.Select(n => $"'{n}'"))}: set WeightsLayer?)";
        }

        return header.Tensors.Count == 0
            ? " (it holds no tensors)"
            : $" (it holds {string.Join(", ", header.Tensors.Take(6).Select(t => $"'{t.Name}'"))}{(header.Tensors.Count > 6 ? ", …" : "")})";
    }

    private static string KindHint(WeightsReference reference, HeaderTensor tensor)
    {
        string other = reference.Kind == CellKind.Lstm ? "Gru" : "Lstm";
        int otherRows = (reference.Kind == CellKind.Lstm ? 3 : 4) * reference.Hidden;
        return tensor.Shape.Count > 0 && tensor.Shape[0] == otherRows
            ? $" (the rows of a [{other}] cell of hidden size {N(reference.Hidden)}; this one is [{reference.AttributeName}])"
            : "";
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
