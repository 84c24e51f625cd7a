using Microsoft.CodeAnalysis;

namespace RnnGen.Generator;

/// <summary>Emits fixed-size SIMD implementations for classes marked [Lstm] or [Gru].</summary>
[Generator(LanguageNames.CSharp)]
public sealed class RnnGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
