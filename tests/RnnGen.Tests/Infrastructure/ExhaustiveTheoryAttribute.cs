using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// A theory too slow for every test run: it runs only when RNNGEN_EXHAUSTIVE=1 (the activations-exhaustive run of
/// .ci/run) and is reported as Skipped otherwise, so a regular run never counts it as passed.
/// </summary>
/// <remarks>xunit 2 has no skip from inside a test; a Skip set by the attribute's constructor is read at discovery.</remarks>
public sealed class ExhaustiveTheoryAttribute : TheoryAttribute
{
    public const string Variable = "RNNGEN_EXHAUSTIVE";

    public ExhaustiveTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"exhaustive: runs only with {Variable}=1 (.ci/run's activations-exhaustive run)";
        }
    }
}
