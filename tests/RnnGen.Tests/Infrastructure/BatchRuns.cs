using System.Numerics;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// One minibatch for a whole model, in RnnGen's batch layout: inputs [T, B, I] (row t·B + b is step t of stream b),
/// initial states [B, S] (stream after stream), the upstream gradients of L = Σ outputs⊙R1 + Σ final_states⊙R2 as
/// [T, B, O] and [B, S], and optionally each stream's own length. All float32 values held as doubles, so float and
/// double models read the same numbers.
/// </summary>
internal sealed record BatchData(
    double[] Inputs, double[] InitialStates, double[] OutputGradients, double[] StateGradients, int Steps, int Batch, int[]? Lengths)
{
    public static BatchData Random(Random random, ModelShape shape, int steps, int batch, int[]? lengths = null)
    {
        double[] Draw(int n, double magnitude) => Enumerable.Range(0, n).Select(_ => (double)(float)(magnitude * (2 * random.NextDouble() - 1))).ToArray();
        return new BatchData(
            Draw(steps * batch * shape.InputSize, 1.5), Draw(batch * shape.StateSize, 0.8), Draw(steps * batch * shape.OutputSize, 1),
            Draw(batch * shape.StateSize, 1), steps, batch, lengths);
    }

    public static BatchData From(BatchFixture fixture) =>
        new(fixture.Inputs, fixture.InitialStates, fixture.OutputGradients, fixture.StateGradients, fixture.Steps, fixture.Batch, fixture.Lengths);

    /// <summary>Stream b's own length: <see cref="Steps"/> unless <see cref="Lengths"/> says otherwise.</summary>
    public int LengthOf(int b) => Lengths is null ? Steps : Lengths[b];

    /// <summary>The same data with every stream <see cref="Steps"/> long.</summary>
    public BatchData FullLength => this with { Lengths = null };

    /// <summary>
    /// Stream b alone, for its own length: its rows of the inputs and output gradients (steps 0..length − 1), its
    /// initial state and final-state gradient.
    /// </summary>
    public ModelData Stream(int b, ModelShape shape)
    {
        int length = LengthOf(b);
        return new ModelData(
            Rows(Inputs, b, shape.InputSize, length), Slice(InitialStates, b, shape.StateSize),
            Rows(OutputGradients, b, shape.OutputSize, length), Slice(StateGradients, b, shape.StateSize), length);
    }

    /// <summary>The tape-taking ForwardBatch from the initial states (with <see cref="Lengths"/> when given) into a fresh batch tape, then BackwardBatch; everything widened to double.</summary>
    public CellResults Run<T>(IRecurrentModel<T> model) where T : IFloatingPointIeee754<T> => Run(model, model.CreateTape(Steps, Batch));

    /// <inheritdoc cref="Run{T}(IRecurrentModel{T})"/>
    public CellResults Run<T>(IRecurrentModel<T> model, Tape<T> tape) where T : IFloatingPointIeee754<T>
    {
        (T[] outputs, T[] states) = Record(model, tape);
        (T[] stateGradients, T[] inputGradients, T[] parameterGradients) = Differentiate(model, tape);
        return new CellResults(
            FixtureRunner.Widen<T>(outputs), FixtureRunner.Widen<T>(states), FixtureRunner.Widen<T>(parameterGradients),
            FixtureRunner.Widen<T>(inputGradients), FixtureRunner.Widen<T>(stateGradients));
    }

    /// <summary>The tape-taking ForwardBatch: outputs [T, B, O] and the final states [B, S].</summary>
    public (T[] Outputs, T[] States) Record<T>(IRecurrentModel<T> model, Tape<T> tape) where T : IFloatingPointIeee754<T>
    {
        T[] outputs = new T[Steps * Batch * model.OutputSize], states = FixtureRunner.Convert<T>(InitialStates);
        model.ForwardBatch(FixtureRunner.Convert<T>(Inputs), outputs, states, tape, Lengths);
        return (outputs, states);
    }

    /// <summary>BackwardBatch: dL/d initial states [B, S], dL/d inputs [T, B, I], dL/d parameters (into zeros).</summary>
    public (T[] States, T[] Inputs, T[] Parameters) Differentiate<T>(IRecurrentModel<T> model, Tape<T> tape) where T : IFloatingPointIeee754<T>
    {
        T[] stateGradients = FixtureRunner.Convert<T>(StateGradients), inputGradients = new T[Steps * Batch * model.InputSize];
        T[] parameterGradients = new T[model.ParameterCount];
        model.BackwardBatch(tape, FixtureRunner.Convert<T>(OutputGradients), stateGradients, inputGradients, parameterGradients);
        return (stateGradients, inputGradients, parameterGradients);
    }

    /// <summary>Inference ForwardBatch through a workspace of exactly T steps and B streams.</summary>
    public (float[] Outputs, float[] States) Infer(IRecurrentModel<float> model) => Infer(model, model.CreateWorkspace(Steps, Batch));

    /// <inheritdoc cref="Infer(IRecurrentModel{float})"/>
    public (float[] Outputs, float[] States) Infer(IRecurrentModel<float> model, Workspace<float> workspace)
    {
        float[] outputs = new float[Steps * Batch * model.OutputSize], states = FixtureRunner.Convert<float>(InitialStates);
        model.ForwardBatch(FixtureRunner.Convert<float>(Inputs), outputs, states, workspace);
        return (outputs, states);
    }

    /// <summary>The streaming ForwardBatch (no workspace).</summary>
    public (float[] Outputs, float[] States) Stream(IStreamingModel<float> model)
    {
        float[] outputs = new float[Steps * Batch * model.OutputSize], states = FixtureRunner.Convert<float>(InitialStates);
        model.ForwardBatch(FixtureRunner.Convert<float>(Inputs), outputs, states);
        return (outputs, states);
    }

    /// <summary>One StepBatch per time step.</summary>
    public (float[] Outputs, float[] States) StepByStep(IStreamingModel<float> model)
    {
        int rows = Batch * model.InputSize, outputRows = Batch * model.OutputSize;
        float[] inputs = FixtureRunner.Convert<float>(Inputs), outputs = new float[Steps * outputRows], states = FixtureRunner.Convert<float>(InitialStates);
        for (int t = 0; t < Steps; t++)
        {
            model.StepBatch(inputs.AsSpan(t * rows, rows), states, outputs.AsSpan(t * outputRows, outputRows));
        }

        return (outputs, states);
    }

    /// <summary>The frozen snapshot's ForwardBatch through a workspace.</summary>
    public (float[] Outputs, float[] States) Infer(IFrozenModel<float> frozen)
    {
        float[] outputs = new float[Steps * Batch * frozen.OutputSize], states = FixtureRunner.Convert<float>(InitialStates);
        frozen.ForwardBatch(FixtureRunner.Convert<float>(Inputs), outputs, states, frozen.CreateWorkspace(Steps, Batch));
        return (outputs, states);
    }

    /// <summary>The frozen snapshot's streaming ForwardBatch.</summary>
    public (float[] Outputs, float[] States) Stream(IFrozenStreamingModel<float> frozen)
    {
        float[] outputs = new float[Steps * Batch * frozen.OutputSize], states = FixtureRunner.Convert<float>(InitialStates);
        frozen.ForwardBatch(FixtureRunner.Convert<float>(Inputs), outputs, states);
        return (outputs, states);
    }

    /// <summary>One frozen StepBatch per time step.</summary>
    public (float[] Outputs, float[] States) StepByStep(IFrozenStreamingModel<float> frozen)
    {
        int rows = Batch * frozen.InputSize, outputRows = Batch * frozen.OutputSize;
        float[] inputs = FixtureRunner.Convert<float>(Inputs), outputs = new float[Steps * outputRows], states = FixtureRunner.Convert<float>(InitialStates);
        for (int t = 0; t < Steps; t++)
        {
            frozen.StepBatch(inputs.AsSpan(t * rows, rows), states, outputs.AsSpan(t * outputRows, outputRows));
        }

        return (outputs, states);
    }

    /// <summary>Stream b's rows (t·B + b) of a [T, B, width] tensor, for its first <paramref name="length"/> steps.</summary>
    public double[] Rows(double[] values, int b, int width, int length)
    {
        var rows = new double[length * width];
        for (int t = 0; t < length; t++)
        {
            Array.Copy(values, (t * Batch + b) * width, rows, t * width, width);
        }

        return rows;
    }

    private static double[] Slice(double[] values, int b, int width) => values.AsSpan(b * width, width).ToArray();
}

