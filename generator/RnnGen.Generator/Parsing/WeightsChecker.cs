using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Diagnostics;
using RnnGen.Generator.Model;
using Layout = RnnGen.Layout;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// The build-time half of the embedded-weights promise: the file an attribute names is an <c>RnnGenWeights</c>
/// item, is a valid safetensors file, holds the model's tensors with their shapes and a floating-point dtype, and for a
/// GRU was written for the same variant (its metadata entry <see cref="RnnGen.IO.GruVariantMetadata.Key"/>, absent meaning PyTorch's).
/// </summary>
internal static class WeightsChecker
{
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

        // A reset-before GRU's tensors have PyTorch's names and shapes: only the metadata tells them apart.
        ModelShapeSpec shape = reference.Shape;
        if (shape.Kind == CellKind.Gru && RnnGen.IO.GruVariantMetadata.Problem(shape.ResetAfter, header.GruResetAfter) is string problem)
        {
            Report(DiagnosticDescriptors.WeightsGruVariantMismatch, reference.TypeName, file, problem);
        }

        // Every tensor of the model, with the prefix and (single-layer models) the layer the attribute names.
        foreach (Layout.TensorSlot slot in shape.Layout.Tensors(reference.Weights.Layer))
        {
            string name = reference.Weights.Prefix + slot.Name;
            HeaderTensor? tensor = header.Tensors.FirstOrDefault(t => t.Name == name);
            if (tensor is null)
            {
                Report(DiagnosticDescriptors.WeightsTensorMissing, reference.TypeName, name, file, MissingHint(header, shape, slot.Name));
                continue;
            }

            long[] expected = slot.Shape.Select(d => (long)d).ToArray();
            if (!tensor.Shape.SequenceEqual(expected))
            {
                Report(DiagnosticDescriptors.WeightsShapeMismatch,
                    reference.TypeName, shape.AttributeName, N(shape.Input), N(shape.Hidden), file, name,
                    WeightsHeaderParser.Format(expected), WeightsHeaderParser.Format(tensor.Shape), KindHint(shape, slot, tensor));
            }

            if (!FloatDTypes.Contains(tensor.DType))
            {
                Report(DiagnosticDescriptors.WeightsNotFloat, reference.TypeName, name, file, tensor.DType);
            }
        }

        return diagnostics.ToEquatableArray();
    }

    /// <summary>
    /// The same tensor under another prefix (set WeightsPrefix) or, for a single-layer class, the same tensor of the same
    /// direction for another layer of a stacked file (set WeightsLayer; a multi-layer class reads all of its own).
    /// </summary>
    private static string MissingHint(WeightsHeader header, ModelShapeSpec shape, string wanted)
    {
        string[] samePrefixless = header.Tensors.Select(t => t.Name).Where(n => n.EndsWith(wanted, StringComparison.Ordinal)).Take(3).ToArray();
        if (samePrefixless.Length > 0)
        {
            string prefix = samePrefixless[0].Substring(0, samePrefixless[0].Length - wanted.Length);
            return $" (it has '{samePrefixless[0]}': set WeightsPrefix = \"{prefix}\"?)";
        }

        // "rnn.weight_ih_l0_reverse" → stem "weight_ih_l", direction suffix "_reverse": another layer is "…weight_ih_l{k}_reverse".
        string last = wanted.Substring(wanted.LastIndexOf('.') + 1);
        int layerAt = last.IndexOf("_l", StringComparison.Ordinal);
        if (shape.Layers == 1 && layerAt > 0)
        {
            string stem = last.Substring(0, layerAt + 2);
            bool reverse = last.EndsWith("_reverse", StringComparison.Ordinal);
            string[] otherLayer = header.Tensors.Select(t => t.Name)
                .Where(n => n.Contains(stem) && n.EndsWith("_reverse", StringComparison.Ordinal) == reverse)
                .Take(3).ToArray();
            if (otherLayer.Length > 0)
            {
                return $" (it has {string.Join(", ", otherLayer.Select(n => $"'{n}'"))}: set WeightsLayer?)";
            }
        }

        return header.Tensors.Count == 0
            ? " (it holds no tensors)"
            : $" (it holds {string.Join(", ", header.Tensors.Take(6).Select(t => $"'{t.Name}'"))}{(header.Tensors.Count > 6 ? ", …" : "")})";
    }

    private static string KindHint(ModelShapeSpec shape, Layout.TensorSlot slot, HeaderTensor tensor)
    {
        string other = shape.Kind == CellKind.Lstm ? "Gru" : "Lstm";
        int otherRows = (shape.Kind == CellKind.Lstm ? 3 : 4) * shape.Hidden;
        bool gateRows = slot.Shape[0] == shape.Gates * shape.Hidden && !slot.Name.EndsWith("weight", StringComparison.Ordinal);
        return gateRows && tensor.Shape.Count > 0 && tensor.Shape[0] == otherRows
            ? $" (the rows of a [{other}] cell of hidden size {N(shape.Hidden)}; this one is [{shape.AttributeName}])"
            : "";
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
