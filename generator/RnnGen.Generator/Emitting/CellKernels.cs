using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// What differs between cell kinds: the buffer sizes of one step and the bodies of the three kernels, each
/// rendered once per instruction path. Parameters of the kernels (all <c>ref float</c>, lengths checked by the caller):
/// <list type="bullet">
/// <item>Step: w (parameters), x, previous (state before), next (state after, distinct from previous), activations (what the tape records).</item>
/// <item>BackwardStep: w, previous, activations, dNext (dL/d state after), dOut (dL/d output), da (this step's pre-activation gradients), dPrev (dL/d state before, plus scratch), dx, computeDx.</item>
/// <item>ParameterGradients: dp (parameter gradients), da (all steps), inputs, states, steps.</item>
/// </list>
/// </summary>
internal abstract class CellKernels(CellSpec spec)
{
    public CellSpec Spec { get; } = spec;

    public int Hidden => Spec.Hidden;

    /// <summary>Values the tape records per step (matches RnnGen.CellShape.ActivationsPerStep).</summary>
    public abstract int ActivationsPerStep { get; }

    /// <summary>Pre-activation gradients kept per step (matches RnnGen.CellShape.GradientsPerStep).</summary>
    public abstract int GradientsPerStep { get; }

    /// <summary>Floats one backward step needs: dL/d previous state first, then any scratch.</summary>
    public abstract int BackwardScratch { get; }

    /// <summary>A sentence on what the tape's activations hold, for the generated comments.</summary>
    public abstract string ActivationsLayout { get; }

    /// <summary>The row-product helpers the step calls, for one width.</summary>
    public abstract void EmitStepHelpers(SourceWriter w, Width width);

    public abstract void EmitStep(SourceWriter w, Width width);

    /// <summary>
    /// The gate equations of units j… from their pre-activations (LSTM ai, af, ag, ao; GRU ar, az, anx, anh), writing
    /// the new state into next and, with <paramref name="record"/>, what the tape keeps into activations. An LSTM reads
    /// its cell state c from <paramref name="cell"/> (a frozen step updates c in place and copies only h).
    /// </summary>
    public abstract void EmitStateUpdate(SourceWriter w, Width u, bool record, string cell = "previous");

    /// <summary>Declarations the backward step needs before its body, if any.</summary>
    public virtual string? BackwardPrelude => null;

    public abstract void EmitBackwardStep(SourceWriter w, Width width);

    public abstract void EmitParameterGradients(SourceWriter w, Width width);

    public static CellKernels For(CellSpec spec) => spec.Kind == CellKind.Lstm ? new LstmKernels(spec) : new GruKernels(spec);

    /// <summary>W_ih·x: the input-side product.</summary>
    protected ProductSource InputProduct => new("WeightIhOffset", Spec.Input, "InputSize", "x", "xTail", "wx");

    /// <summary>W_hh·h, h being the first H values of the previous state.</summary>
    protected ProductSource HiddenProduct => new("WeightHhOffset", Spec.Hidden, "HiddenSize", "previous", "hTail", "wh");
}
