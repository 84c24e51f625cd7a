namespace RnnGen.Tests.Infrastructure;

/// <summary>Where a sequence of one stream hoists a layer's input projection on the parameters or a plain frozen copy.</summary>
public static class Hoisting
{
    /// <summary>W_ih + W_hh floats from which it hoists (ModelRunner.HoistingMinimumWeights: 256 KB).</summary>
    public const int MinimumFloats = 64 * 1024;

    /// <summary>Whether a layer of <paramref name="hidden"/> units over <paramref name="input"/> inputs and a recurrent size of <paramref name="recurrent"/> hoists.</summary>
    public static bool Hoists(CellKind kind, int input, int recurrent, int hidden) =>
        (kind == CellKind.Lstm ? 4 : 3) * hidden * (input + recurrent) >= MinimumFloats;
}
