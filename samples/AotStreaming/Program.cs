using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RnnGen;
using RnnGen.Simd;

// RnnGen under Native AOT, as a latency-critical streaming app uses it: one Step per incoming sample, on a state that
// lives for the whole stream, timed one step at a time. Prints the SIMD path, per-step latency percentiles and the
// garbage collections during the timed loops, and exits 1 if there was any collection or allocation (the generated
// Step allocates nothing, so a steady stream must not either), or 2 on bad arguments.
//
//   AotStreaming [--steps N]      N time steps per cell (default 1,000,000)

const int DefaultSteps = 1_000_000;
const int WarmupSteps = 20_000;
const int DistinctInputs = 4096;   // a ring of precomputed input vectors, so the loop does nothing but Step

int steps = DefaultSteps;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--steps" && i + 1 < args.Length && int.TryParse(args[i + 1], out steps) && steps > 0)
    {
        i++;
    }
    else
    {
        Console.Error.WriteLine($"usage: AotStreaming [--steps N]   (N > 0, default {DefaultSteps:N0}); got '{string.Join(' ', args)}'");
        return 2;
    }
}

// No JIT-compiled method at all means Native AOT (RuntimeFeature.IsDynamicCodeSupported cannot tell: PublishAot=true
// switches it off under the JIT too, so that a `dotnet run` behaves as the published binary will).
bool nativeAot = System.Runtime.JitInfo.GetCompiledMethodCount() == 0;
Console.WriteLine($"RnnGen streaming under {(nativeAot ? "Native AOT" : "the JIT (publish this sample for Native AOT)")}, .NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs");
Console.WriteLine($"SIMD: widest accelerated path {SimdSupport.Widest}; Vector256 accelerated {Vector256.IsHardwareAccelerated}, AVX2 {Avx2.IsSupported}, FMA {Fma.IsSupported}");
Console.WriteLine($"Cells: [Lstm(input: {StreamLstm.InputSize}, hidden: {StreamLstm.HiddenSize})] path {StreamLstm.ActivePath}, [Gru(input: {StreamGru.InputSize}, hidden: {StreamGru.HiddenSize})] path {StreamGru.ActivePath}");
Console.WriteLine($"{steps:N0} timed steps per cell after {WarmupSteps:N0} warm-up steps; latency of each Step call in ns (Stopwatch, resolution {1e9 / Stopwatch.Frequency:0.#} ns)");
Console.WriteLine();

// Everything the loops touch is allocated here, before them.
var random = new Random(42);
float[] inputs = new float[DistinctInputs * StreamLstm.InputSize];
for (int i = 0; i < inputs.Length; i++)
{
    inputs[i] = (float)(2 * random.NextDouble() - 1);
}

long[] ticks = new long[steps];
var lstm = new StreamLstm(random);
var gru = new StreamGru(random);
float[] lstmState = new float[StreamLstm.StateSize];
float[] gruState = new float[StreamGru.StateSize];
float[] frozenLstmState = new float[StreamLstm.StateSize];
float[] frozenGruState = new float[StreamGru.StateSize];
double overheadNs = TimerOverheadNs(ticks);

Console.WriteLine($"{"cell",-16} {"p50",8} {"p90",8} {"p99",8} {"p99.9",8} {"p99.99",8} {"max",10} {"mean",8}   GCs  allocated");
bool ok = Measure("LSTM (32, 64)", new LstmStepper(lstm), inputs, lstmState, ticks, steps);
ok &= Measure("GRU (32, 64)", new GruStepper(gru), inputs, gruState, ticks, steps);
ok &= Measure("LSTM frozen", new FrozenLstmStepper(lstm.Freeze()), inputs, frozenLstmState, ticks, steps);
ok &= Measure("GRU frozen", new FrozenGruStepper(gru.Freeze()), inputs, frozenGruState, ticks, steps);
Console.WriteLine();
Console.WriteLine($"Each figure includes the two Stopwatch reads around the call (about {overheadNs:0} ns back to back on this machine).");
Console.WriteLine($"Final states (checksum): LSTM h[0] = {lstmState[0]:+0.000000;-0.000000}, GRU h[0] = {gruState[0]:+0.000000;-0.000000}");
if (!ok)
{
    Console.WriteLine("FAILED: the streaming loop collected garbage or allocated; a generated Step must allocate nothing.");
    return 1;
}

