using RnnGen.Reference;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Reference;

/// <summary>
/// Checks the reference Backward against central differences of the scalar
/// L = Σ outputs⊙R₁ + Σ finalState⊙R₂, with R₁ and R₂ fixed random weights, so every output
/// and every final-state entry (h and, for an LSTM, c) feeds the gradient.
/// </summary>
/// <remarks>
/// Criterion, per entry: |analytic − numeric| ≤ 1e-6 · max(1, |analytic|, |numeric|), i.e. a relative
/// error of at most 1e-6 that becomes an absolute one of 1e-6 for gradients below 1.
/// Step h = 1e-6: in double, rounding L (a sum of at most ~750 terms of size ≲ 1) costs about
/// ε·Σ|terms| ≲ 1e-13, i.e. ≲ 1e-7 after dividing by 2h, and truncation costs h²·|L'''|/6 ≈ 1e-13·|L'''|;
/// a larger h trades rounding for truncation, a smaller one the reverse. Measured worst errors are
/// ~6e-10 for the small cells and ~8e-9 for the large ones, far inside the tolerance, while a missing
/// or wrong term in Backward is off by about the size of that term (locally dropping σ′ from the LSTM
/// f gate, or r from the GRU's W_hn gradient, fails every case; see also
/// <see cref="DroppingTheFinalStateGradientIsCaught"/>).
/// </remarks>
public sealed class FiniteDifferenceTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-6;
    private const double Step = 1e-6;

    public static TheoryData<CellKind, double> Cases => new()
    {
        { CellKind.Lstm, 1.0 },
        { CellKind.Lstm, 3.0 },  // weights ×3: gates saturate, where sloppy σ′/tanh′ terms show
        { CellKind.Gru, 1.0 },
        { CellKind.Gru, 3.0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SmallCellEveryEntry(CellKind kind, double weightScale)
    {
        var problem = new Problem(kind, inputSize: 3, hiddenSize: 4, steps: 5, weightScale, seed: 11);
        var result = new GradientComparison(Tolerance);
        problem.CheckParameters(Enumerable.Range(0, problem.Cell.ParameterCount), result);
        problem.CheckInputs(Enumerable.Range(0, problem.Inputs.Length), result);
        problem.CheckInitialState(Enumerable.Range(0, problem.InitialState.Length), result);
        Report(result, $"{kind} I=3 H=4 T=5 weights×{weightScale}");
        Assert.Equal(problem.Cell.ParameterCount + problem.Inputs.Length + problem.Cell.StateSize, result.Checked);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LargeCellSampledEntries(CellKind kind, double weightScale)
    {
        var problem = new Problem(kind, inputSize: 16, hiddenSize: 24, steps: 30, weightScale, seed: 23);
        var cell = problem.Cell;
        int ih = cell.WeightIh.Length, hh = cell.WeightHh.Length, b = cell.BiasIh.Length;
        var random = new Random(29);

        // 200 parameters, 50 from each block, so the small bias blocks are not left to chance.
        var parameters = Sample(random, 0, ih, 50)
            .Concat(Sample(random, ih, hh, 50))
            .Concat(Sample(random, ih + hh, b, 50))
            .Concat(Sample(random, ih + hh + b, b, 50));
        var result = new GradientComparison(Tolerance);
        problem.CheckParameters(parameters, result);
        problem.CheckInputs(Sample(random, 0, problem.Inputs.Length, 100), result);
        problem.CheckInitialState(Enumerable.Range(0, problem.InitialState.Length), result);
        Report(result, $"{kind} I=16 H=24 T=30 weights×{weightScale}");
        Assert.Equal(200 + 100 + cell.StateSize, result.Checked);
    }

    // The harness must notice a gradient that ignores part of L: here R₂, the final-state term.
    [Theory]
    [MemberData(nameof(ReferenceTestCells.Kinds), MemberType = typeof(ReferenceTestCells))]
    public void DroppingTheFinalStateGradientIsCaught(CellKind kind)
    {
        var problem = new Problem(kind, inputSize: 3, hiddenSize: 4, steps: 5, weightScale: 1, seed: 11);
        var result = new GradientComparison(Tolerance);
        problem.CheckInitialState(Enumerable.Range(0, problem.InitialState.Length), result, dropFinalStateGradient: true);
        Assert.True(result.Failures.Count > 0, "a Backward without the final-state gradient passed the finite-difference check");
    }

    private void Report(GradientComparison result, string name)
    {
        output.WriteLine(result.Summary(name));
        result.AssertPassed(name);
    }

    /// <summary>count distinct indices from [start, start + length), drawn with a partial Fisher–Yates shuffle.</summary>
    private static IEnumerable<int> Sample(Random random, int start, int length, int count)
    {
        int[] indices = Enumerable.Range(start, length).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, indices.Length);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }

        return indices.Take(count);
    }


    private sealed class Problem
    {
        private readonly double[] _outputWeights;     // R₁, T·H
        private readonly double[] _stateWeights;      // R₂, S
        private readonly double[] _outputs;
        private readonly double[] _state;

        public Problem(CellKind kind, int inputSize, int hiddenSize, int steps, double weightScale, int seed)
        {
            Cell = ReferenceTestCells.Create<double>(kind, inputSize, hiddenSize, seed);
            foreach (ref double p in Cell.Parameters)
            {
                p *= weightScale;
            }

            var random = new Random(seed + 1);
            Inputs = ReferenceTestCells.Uniform<double>(random, steps * inputSize, 1.5);
            InitialState = ReferenceTestCells.Uniform<double>(random, Cell.StateSize, 1.5);
            _outputWeights = ReferenceTestCells.Uniform<double>(random, steps * hiddenSize, 1.0);
            _stateWeights = ReferenceTestCells.Uniform<double>(random, Cell.StateSize, 1.0);
            _outputs = new double[steps * hiddenSize];
            _state = new double[Cell.StateSize];
        }

        public ReferenceCell<double> Cell { get; }

        public double[] Inputs { get; }

        public double[] InitialState { get; }

        public void CheckParameters(IEnumerable<int> indices, GradientComparison result)
        {
            var (_, _, parameterGradients) = Analytic(dropFinalStateGradient: false);
            foreach (int k in indices)
            {
                result.Add($"parameter[{k}]", parameterGradients[k], Numeric(Cell.Parameters, k));
            }
        }

        public void CheckInputs(IEnumerable<int> indices, GradientComparison result)
        {
            var (inputGradients, _, _) = Analytic(dropFinalStateGradient: false);
            foreach (int k in indices)
            {
                result.Add($"input[{k}]", inputGradients[k], Numeric(Inputs, k));
            }
        }

        public void CheckInitialState(IEnumerable<int> indices, GradientComparison result, bool dropFinalStateGradient = false)
        {
            var (_, stateGradient, _) = Analytic(dropFinalStateGradient);
            foreach (int k in indices)
            {
                result.Add($"state[{k}]", stateGradient[k], Numeric(InitialState, k));
            }
        }

        private (double[] Inputs, double[] State, double[] Parameters) Analytic(bool dropFinalStateGradient)
        {
            var tape = Cell.CreateTape(Inputs.Length / Cell.InputSize);
            InitialState.CopyTo(_state, 0);
            Cell.Forward(Inputs, _outputs, _state, tape);

            // dL/d outputs = R₁ and dL/d final state = R₂.
            double[] stateGradient = dropFinalStateGradient ? new double[Cell.StateSize] : (double[])_stateWeights.Clone();
            var inputGradients = new double[Inputs.Length];
            var parameterGradients = new double[Cell.ParameterCount];
            Cell.Backward(tape, _outputWeights, stateGradient, inputGradients, parameterGradients);
            return (inputGradients, stateGradient, parameterGradients);
        }

        /// <summary>Central difference of L in <paramref name="values"/>[k].</summary>
        private double Numeric(Span<double> values, int k)
        {
            double original = values[k];
            double up = original + Step, down = original - Step;
            values[k] = up;
            double lossUp = Loss();
            values[k] = down;
            double lossDown = Loss();
            values[k] = original;

            // Divide by the step actually taken (up − down), not 2·Step: original ± Step is rounded.
            return (lossUp - lossDown) / (up - down);
        }

        private double Loss()
        {
            InitialState.CopyTo(_state, 0);
            Cell.Forward(Inputs, _outputs, _state);
            double loss = 0;
            for (int i = 0; i < _outputs.Length; i++)
            {
                loss += _outputs[i] * _outputWeights[i];
            }

            for (int i = 0; i < _state.Length; i++)
            {
                loss += _state[i] * _stateWeights[i];
            }

            return loss;
        }
    }
}
