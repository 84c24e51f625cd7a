using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Xunit;
using Xunit.Abstractions;
using static RnnGen.Tests.Infrastructure.ContractHelpers;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// The <see cref="IRecurrentCell{T}"/> contract, written once for every implementation and element type. Each check
/// takes a cell (the tests build theirs from <c>new Random(1)</c>, or seed 1) and the number of steps a sequence has,
/// and draws its data from <c>new Random(2)</c>. Called by thin theories: <see cref="Generated.GeneratedContractTests"/>
/// and <see cref="Generated.ZeroAllocationTests"/> for generated float cells, <see cref="ReferenceContractTests"/>
/// for the reference cells.
/// </summary>
internal static class CellContract
{
    // ---- Forward, Step and the tape ----

    public static void ForwardEqualsOneStepPerTimeStep<T>(IRecurrentCell<T> cell, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int input = cell.InputSize, hidden = cell.HiddenSize;
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, steps * input, 1.5), initial = Uniform<T>(random, cell.StateSize, 1.5);

        var outputs = new T[steps * hidden];
        var state = (T[])initial.Clone();
        cell.Forward(inputs, outputs, state);

        var stepOutputs = new T[steps * hidden];
        var stepState = (T[])initial.Clone();
        for (int t = 0; t < steps; t++)
        {
            cell.Step(inputs.AsSpan(t * input, input), stepState);
            stepState.AsSpan(0, hidden).CopyTo(stepOutputs.AsSpan(t * hidden));
        }

