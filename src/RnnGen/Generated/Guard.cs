using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

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
            ThrowLength(actual, expected, paramName);
        }
    }

    /// <summary>Throws unless <paramref name="actual"/> is a whole number of <paramref name="rowLength"/>-value rows; returns the row count.</summary>
    public static int Rows(int actual, int rowLength, string paramName)
    {
        if (actual % rowLength != 0)
        {
            ThrowRows(actual, rowLength, paramName);
        }

        return actual / rowLength;
    }

    /// <summary>Throws unless <paramref name="actual"/> is 0 (skip) or <paramref name="expected"/>.</summary>
    public static void LengthOrEmpty(int actual, int expected, string paramName)
    {
        if (actual != 0 && actual != expected)
        {
            ThrowLengthOrEmpty(actual, expected, paramName);
        }
    }

    // The throws are out of line and format their messages there: the checks are inlined into the streaming entry points,
    // whose inlining budget a message's formatting would otherwise spend (KernelInliningTests).

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int expected, string paramName) =>
        Throw(actual, expected.ToString(System.Globalization.CultureInfo.InvariantCulture), paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRows(int actual, int rowLength, string paramName) => Throw(actual, $"a multiple of {rowLength}", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLengthOrEmpty(int actual, int expected, string paramName) => Throw(actual, $"{expected} (or 0 to skip)", paramName);

    [DoesNotReturn]
    private static void Throw(int actual, string expected, string paramName) =>
        throw new ArgumentException($"{paramName} has length {actual}; expected {expected}.", paramName);
}
