using System.Diagnostics.Tracing;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit;

namespace RnnGen.Tests.Generated;

// Used by this test only, so their kernels are compiled while it listens (the first call of an AggressiveOptimization method).
[Lstm(input: 8, hidden: 32)] public partial class InliningProbeLstm8x32;
[Gru(input: 8, hidden: 32)] public partial class InliningProbeGru8x32;
[Lstm(input: 64, hidden: 128)] public partial class InliningProbeLstm64x128;
[Gru(input: 64, hidden: 128)] public partial class InliningProbeGru64x128;
[Gru(input: 13, hidden: 40, Layers = 2, Bidirectional = true), Dense(input: 80, output: 3)] public partial class InliningProbeGru13x40L2BiHead;
[Lstm(input: 12, hidden: 40, ProjectionSize = 16, Layers = 2)] public partial class InliningProbeLstm12x40P16L2;
[Gru(input: 16, hidden: 64, ResetAfter = false)] public partial class InliningProbeGruRb16x64;

/// <summary>
/// Every helper a generated kernel asks to have inlined (<see cref="MethodImplOptions.AggressiveInlining"/>: the loads,
/// stores and multiply-adds, the activations, the row products) is inlined on the path this process runs, as the JIT
/// reports it (the runtime's MethodJitInliningFailed events, read in process). The JIT may refuse even those: a method
/// past its limits (too many locals, the inlining budget) keeps them as calls. A cell step rewritten to take two vectors
/// of units per pass was measured at 2–7× its time that way (LSTM (8,32): 165–182 → 903–1,303 ns; the JIT said "too many
/// locals" for Sigmoid, Store and FlushTiny), so a kernel near those limits fails here instead of in a benchmark.
/// </summary>
public sealed class KernelInliningTests
{
    private const int Steps = 40;

    /// <summary>The start of every probe's name, so their methods can be told from the rest of the process's.</summary>
    private const string Probe = "InliningProbe";

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    [Fact]
    public void GeneratedKernelsInlineEveryHelperTheyAskFor()
    {
        using var listener = new InliningFailures();
        listener.Mark(Marker.First);
        foreach (IRecurrentModel<float> model in Probes())
        {
            Exercise(model);
        }

        listener.Mark(Marker.Last);
        var refused = listener.Failures
            .Where(f => f.Root.Contains(Probe, StringComparison.Ordinal) && OnTheHotPath(f.InlineeType) && AsksToBeInlined(f.InlineeType, f.InlineeName))
            .Select(f => $"{f.Root}: {f.InlineeType}.{f.InlineeName} ({f.Reason})")
            .Distinct()
            .ToList();
        Assert.True(refused.Count == 0, $"Kept as calls:\n{string.Join("\n", refused)}");
        Assert.True(listener.ProbeEvents > 0, "No inlining event of the probes' methods arrived while listening.");
    }

