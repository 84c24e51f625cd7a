using System;
using System.Text;

namespace RnnGen.Generator.Emitting;

/// <summary>An indented text writer: the emitted code is plain text, laid out as a person would write it.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', 4 * _depth);
            _text.Append(line);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>
    /// Writes several lines (separated by '\n') at the current indentation. Trailing comments (code, two or more
    /// spaces, <c>//</c>) are lined up in one column, whatever length the interpolated code rendered to.
    /// </summary>
    public SourceWriter Lines(string text)
    {
        string[] lines = text.Split('\n');
        var code = new string[lines.Length];
        var comments = new string?[lines.Length];
        int width = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            int at = line.IndexOf("  //", StringComparison.Ordinal);
            code[i] = at > 0 && line.Substring(0, at).Trim().Length > 0 ? line.Substring(0, at).TrimEnd() : line;
            comments[i] = at > 0 && line.Substring(0, at).Trim().Length > 0 ? line.Substring(at).TrimStart() : null;
            if (comments[i] is not null)
            {
                width = Math.Max(width, code[i].Length);
            }
        }

        for (int i = 0; i < lines.Length; i++)
        {
            Line(comments[i] is null ? code[i] : code[i].PadRight(width + 3) + comments[i]);
        }

        return this;
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace; disposing the result closes it.</summary>
    public Scope Block(string header)
    {
        if (header.Length > 0)
        {
            Line(header);
        }

        Line("{");
        _depth++;
        return new Scope(this);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Scope(SourceWriter writer) : IDisposable
    {
        public void Dispose()
        {
            writer._depth--;
            writer.Line("}");
        }
    }
}
