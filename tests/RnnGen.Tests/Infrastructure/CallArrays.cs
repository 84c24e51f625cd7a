using System.Numerics;
using static RnnGen.Tests.Infrastructure.ReferenceTestCells;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// Named argument arrays for the contract tests, filled with random values and remembered, so a test can show that a
/// refused call wrote nothing.
/// </summary>
internal abstract class CallArrays<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, T[]> _arrays;
    private readonly Dictionary<string, T[]> _copies = [];

    protected CallArrays(Dictionary<string, T[]> arrays, Random random)
    {
        _arrays = arrays;
        foreach (string name in _arrays.Keys.ToArray())
        {
            Fill(name, random);
        }
    }

    public T[] this[string name] => _arrays[name];

    /// <summary>Replaces <paramref name="name"/> with a freshly filled array <paramref name="delta"/> values longer; returns the old length.</summary>
    protected int Lengthen(string name, int delta, Random random)
    {
        int length = _arrays[name].Length;
        _arrays[name] = new T[length + delta];
        Fill(name, random);
        return length;
    }

    public void AssertUnchanged()
    {
        foreach ((string name, T[] values) in _arrays)
        {
            AssertBitwiseEqual<T>(_copies[name], values, name);
        }
    }

    private void Fill(string name, Random random)
    {
        T[] values = _arrays[name];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked(2 * random.NextDouble() - 1);
        }

        _copies[name] = (T[])values.Clone();
    }
}