    /// <summary>
    /// The same property where no CI run reaches (ARM64's paths among them), checked statically: the kernels' helpers come
    /// as one overload per vector width, and within each set either every overload asks to be inlined or none does. The
    /// Vector128 ExpParts, the one overload without the mark, was found by the test above.
    /// </summary>
    [Fact]
    public void HelperOverloadsAllAskToBeInlinedOrNoneDoes()
    {
        var helpers = typeof(RnnGen.Generated.KernelBase).Assembly.GetTypes()
            .Where(t => t == typeof(RnnGen.Generated.KernelBase) || t.Namespace == "RnnGen.Simd");
        var mixed = helpers
            .SelectMany(t => t.GetMethods(Declared).GroupBy(m => m.Name).Select(set => (Type: t, Set: set.ToList())))
            .Where(x => x.Set.Select(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveInlining) != 0).Distinct().Count() > 1)
            .Select(x => $"{x.Type.FullName}.{x.Set[0].Name}")
            .ToList();
        Assert.True(helpers.Any(t => t.Name == "Activations"), "The helpers were not found.");
        Assert.True(mixed.Count == 0, $"Overload sets with and without AggressiveInlining: {string.Join(", ", mixed)}");
    }

    private static IEnumerable<IRecurrentModel<float>> Probes()
    {
        var random = new Random(1);
        yield return new InliningProbeLstm8x32(random);
        yield return new InliningProbeGru8x32(random);
        yield return new InliningProbeLstm64x128(random);
        yield return new InliningProbeGru64x128(random);
        yield return new InliningProbeGru13x40L2BiHead(random);
        yield return new InliningProbeLstm12x40P16L2(random);
        yield return new InliningProbeGruRb16x64(random);
    }

    private static IEnumerable<IFrozenModel<float>> Snapshots(IRecurrentModel<float> model) => model switch
    {
        InliningProbeLstm8x32 m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        InliningProbeGru8x32 m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        InliningProbeLstm64x128 m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        InliningProbeGru64x128 m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        InliningProbeGru13x40L2BiHead m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        InliningProbeLstm12x40P16L2 m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        InliningProbeGruRb16x64 m => [m.Freeze(), m.Freeze(WeightPrecision.BFloat16)],
        _ => throw new ArgumentException($"Not a probe: {model.GetType().Name}", nameof(model)),
    };

    /// <summary>Every pass of the model and its snapshots, one stream and a batch of three: each kernel runs once.</summary>
    private static void Exercise(IRecurrentModel<float> model)
    {
        const int Batch = 3;
        var random = new Random(2);
        float[] Values(int length) => [.. Enumerable.Range(0, length).Select(_ => random.NextSingle() - 0.5f)];
        float[] inputs = Values(Steps * Batch * model.InputSize), outputs = new float[Steps * Batch * model.OutputSize];
        float[] states = new float[Batch * model.StateSize], output = new float[Batch * model.OutputSize];
        Span<float> state = states.AsSpan(0, model.StateSize);
        ReadOnlySpan<float> sequence = inputs.AsSpan(0, Steps * model.InputSize);
        Span<float> sequenceOutputs = outputs.AsSpan(0, Steps * model.OutputSize);

        if (model is IStreamingModel<float> streaming)
        {
            streaming.Step(sequence[..model.InputSize], state, output.AsSpan(0, model.OutputSize));
            streaming.StepBatch(inputs.AsSpan(0, Batch * model.InputSize), states, output);
            streaming.Forward(sequence, sequenceOutputs, state);
            streaming.ForwardBatch(inputs, outputs, states);
        }

        model.Forward(sequence, sequenceOutputs, state, model.CreateWorkspace(Steps));
        model.ForwardBatch(inputs, outputs, states, model.CreateWorkspace(Steps, Batch));
        Tape<float> tape = model.CreateTape(Steps);
        model.Forward(sequence, sequenceOutputs, state, tape);
        model.Backward(tape, Values(Steps * model.OutputSize), new float[model.StateSize], new float[Steps * model.InputSize], new float[model.ParameterCount]);
        Tape<float> batchTape = model.CreateTape(Steps, Batch);
        model.ForwardBatch(inputs, outputs, states, batchTape);
        model.BackwardBatch(batchTape, Values(Steps * Batch * model.OutputSize), new float[Batch * model.StateSize], new float[Steps * Batch * model.InputSize], new float[model.ParameterCount]);

        foreach (IFrozenModel<float> frozen in Snapshots(model))
        {
            if (frozen is IFrozenStreamingModel<float> frozenStreaming)
            {
                frozenStreaming.Step(sequence[..model.InputSize], state, output.AsSpan(0, model.OutputSize));
                frozenStreaming.StepBatch(inputs.AsSpan(0, Batch * model.InputSize), states, output);
                frozenStreaming.Forward(sequence, sequenceOutputs, state);
                frozenStreaming.ForwardBatch(inputs, outputs, states);
            }

            frozen.Forward(sequence, sequenceOutputs, state, frozen.CreateWorkspace(Steps));
            frozen.ForwardBatch(inputs, outputs, states, frozen.CreateWorkspace(Steps, Batch));
        }
    }

    /// <summary>
    /// RnnGen's own helpers, the generated types' and the vector intrinsics: not the BCL's number formatting, which the
    /// argument checks' message strings bring into a public method's never-taken throw branch.
    /// </summary>
    private static bool OnTheHotPath(string type) =>
        type.StartsWith("RnnGen.", StringComparison.Ordinal) || type.StartsWith("System.Runtime.Intrinsics.", StringComparison.Ordinal)
        || type.Contains(Probe, StringComparison.Ordinal);

    /// <summary>
    /// Whether the method <paramref name="name"/> of the type the JIT names <paramref name="type"/> is marked AggressiveInlining,
    /// in any overload: the helpers come as one overload per vector width, and one without the mark is a finding too (the
    /// Vector128 ExpParts was one).
    /// </summary>
    private static bool AsksToBeInlined(string type, string name)
    {
        int generic = type.IndexOf('[', StringComparison.Ordinal);
        string definition = generic < 0 ? type : type[..generic];
        foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetType(definition) is Type found)
            {
                return found.GetMethods(Declared).Concat<MethodBase>(found.GetConstructors(Declared))
                    .Any(m => m.Name == name && (m.MethodImplementationFlags & MethodImplAttributes.AggressiveInlining) != 0);
            }
        }

        return false;
    }

    private enum Marker
    {
        First,
        Last,
    }

    private sealed record Failure(string Root, string InlineeType, string InlineeName, string Reason);

    /// <summary>
    /// The runtime's inlining failures from its JIT tracing events. Events arrive on a dispatcher thread some time after
    /// the compilation: <see cref="Mark"/> compiles a method whose one call the JIT must refuse (a NoInlining callee) and
    /// waits for that refusal, so every event of the calling thread before it has arrived.
    /// </summary>
    private sealed class InliningFailures : EventListener
    {
        private const EventKeywords JitTracing = (EventKeywords)0x1000;
        private readonly List<Failure> _failures = [];
        private readonly HashSet<string> _marks = [];

        public IReadOnlyList<Failure> Failures
        {
            get
            {
                lock (_failures)
                {
                    return [.. _failures];
                }
            }
        }

        /// <summary>
        /// Refusals reported while compiling the probes' methods, allowed ones included (a kernel's dispatcher never inlines
        /// its bodies): none at all would mean the events did not flow, not that everything was inlined.
        /// </summary>
        public int ProbeEvents => Failures.Count(f => f.Root.Contains(Probe, StringComparison.Ordinal));

        public void Mark(Marker marker)
        {
            string name = marker == Marker.First ? nameof(FirstMark) : nameof(LastMark);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            _ = marker == Marker.First ? FirstMark() : LastMark();

            while (true)
            {
                lock (_failures)
                {
                    if (_marks.Contains(name))
                    {
                        return;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline, $"The JIT's inlining events did not arrive ({name}).");
                Thread.Sleep(20);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, JitTracing);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("MethodJitInliningFailed", StringComparison.Ordinal) != true || eventData.PayloadNames is null || eventData.Payload is null)
            {
                return;
            }

            string Field(string name)
            {
                int at = eventData.PayloadNames.IndexOf(name);
                return at < 0 ? "" : eventData.Payload[at]?.ToString() ?? "";
            }

            var failure = new Failure(
                $"{Field("MethodBeingCompiledNamespace")}.{Field("MethodBeingCompiledName")}", Field("InlineeNamespace"), Field("InlineeName"), Field("FailReason"));
            lock (_failures)
            {
                _failures.Add(failure);
                if (failure.InlineeName == nameof(Refused) && failure.Root.EndsWith("Mark", StringComparison.Ordinal))
                {
                    _marks.Add(Field("MethodBeingCompiledName"));
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static int FirstMark() => Refused() + 1;

        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        private static int LastMark() => Refused() + 2;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Refused() => Environment.ProcessorCount;
    }
}