Console.WriteLine("OK: no garbage collection and no allocation during the streaming loops.");
return 0;

// Streams `steps` inputs through one cell, timing each Step; prints one table row. False if the loop allocated or collected.
static bool Measure<TStepper>(string name, TStepper stepper, float[] inputs, float[] state, long[] ticks, int steps)
    where TStepper : struct, IStepper
{
    int inputSize = stepper.InputSize;
    int distinct = inputs.Length / inputSize;
    for (int t = 0; t < WarmupSteps; t++)
    {
        stepper.Step(inputs.AsSpan((t % distinct) * inputSize, inputSize), state);
    }

    int collectionsBefore = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
    long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    for (int t = 0; t < steps; t++)
    {
        ReadOnlySpan<float> x = inputs.AsSpan((t % distinct) * inputSize, inputSize);
        long start = Stopwatch.GetTimestamp();
        stepper.Step(x, state);
        ticks[t] = Stopwatch.GetTimestamp() - start;
    }

    long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    int collections = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2) - collectionsBefore;

    Span<long> sorted = ticks.AsSpan(0, steps);
    long total = 0;
    foreach (long tick in sorted)
    {
        total += tick;
    }

    sorted.Sort();
    double nsPerTick = 1e9 / Stopwatch.Frequency;
    Console.WriteLine($"{name,-16} {Percentile(sorted, 50) * nsPerTick,8:0} {Percentile(sorted, 90) * nsPerTick,8:0} {Percentile(sorted, 99) * nsPerTick,8:0} {Percentile(sorted, 99.9) * nsPerTick,8:0} {Percentile(sorted, 99.99) * nsPerTick,8:0} {sorted[^1] * nsPerTick,10:0} {total * nsPerTick / steps,8:0} {collections,5} {allocated,8} B");
    return collections == 0 && allocated == 0 && float.IsFinite(state[0]);
}

// The nearest-rank percentile of sorted values: the smallest value with at least p% of them at or below it.
static long Percentile(ReadOnlySpan<long> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

// The cost of the two timestamp reads alone: the median of back-to-back pairs.
static double TimerOverheadNs(long[] scratch)
{
    int n = Math.Min(scratch.Length, 100_000);
    for (int i = 0; i < n; i++)
    {
        long start = Stopwatch.GetTimestamp();
        scratch[i] = Stopwatch.GetTimestamp() - start;
    }

    Span<long> sorted = scratch.AsSpan(0, n);
    sorted.Sort();
    return sorted[n / 2] * 1e9 / Stopwatch.Frequency;
}

/// <summary>
/// One Step of a concrete generated cell. The timing loop is generic over this struct, so Native AOT compiles one copy
/// of it per cell with a direct (inlinable) call to that cell's Step: no interface dispatch inside the timed region.
/// </summary>
internal interface IStepper
{
    int InputSize { get; }

    void Step(ReadOnlySpan<float> input, Span<float> state);
}

internal readonly struct LstmStepper(StreamLstm cell) : IStepper
{
    public int InputSize => StreamLstm.InputSize;

    public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
}

internal readonly struct FrozenLstmStepper(StreamLstm.Frozen cell) : IStepper
{
    public int InputSize => StreamLstm.InputSize;

    public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
}

internal readonly struct FrozenGruStepper(StreamGru.Frozen cell) : IStepper
{
    public int InputSize => StreamGru.InputSize;

    public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
}

internal readonly struct GruStepper(StreamGru cell) : IStepper
{
    public int InputSize => StreamGru.InputSize;

    public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
}

/// <summary>An LSTM of 32 inputs and 64 hidden units (PyTorch's default initialisation, seeded).</summary>
[Lstm(input: 32, hidden: 64)]
internal sealed partial class StreamLstm;

/// <summary>A GRU of 32 inputs and 64 hidden units.</summary>
[Gru(input: 32, hidden: 64)]
internal sealed partial class StreamGru;