/// <summary>Interleaving helpers of the batch tests: B single-stream tensors as one [T, B, *] tensor and back.</summary>
internal static class Batches
{
    /// <summary>Stream b's rows of a [T, B, width] tensor (all T steps).</summary>
    public static T[] Rows<T>(ReadOnlySpan<T> values, int batch, int b, int width)
    {
        int steps = values.Length / (batch * width);
        var rows = new T[steps * width];
        for (int t = 0; t < steps; t++)
        {
            values.Slice((t * batch + b) * width, width).CopyTo(rows.AsSpan(t * width, width));
        }

        return rows;
    }

    /// <summary>Writes stream b's <paramref name="rows"/> (its first rows.Length / width steps) into a [T, B, width] tensor.</summary>
    public static void SetRows<T>(Span<T> values, int batch, int b, int width, ReadOnlySpan<T> rows)
    {
        for (int t = 0; t < rows.Length / width; t++)
        {
            rows.Slice(t * width, width).CopyTo(values.Slice((t * batch + b) * width, width));
        }
    }

    /// <summary>Largest |a − e| ÷ max(1, |e|) over two float arrays (0 when they hold the same values).</summary>
    public static double Worst(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]) / Math.Max(1, Math.Abs((double)expected[i]));
            worst = double.IsNaN(error) ? double.NaN : Math.Max(worst, error);
        }

        return worst;
    }

    /// <summary>Whether two float arrays hold the same bits.</summary>
    public static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        a.Length == b.Length && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
}

