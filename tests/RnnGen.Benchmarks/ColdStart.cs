using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace RnnGen.Benchmarks;

/// <summary>
/// The cold-start mode (<c>--cold-start</c>): from process start, streams N steps of one cell through a caller shaped
/// like an audio callback (one call per block of steps) and prints every block's time, the JIT work done on the
/// stepping thread during it, and the worst block. One process measures one cell, so nothing it runs was compiled
/// before; <c>coldstart.sh</c> runs every cell under every runtime setting, each in a fresh process.
/// </summary>
/// <remarks>
/// <c>--cold-start [--cell lstm|gru] [--shape 1x8|8x32] [--live] [--call direct|interface] [--prepare] [--steps N]
/// [--block N] [--quiet]</c>. Defaults: a frozen LSTM (8,32), direct calls, 100,000 steps in blocks of 1,000, every
/// block printed. <c>--live</c> steps the cell itself instead of its <c>Freeze()</c> snapshot; <c>--call interface</c>
/// steps it through <see cref="IFrozenCell{T}"/> / <see cref="IRecurrentCell{T}"/> as a plugin host does;
/// <c>--prepare</c> calls <see cref="Warmup.Prepare{T}(IFrozenStreamingModel{T})"/> (or the live overload) first.
/// The last line is <c>RESULT key=value …</c> for the script.
/// </remarks>
public static class ColdStart
{
    /// <summary>A ring of precomputed inputs, so the callback does nothing but step.</summary>
    private const int DistinctInputs = 4096;

    public static int Run(string[] args)
    {
        long processStart = Stopwatch.GetTimestamp();
        string kind = Option(args, "--cell", "lstm"), shape = Option(args, "--shape", "8x32"), call = Option(args, "--call", "direct");
        bool live = args.Contains("--live"), prepare = args.Contains("--prepare"), quiet = args.Contains("--quiet");
        int steps = int.Parse(Option(args, "--steps", "100000"), CultureInfo.InvariantCulture);
        int block = int.Parse(Option(args, "--block", "1000"), CultureInfo.InvariantCulture);
        if (kind is not ("lstm" or "gru") || shape is not ("1x8" or "8x32") || call is not ("direct" or "interface") || steps <= 0 || block <= 0)
        {
            Console.Error.WriteLine("usage: --cold-start [--cell lstm|gru] [--shape 1x8|8x32] [--live] [--call direct|interface] [--prepare] [--steps N] [--block N] [--quiet]");
            return 2;
        }

        // Construction and Freeze run their own code (initialisation, packing), not the step path measured below.
        IRecurrentCell<float> cell = Cells.Create(kind, shape, 4f);
        IFrozenCell<float>? frozen = live ? null : Cells.Freeze(cell);
        float[] inputs = Cells.Inputs(DistinctInputs * cell.InputSize);
        float[] state = new float[cell.StateSize];
        double prepareMs = 0;
        if (prepare)
        {
            long before = Stopwatch.GetTimestamp();
            if (frozen is null)
            {
                Warmup.Prepare(cell);
            }
            else
            {
                Warmup.Prepare(frozen);
            }

            prepareMs = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
        }

        string name = $"{kind} ({shape.Replace('x', ',')}) {(live ? "cell" : "frozen")}, {call} call{(prepare ? ", prepared" : "")}";
        Console.WriteLine($"cold start: {name}; {steps:N0} steps in blocks of {block:N0}; {Settings()}");
        if (prepare)
        {
            Console.WriteLine($"Warmup.Prepare: {prepareMs:0.000} ms");
        }

        var blocks = new Block[(steps + block - 1) / block];
        long gcs = GC.CollectionCount(0);
        switch (call, live, kind, shape)
        {
            case ("interface", true, _, _): Measure(new ViaCellInterface(cell), inputs, state, block, blocks); break;
            case ("interface", false, _, _): Measure(new ViaFrozenInterface(frozen!), inputs, state, block, blocks); break;
            case (_, true, "lstm", "1x8"): Measure(new LiveLstm1x8((Lstm1x8)cell), inputs, state, block, blocks); break;
            case (_, true, "lstm", _): Measure(new LiveLstm8x32((Lstm8x32)cell), inputs, state, block, blocks); break;
            case (_, true, _, "1x8"): Measure(new LiveGru1x8((Gru1x8)cell), inputs, state, block, blocks); break;
            case (_, true, _, _): Measure(new LiveGru8x32((Gru8x32)cell), inputs, state, block, blocks); break;
            case (_, false, "lstm", "1x8"): Measure(new FrozenLstm1x8((Lstm1x8.Frozen)frozen!), inputs, state, block, blocks); break;
            case (_, false, "lstm", _): Measure(new FrozenLstm8x32((Lstm8x32.Frozen)frozen!), inputs, state, block, blocks); break;
            case (_, false, _, "1x8"): Measure(new FrozenGru1x8((Gru1x8.Frozen)frozen!), inputs, state, block, blocks); break;
            default: Measure(new FrozenGru8x32((Gru8x32.Frozen)frozen!), inputs, state, block, blocks); break;
        }

        gcs = GC.CollectionCount(0) - gcs;
        Report(name, blocks, block, steps, prepareMs, gcs, quiet, Stopwatch.GetElapsedTime(processStart).TotalMilliseconds, state[0]);
        return 0;
    }

    /// <summary>One block: its wall time, and the methods the JIT compiled on the stepping thread and how long that took.</summary>
    private readonly record struct Block(double Ms, long Methods, double JitMs);

