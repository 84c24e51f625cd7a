// Compiled into the generator too, with ModelLayout.cs (see there): keep it netstandard2.0-clean.

namespace RnnGen.Layout;

/// <summary>One parameter tensor of a model: its state_dict name, shape, and where it sits in the flat parameters.</summary>
internal sealed class TensorSlot
{
    public TensorSlot(string name, int[] shape, int offset)
    {
        Name = name;
        Shape = shape;
        Offset = offset;
        int length = 1;
        foreach (int dimension in shape)
        {
            length *= dimension;
        }

        Length = length;
    }

    public string Name { get; }

    public int[] Shape { get; }

    public int Offset { get; }

    public int Length { get; }
}
