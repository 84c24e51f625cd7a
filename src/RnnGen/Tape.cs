using System.Numerics;
using RnnGen.Simd;

namespace RnnGen;

/// <summary>
/// What a forward pass records for backpropagation through time, in flat preallocated buffers sized for
/// one cell shape and up to <see cref="MaxSteps"/> steps. Create it with the cell's <c>CreateTape</c>;
/// reuse it for every sequence. A tape fits every cell of the same kind and sizes (generated or reference).
/// </summary>
/// <remarks>
/// Layout, per recorded step t (row-major): <see cref="Inputs"/> row t holds x_t; <see cref="States"/>
/// row t holds the state before step t (row 0 is a copy of the initial state, row t + 1 the state after
/// step t); <see cref="Activations"/> row t holds the values named by
/// <see cref="CellShape.ActivationsPerStep"/>. <see cref="GradientScratch"/> belongs to the backward pass.
/// </remarks>
/// <typeparam name="T">The cell's floating-point type.</typeparam>
public sealed class Tape<T> where T : IFloatingPointIeee754<T>
{
    // Each buffer is used from its first cache-line boundary, the matching start field (CacheAligned).
    private readonly T[] _inputs, _states, _activations, _gradientScratch;
    private readonly int _inputsStart, _statesStart, _activationsStart, _gradientScratchStart;

    /// <summary>Allocates a tape for a cell of the given kind and sizes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or the buffers would be too large.</exception>
    public Tape(CellKind kind, int inputSize, int hiddenSize, int maxSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        MaxSteps = maxSteps;
        StateSize = CellShape.StateSize(kind, hiddenSize);
        ActivationsPerStep = CellShape.ActivationsPerStep(kind, hiddenSize);
        GradientsPerStep = CellShape.GradientsPerStep(kind, hiddenSize);
        _inputs = CacheAligned.Allocate<T>(Length(maxSteps, inputSize), out _inputsStart);
        _states = CacheAligned.Allocate<T>(Length(maxSteps + 1L, StateSize), out _statesStart);
        _activations = CacheAligned.Allocate<T>(Length(maxSteps, ActivationsPerStep), out _activationsStart);
        _gradientScratch = CacheAligned.Allocate<T>(Length(maxSteps, GradientsPerStep), out _gradientScratchStart);
    }

    /// <summary>The kind of cell this tape records.</summary>
    public CellKind Kind { get; }

    /// <summary>Features per step (I) of the cell this tape records.</summary>
    public int InputSize { get; }

    /// <summary>Hidden units (H) of the cell this tape records.</summary>
    public int HiddenSize { get; }

    /// <summary>State values (S) per step.</summary>
    public int StateSize { get; }

    /// <summary>Recorded activation values per step.</summary>
    public int ActivationsPerStep { get; }

    /// <summary>Backward-pass scratch values per step.</summary>
    public int GradientsPerStep { get; }

    /// <summary>The longest sequence this tape can record.</summary>
    public int MaxSteps { get; }

    /// <summary>Steps recorded by the last forward pass (0 for a new tape).</summary>
    public int Steps { get; private set; }

    /// <summary>The recorded inputs, Steps·I values.</summary>
    public Span<T> Inputs => _inputs.AsSpan(_inputsStart, Steps * InputSize);

    /// <summary>The recorded states, (Steps + 1)·S values: the initial state, then the state after each step.</summary>
    public Span<T> States => _states.AsSpan(_statesStart, (Steps + 1) * StateSize);

    /// <summary>The recorded activations, Steps·<see cref="ActivationsPerStep"/> values.</summary>
    public Span<T> Activations => _activations.AsSpan(_activationsStart, Steps * ActivationsPerStep);

    /// <summary>Scratch the backward pass overwrites (pre-activation gradients of every step); not part of the record.</summary>
    public Span<T> GradientScratch => _gradientScratch.AsSpan(_gradientScratchStart, Steps * GradientsPerStep);

    /// <summary>Throws unless this tape was made for a cell of this kind and these sizes.</summary>
    /// <exception cref="ArgumentException">The tape belongs to another shape.</exception>
    public void EnsureFits(CellKind kind, int inputSize, int hiddenSize, string paramName)
    {
        if (kind != Kind || inputSize != InputSize || hiddenSize != HiddenSize)
        {
            throw new ArgumentException(
                $"The tape was created for a {Kind} cell (input {InputSize}, hidden {HiddenSize}), not for a {kind} cell (input {inputSize}, hidden {hiddenSize}).",
                paramName);
        }
    }

    /// <summary>Throws unless <paramref name="steps"/> fit in this tape.</summary>
    /// <exception cref="ArgumentException">More steps than <see cref="MaxSteps"/>.</exception>
    public void EnsureCapacity(int steps, string paramName)
    {
        if (steps > MaxSteps)
        {
            throw new ArgumentException($"The sequence has {steps} steps but the tape holds at most {MaxSteps}; create it with CreateTape({steps}) or more.", paramName);
        }
    }

    /// <summary>Starts a new record of <paramref name="steps"/> steps (call <see cref="EnsureCapacity"/> first).</summary>
    public void BeginRecording(int steps)
    {
        EnsureCapacity(steps, nameof(steps));
        Steps = steps;
    }

    private static int Length(long rows, int width)
    {
        long length = rows * width;
        return length <= Array.MaxLength
            ? (int)length
            : throw new ArgumentOutOfRangeException(nameof(rows), $"A tape of {rows} rows of {width} values exceeds the largest array .NET allows.");
    }
}