    /// <summary>The host loop: one callback per block, timed from outside as a host would see it.</summary>
    private static void Measure<TStepper>(TStepper stepper, float[] inputs, float[] state, int blockSize, Block[] blocks)
        where TStepper : struct, IStepper
    {
        int inputSize = stepper.InputSize;
        int distinct = inputs.Length / inputSize;
        int t = 0;
        for (int i = 0; i < blocks.Length; i++)
        {
            long methods = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true);
            TimeSpan jit = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
            long start = Stopwatch.GetTimestamp();
            Callback(ref stepper, inputs, state, t, blockSize, distinct);
            long end = Stopwatch.GetTimestamp();
            blocks[i] = new Block(
                Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
                System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: true) - methods,
                (System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - jit).TotalMilliseconds);
            t = (t + blockSize) % distinct;
        }
    }

    /// <summary>The audio callback: a loop of steps over the block's inputs (not inlined into the host loop, as in a real host).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Callback<TStepper>(ref TStepper stepper, float[] inputs, float[] state, int first, int count, int distinct)
        where TStepper : struct, IStepper
    {
        int inputSize = stepper.InputSize;
        for (int i = 0; i < count; i++)
        {
            int t = (first + i) % distinct;
            stepper.Step(inputs.AsSpan(t * inputSize, inputSize), state);
        }
    }

    private static void Report(string name, Block[] blocks, int blockSize, int steps, double prepareMs, long gcs, bool quiet, double totalMs, float checksum)
    {
        if (!quiet)
        {
            Console.WriteLine("block  first step     ms   µs/step  JIT methods  JIT ms (this thread)");
            for (int i = 0; i < blocks.Length; i++)
            {
                Block b = blocks[i];
                Console.WriteLine($"{i,5} {i * blockSize,11:N0} {b.Ms,7:0.000} {b.Ms * 1000 / blockSize,9:0.000} {b.Methods,12} {b.JitMs,9:0.000}");
            }
        }

        int worst = 0, worstAfterFirst = blocks.Length > 1 ? 1 : 0;
        for (int i = 1; i < blocks.Length; i++)
        {
            worst = blocks[i].Ms > blocks[worst].Ms ? i : worst;
            worstAfterFirst = blocks[i].Ms > blocks[worstAfterFirst].Ms ? i : worstAfterFirst;
        }

        double[] sorted = blocks.Select(b => b.Ms).Order().ToArray();
        double median = sorted[sorted.Length / 2];
        Console.WriteLine($"worst block: #{worst} (steps from {worst * blockSize:N0}) {blocks[worst].Ms:0.000} ms; worst after the first: #{worstAfterFirst} {blocks[worstAfterFirst].Ms:0.000} ms; " +
            $"first {blocks[0].Ms:0.000} ms; median {median:0.000} ms; JIT on this thread {blocks.Sum(b => b.Methods)} methods, {blocks.Sum(b => b.JitMs):0.000} ms; gen0 GCs {gcs}; checksum h[0] {checksum:+0.000000;-0.000000}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT name=\"{name}\" steps={steps} block={blockSize} worst_ms={blocks[worst].Ms:0.000} worst_block={worst} worst_after_first_ms={blocks[worstAfterFirst].Ms:0.000} worst_after_first_block={worstAfterFirst} first_ms={blocks[0].Ms:0.000} median_ms={median:0.000} jit_methods={blocks.Sum(b => b.Methods)} prepare_ms={prepareMs:0.000} process_ms={totalMs:0.0}"));
    }

    /// <summary>The runtime settings this process runs under (the DOTNET_ variables coldstart.sh sets).</summary>
    private static string Settings()
    {
        string[] names = ["TieredCompilation", "TC_QuickJitForLoops", "TC_OnStackReplacement", "TieredPGO", "ReadyToRun", "TC_CallCountingDelayMs"];
        string set = string.Join(", ", names.Select(n => (n, v: Environment.GetEnvironmentVariable("DOTNET_" + n))).Where(p => p.v is not null).Select(p => $"{p.n}={p.v}"));
        return $".NET {Environment.Version}, {(set.Length == 0 ? "default runtime settings" : set)}, server GC {GCSettings.IsServerGC}";
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>One cell's step behind a struct, so <see cref="Callback"/> is compiled per cell type and calls it directly.</summary>
    private interface IStepper
    {
        int InputSize { get; }

        void Step(ReadOnlySpan<float> input, Span<float> state);
    }

    private readonly struct ViaCellInterface(IRecurrentCell<float> cell) : IStepper
    {
        public int InputSize => cell.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct ViaFrozenInterface(IFrozenCell<float> cell) : IStepper
    {
        public int InputSize => cell.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct LiveLstm1x8(Lstm1x8 cell) : IStepper
    {
        public int InputSize => Lstm1x8.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct LiveLstm8x32(Lstm8x32 cell) : IStepper
    {
        public int InputSize => Lstm8x32.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct LiveGru1x8(Gru1x8 cell) : IStepper
    {
        public int InputSize => Gru1x8.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct LiveGru8x32(Gru8x32 cell) : IStepper
    {
        public int InputSize => Gru8x32.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct FrozenLstm1x8(Lstm1x8.Frozen cell) : IStepper
    {
        public int InputSize => Lstm1x8.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct FrozenLstm8x32(Lstm8x32.Frozen cell) : IStepper
    {
        public int InputSize => Lstm8x32.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct FrozenGru1x8(Gru1x8.Frozen cell) : IStepper
    {
        public int InputSize => Gru1x8.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }

    private readonly struct FrozenGru8x32(Gru8x32.Frozen cell) : IStepper
    {
        public int InputSize => Gru8x32.InputSize;

        public void Step(ReadOnlySpan<float> input, Span<float> state) => cell.Step(input, state);
    }
}
