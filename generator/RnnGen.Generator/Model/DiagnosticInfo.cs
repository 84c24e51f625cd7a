using System;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Model;

/// <summary>A diagnostic to report, held as plain values.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments) : IEquatable<DiagnosticInfo>
{
    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location?.ToLocation(), [.. Arguments]);
}
