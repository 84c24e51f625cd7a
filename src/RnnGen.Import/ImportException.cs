namespace RnnGen.Import;

/// <summary>
/// A model file RnnGen.Import cannot read or cannot map onto RnnGen's layout: malformed or truncated bytes, an
/// operator option RnnGen does not compute (peepholes, clipping, other activations, …), or a shape that does not
/// fit. The message names the file, the node or layer when there is one, and the problem; errors raised inside
/// the format libraries (Google.Protobuf, PureHDF) arrive wrapped as <see cref="Exception.InnerException"/>.
/// </summary>
/// <remarks>
/// A missing file is a <see cref="FileNotFoundException"/> and a bad argument an <see cref="ArgumentException"/>,
/// as elsewhere in .NET; nothing is written anywhere when an import fails.
/// </remarks>
public sealed class ImportException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/> (a path or <c>&lt;stream&gt;</c>).</summary>
    public ImportException(string source, string? element, string problem, Exception? innerException = null)
        : base(element is null ? $"{source}: {problem}" : $"{source}: {element}: {problem}", innerException)
    {
        File = source;
        Element = element;
        Problem = problem;
    }

    /// <summary>The file's path, or <c>&lt;stream&gt;</c>.</summary>
    public string File { get; }

    /// <summary>The node, layer or tensor concerned; null when the problem is the file as a whole.</summary>
    public string? Element { get; }

    /// <summary>The problem alone, without the file and element names.</summary>
    public string Problem { get; }
}