        // Forward hoists the input projection out of the steps: the float-rounding rule, not bit for bit.
        AssertWithinRounding<T>(stepOutputs, outputs, "outputs");
        AssertWithinRounding<T>(stepState, state, "final state");
        Assert.Contains(outputs, v => v != T.Zero);
    }

    /// <summary>Every element within <see cref="Models.SequenceTolerance"/> × max(1, |expected|).</summary>
    private static void AssertWithinRounding<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), error = Math.Abs(double.CreateChecked(actual[i]) - e);
            Assert.True(error <= Models.SequenceTolerance * Math.Max(1, Math.Abs(e)), $"{what}: [{i}] is {actual[i]}, expected {e} (error {error:E2}).");
        }
    }

    public static void TapedForwardEqualsForwardAndRecordsTheSequence<T>(IRecurrentCell<T> cell, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int input = cell.InputSize, hidden = cell.HiddenSize, s = cell.StateSize;
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, steps * input, 1.5), initial = Uniform<T>(random, s, 1.5);

        var outputs = new T[steps * hidden];
        var state = (T[])initial.Clone();
        cell.Forward(inputs, outputs, state);

        // A roomier tape that already holds a longer, different sequence: the new record must replace it.
        var tape = cell.CreateTape(steps + 3);
        cell.Forward(Uniform<T>(random, (steps + 3) * input, 1.5), new T[(steps + 3) * hidden], Uniform<T>(random, s, 1.5), tape);

        var tapedOutputs = new T[steps * hidden];
        var tapedState = (T[])initial.Clone();
        cell.Forward(inputs, tapedOutputs, tapedState, tape);

        // The tape-taking Forward steps as Step does; the one without a tape hoists its input projection (rounding rule).
        AssertWithinRounding<T>(outputs, tapedOutputs, "outputs with a tape");
        AssertWithinRounding<T>(state, tapedState, "final state with a tape");
        Assert.Equal(steps, tape.Steps);
        AssertBitwiseEqual<T>(initial, tape.States(0, 0)[..s], "tape.States(0, 0)[..S], the initial state");
        AssertBitwiseEqual<T>(tapedState, tape.States(0, 0)[(steps * s)..], "tape's last state row");
        AssertBitwiseEqual<T>(inputs, tape.Inputs(0), "tape.Inputs(0)");
        for (int t = 0; t < steps; t++)
        {
            AssertBitwiseEqual<T>(tapedOutputs.AsSpan(t * hidden, hidden), tape.States(0, 0).Slice((t + 1) * s, hidden), $"tape h after step {t}");
        }
    }

    // ---- Backward ----

    /// <summary>
    /// Backward leaves the tape intact, gives the same gradients when called again, overwrites the state and input
    /// gradients and adds into the parameter gradients: two calls into one buffer are 2 × one call to within
    /// <paramref name="bound"/> of that tensor's largest entry (<see cref="Error.Relative"/>).
    /// </summary>
    public static void BackwardTwiceOnTheSameTapeRepeatsAndAccumulates<T>(IRecurrentCell<T> cell, int steps, double bound, ITestOutputHelper output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(2);
        var tape = Record(cell, random, steps);
        T[] outputGradients = Uniform<T>(random, steps * cell.HiddenSize, 1), finalStateGradient = Uniform<T>(random, cell.StateSize, 1);
        var recorded = new TapeSnapshot<T>(tape);

        var first = RunBackward(cell, tape, outputGradients, finalStateGradient, new T[cell.ParameterCount]);
        recorded.AssertUnchanged(tape);
        var second = RunBackward(cell, tape, outputGradients, finalStateGradient, new T[cell.ParameterCount]);
        AssertBitwiseEqual<T>(first.State, second.State, "state gradient, second call");
        AssertBitwiseEqual<T>(first.Inputs, second.Inputs, "input gradients, second call");
        AssertBitwiseEqual<T>(first.Parameters, second.Parameters, "parameter gradients, second call");

        // Into the same buffer the second call adds the same terms again: twice the first, up to rounding.
        T[] accumulated = (T[])first.Parameters.Clone();
        var third = RunBackward(cell, tape, outputGradients, finalStateGradient, accumulated);
        AssertBitwiseEqual<T>(first.State, third.State, "state gradient is overwritten, not accumulated");
        AssertBitwiseEqual<T>(first.Inputs, third.Inputs, "input gradients are overwritten, not accumulated");
        double[] doubled = Array.ConvertAll(FixtureRunner.Widen<T>(first.Parameters), p => 2.0 * p);
        double error = Error.Relative(FixtureRunner.Widen<T>(accumulated), doubled);
        output.WriteLine($"{cell.Kind} ({cell.InputSize},{cell.HiddenSize}): two accumulations vs 2 × one: {error:E2} of the largest entry");
        Assert.True(doubled.Max(Math.Abs) > 0, "all parameter gradients are zero: the comparison would say nothing");
        Error.AssertWithin(FixtureRunner.Widen<T>(accumulated), doubled, bound, "parameter gradients after two calls against 2 × one call");
        recorded.AssertUnchanged(tape);
    }

    public static void EmptyInputGradientsSkipOnlyThem<T>(IRecurrentCell<T> cell, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(2);
        var tape = Record(cell, random, steps);
        T[] outputGradients = Uniform<T>(random, steps * cell.HiddenSize, 1), finalStateGradient = Uniform<T>(random, cell.StateSize, 1);

        var full = RunBackward(cell, tape, outputGradients, finalStateGradient, new T[cell.ParameterCount]);

        // NaN in the buffer must not leak through: input gradients are overwritten.
        T[] dirty = new T[steps * cell.InputSize];
        dirty.AsSpan().Fill(T.NaN);
        cell.Backward(tape, outputGradients, (T[])finalStateGradient.Clone(), dirty, new T[cell.ParameterCount]);
        AssertBitwiseEqual<T>(full.Inputs, dirty, "input gradients written over NaN");

        T[] stateGradient = (T[])finalStateGradient.Clone();
        T[] parameterGradients = new T[cell.ParameterCount];
        cell.Backward(tape, outputGradients, stateGradient, Span<T>.Empty, parameterGradients);
        AssertBitwiseEqual<T>(full.State, stateGradient, "state gradient without input gradients");
        AssertBitwiseEqual<T>(full.Parameters, parameterGradients, "parameter gradients without input gradients");
        Assert.Contains(full.Inputs, v => v != T.Zero);
    }

    // ---- Argument checks: each throws and writes nothing ----

    public static void TapeOfAnotherShapeThrowsAndWritesNothing<T>(IRecurrentCell<T> cell, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CellKind kind = cell.Kind, other = kind == CellKind.Lstm ? CellKind.Gru : CellKind.Lstm;
        int input = cell.InputSize, hidden = cell.HiddenSize;
        var random = new Random(2);
        foreach (var (tapeKind, i, h) in new[] { (other, input, hidden), (kind, input + 1, hidden), (kind, input, hidden + 1) })
        {
            // A tape really recorded by a (reference) cell of its own shape, as a caller mixing up tapes would hold.
            var tape = Record(Create<T>(tapeKind, i, h, seed: 3), random, steps);
            var arrays = new CallArguments<T>(cell, steps, random);
            var untouched = new Untouched<T>(cell, arrays, tape);

            var forward = Assert.Throws<ArgumentException>(arrays.Call(cell, "ForwardTape", tape));
            Assert.Equal("tape", forward.ParamName);
            var backward = Assert.Throws<ArgumentException>(arrays.Call(cell, "Backward", tape));
            Assert.Equal("tape", backward.ParamName);

            untouched.AssertUnchanged();
        }
    }

    public static void TapeWithTooFewStepsThrowsAndWritesNothing<T>(IRecurrentCell<T> cell, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(2);
        var tape = Record(cell, random, steps - 1);
        var arrays = new CallArguments<T>(cell, steps, random);
        var untouched = new Untouched<T>(cell, arrays, tape);

        var ex = Assert.Throws<ArgumentException>(arrays.Call(cell, "ForwardTape", tape));
        Assert.Equal("tape", ex.ParamName);
        untouched.AssertUnchanged();
    }

    /// <summary>The span <paramref name="parameter"/> of <paramref name="method"/> (one of <see cref="CallArguments{T}.SpanParameters"/>) made <paramref name="delta"/> values too long.</summary>
    public static void WrongSpanLengthThrowsNamingTheParameterAndWritesNothing<T>(IRecurrentCell<T> cell, int steps, string method, string parameter, int delta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(2);
        var tape = Record(cell, random, steps);
        var arrays = new CallArguments<T>(cell, steps, random);
        int expected = arrays.Resize(parameter, delta, random);
        int actual = arrays[parameter].Length;
        var untouched = new Untouched<T>(cell, arrays, tape);

        var ex = Assert.Throws<ArgumentException>(arrays.Call(cell, method, tape));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Matches($@"\b{actual}\b", ex.Message);
        Assert.Matches($@"\b{expected}\b", ex.Message);
        untouched.AssertUnchanged();
    }

    // ---- Parameters ----

    /// <summary><paramref name="view"/> has <paramref name="length"/> values and starts at <c>Parameters[offset]</c> itself, not a copy.</summary>
    public static void AssertView<T>(IRecurrentCell<T> cell, Span<T> view, int offset, int length, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(length == view.Length, $"{name} has {view.Length} values, expected {length}");
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(view), ref cell.Parameters[offset]), $"{name} does not start at Parameters[{offset}]");
    }

    // ---- Allocation ----

    /// <summary>
    /// Nothing allocated on the hot paths: <paramref name="stepCalls"/> streaming Steps, a plain Forward, and a training
    /// pass (Forward with a tape, then Backward) over <paramref name="steps"/> steps. Measured exactly, in bytes, on
    /// the calling thread.
    /// </summary>
    public static void HotPathsAllocateNothing<T>(IRecurrentCell<T> cell, int steps, int stepCalls)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int input = cell.InputSize, hidden = cell.HiddenSize;
        var random = new Random(2);
        T[] inputs = Uniform<T>(random, steps * input, 1), state = Uniform<T>(random, cell.StateSize, 1);
        T[] outputs = new T[steps * hidden], outputGradients = Uniform<T>(random, steps * hidden, 1);
        T[] stateGradient = new T[cell.StateSize], inputGradients = new T[steps * input], parameterGradients = new T[cell.ParameterCount];
        var tape = cell.CreateTape(steps);

        // Warm-up, then rounds until the runtime's first-time work is behind us (SteadyState): what is measured is the steady state.
        long[] bytes = SteadyState.Allocations(Measure);
        (long step, long forward, long training) = (bytes[0], bytes[1], bytes[2]);

        Assert.True(step == 0, $"{stepCalls} Steps allocated {step} bytes");
        Assert.True(forward == 0, $"Forward over {steps} steps allocated {forward} bytes");
        Assert.True(training == 0, $"Forward with a tape and Backward over {steps} steps allocated {training} bytes");

        long[] Measure()
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < stepCalls; i++)
            {
                cell.Step(inputs.AsSpan(0, input), state);
            }

            long afterStep = GC.GetAllocatedBytesForCurrentThread();
            cell.Forward(inputs, outputs, state);
            long afterForward = GC.GetAllocatedBytesForCurrentThread();
            cell.Forward(inputs, outputs, state, tape);
            cell.Backward(tape, outputGradients, stateGradient, inputGradients, parameterGradients);
            long afterTraining = GC.GetAllocatedBytesForCurrentThread();
            return [afterStep - start, afterForward - afterStep, afterTraining - afterForward];
        }
    }

    /// <summary>What a call that throws must leave as it was: its arguments, the tape and the cell's parameters.</summary>
    private sealed class Untouched<T>(IRecurrentCell<T> cell, CallArguments<T> arrays, Tape<T> tape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly TapeSnapshot<T> _tape = new(tape);
        private readonly T[] _parameters = cell.Parameters.ToArray();

        public void AssertUnchanged()
        {
            arrays.AssertUnchanged();
            _tape.AssertUnchanged(tape);
            AssertBitwiseEqual<T>(_parameters, cell.Parameters, "parameters");
        }
    }
}
