using System.ComponentModel;

namespace RnnGen.Generated;

/// <summary>Argument checks shared by the reference cells and the generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Guard
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="paramName"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Length(int actual, int expected, string paramName)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected.ToString(System.Globalization.CultureInfo.InvariantCulture), paramName);
        }
    }

    /// <summary>Throws unless <paramref name="actual"/> is a whole number of <paramref name="rowLength"/>-value rows; returns the row count.</summary>
    public static int Rows(int actual, int rowLength, string paramName)
    {
        if (actual % rowLength != 0)
        {
            ThrowLength(actual, $"a multiple of {rowLength}", paramName);
        }

        return actual / rowLength;
    }

    /// <summary>Throws unless <paramref name="actual"/> is 0 (skip) or <paramref name="expected"/>.</summary>
    public static void LengthOrEmpty(int actual, int expected, string paramName)
    {
        if (actual != 0 && actual != expected)
        {
            ThrowLength(actual, $"{expected} (or 0 to skip)", paramName);
        }
    }

    private static void ThrowLength(int actual, string expected, string paramName) =>
        throw new ArgumentException($"{paramName} has length {actual}; expected {expected}.", paramName);
}