/// <summary>
/// The generated models and cells the batch tests sweep, by name: a model class of <see cref="GeneratedModels"/>, or
/// "cell Lstm 7 13" for a cell of <see cref="GeneratedCells"/> (kind, input, hidden).
/// </summary>
internal static class BatchSubjects
{
    /// <summary>A new model or cell called <paramref name="name"/>.</summary>
    public static IRecurrentModel<float> Create(string name, Random? random = null)
    {
        if (!name.StartsWith("cell ", StringComparison.Ordinal))
        {
            return GeneratedModels.Create(name, random);
        }

        string[] parts = name.Split(' ');
        return GeneratedCells.Create(
            Enum.Parse<CellKind>(parts[1]), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture), random);
    }

    /// <summary>The generated <c>Freeze()</c> of a model or cell.</summary>
    public static IFrozenModel<float> Freeze(IRecurrentModel<float> model) =>
        model is IRecurrentCell<float> cell ? GeneratedCells.Freeze(cell) : GeneratedModels.Freeze(model);

    /// <summary>
    /// Whether the tape-taking ForwardBatch of B streams runs on packed weights (the generated runner packs each layer once
    /// per pass for B &gt; 1 on the Vector256 path when H is a multiple of 8 and there is no projection, as
    /// ModelLayout.PacksForBatch says; never for the reset-before GRU, which has no packed kernel), and so sums in another
    /// order than the single-stream Forward: then its outputs and states equal B single-stream passes to float rounding,
    /// not bit for bit.
    /// </summary>
    public static bool TrainingBatchPacks(ModelShape shape, int batch) =>
        batch > 1 && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && shape.HiddenSize % 8 == 0 && shape.ProjectionSize == 0 && shape.ResetAfter;

    /// <summary>
    /// Whether the tape-taking Forward of one stream hoists some layer-direction's input projection (ModelRunner: from
    /// 64 Ki floats of W_ih + W_hh, 96 Ki on Vector512), and so sums in another order than a batch of B &gt; 1, which steps without hoisting.
    /// </summary>
    public static bool SingleStreamTapeHoists(ModelShape shape)
    {
        int recurrent = shape.ProjectionSize > 0 ? shape.ProjectionSize : shape.HiddenSize;
        return Hoisting.Hoists(shape.Kind, shape.InputSize, recurrent, shape.HiddenSize)
            || (shape.Layers > 1 && Hoisting.Hoists(shape.Kind, shape.Directions * recurrent, recurrent, shape.HiddenSize));
    }

    /// <summary>Relative bound on a packed or hoisted training pass against the same values computed otherwise.</summary>
    public const float PackedTrainingTolerance = 1e-5f;

    /// <summary>Bit for bit, unless <paramref name="reordered"/>: then within <see cref="PackedTrainingTolerance"/>.</summary>
    public static void AssertSameOrRounded(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, bool reordered, string what)
    {
        if (reordered)
        {
            Models.AssertClose(expected, actual, PackedTrainingTolerance, what + " (a packed batched step or a hoisted single stream: sums in another order)");
        }
        else
        {
            Models.AssertBitwise(expected, actual, what);
        }
    }

    /// <summary>
    /// Whether the frozen batched step of this shape sums in another order than B single-stream frozen steps. The batched
    /// step is one frozen step per stream except where the packed batched kernel runs (FrozenEmitter: the Vector256 path,
    /// H a multiple of 8, not projected, not a reset-before GRU); that kernel (either body, Vector256 or Vector512) adds the columns one after another into one set of accumulators, as
    /// the single-stream packed step does only when it has 8 accumulators per tile (an LSTM with tiles of 16 units, H a
    /// multiple of 16). A GRU's or an 8-unit tile's single step alternates two sets of column sums: another order.
    /// </summary>
    public static bool FrozenBatchReorders(ModelShape shape) =>
        System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && shape.HiddenSize % 8 == 0 && shape.ProjectionSize == 0 && shape.ResetAfter
        && (shape.Kind == CellKind.Gru || shape.HiddenSize % 16 != 0);
}
