namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// Allocation measured in the steady state. The runtime's own first-time work (tiered recompilation, on-stack
/// replacement, call-counting and dispatch stubs) can land a few hundred bytes on the calling thread during the
/// first rounds, at a moment that depends on timing (seen once in CI: 2,648 bytes in a second round). A path that
/// really allocates does so in every round, so the rounds are repeated until one allocates nothing, and that round's
/// figures are returned: any per-call allocation still fails the assertion.
/// </summary>
internal static class SteadyState
{
    private const int Rounds = 6;

    /// <summary>Runs <paramref name="measure"/> (bytes allocated per part of one round) until a round allocates nothing, at most <see cref="Rounds"/> times.</summary>
    public static long[] Allocations(Func<long[]> measure)
    {
        long[] bytes = measure();   // the warm-up round
        for (int round = 0; round < Rounds; round++)
        {
            bytes = measure();
            if (bytes.All(b => b == 0))
            {
                break;
            }
        }

        return bytes;
    }
}
