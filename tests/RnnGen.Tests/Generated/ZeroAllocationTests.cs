using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generated;

/// <summary>
/// Generated cells allocate nothing on their hot paths: streaming Steps, a plain Forward, and a training
/// pass (Forward with a tape, then Backward). Measured exactly, in bytes, on the calling thread
/// (<see cref="CellContract.HotPathsAllocateNothing{T}"/>).
/// </summary>
public sealed class ZeroAllocationTests
{
    private const int StepCalls = 10_000, Steps = 100;

    public static TheoryData<CellKind, int, int> Cases => new()
    {
        { CellKind.Lstm, 64, 128 },
        { CellKind.Lstm, 3, 5 },
        { CellKind.Gru, 64, 128 },
        { CellKind.Gru, 3, 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void HotPathsAllocateNothing(CellKind kind, int input, int hidden) =>
        CellContract.HotPathsAllocateNothing(GeneratedCells.Create(kind, input, hidden, new Random(1)), Steps, StepCalls);
}
