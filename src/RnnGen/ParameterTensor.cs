namespace RnnGen;

/// <summary>One parameter tensor of a model: its state_dict name, its shape, and where it lies in the flat parameters.</summary>
public sealed class ParameterTensor
{
    private readonly int[] _shape;

    internal ParameterTensor(string name, int[] shape, int offset)
    {
        Name = name;
        _shape = shape;
        Offset = offset;
        Length = shape.Aggregate(1, (a, b) => a * b);
    }

    /// <summary>The name, e.g. <c>rnn.weight_ih_l0</c> or <c>head.bias</c>.</summary>
    public string Name { get; }

    /// <summary>The shape, as PyTorch reports it.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>Where the tensor's first value is in the parameters.</summary>
    public int Offset { get; }

    /// <summary>Values in the tensor.</summary>
    public int Length { get; }

    internal int[] ShapeArray => _shape;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join(", ", _shape)}] at {Offset}";
}
