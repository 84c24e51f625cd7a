using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// A small strict JSON reader (RFC 8259: no comments, no trailing commas) for safetensors headers. The generator
/// targets netstandard2.0 and must not load System.Text.Json into the compiler, so it reads the little it needs
/// itself. Objects keep their members in order, duplicates included, so the caller can reject them.
/// </summary>
internal static class HeaderJson
{
    private const int MaxDepth = 64;

    internal abstract class Value
    {
        public abstract string Kind { get; }
    }

    internal sealed class ObjectValue : Value
    {
        public List<KeyValuePair<string, Value>> Members { get; } = new();

        public override string Kind => "an object";
    }

    internal sealed class ArrayValue : Value
    {
        public List<Value> Items { get; } = new();

        public override string Kind => "an array";
    }

    internal sealed class StringValue(string text) : Value
    {
        public string Text { get; } = text;

        public override string Kind => "a string";
    }

    /// <summary>A number, kept as written so integers of any size are judged exactly.</summary>
    internal sealed class NumberValue(string text) : Value
    {
        public string Text { get; } = text;

        public override string Kind => "a number";

        /// <summary>The value if it is written as a non-negative integer that fits in 63 bits.</summary>
        public bool TryGetNonNegative(out long value) =>
            long.TryParse(Text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

        public bool IsNonNegativeInteger
        {
            get
            {
                foreach (char c in Text)
                {
                    if (c < '0' || c > '9')
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    internal sealed class LiteralValue(string text) : Value
    {
        public string Text { get; } = text;

        public override string Kind => Text == "null" ? "null" : "a boolean";
    }

    /// <summary>Parses one JSON value followed only by whitespace; throws <see cref="FormatException"/> with the position.</summary>
    public static Value Parse(string text)
    {
        int position = 0;
        Value value = ParseValue(text, ref position, 0);
        SkipWhitespace(text, ref position);
        if (position < text.Length)
        {
            throw Error(text, position, $"unexpected '{text[position]}' after the JSON value");
        }

        return value;
    }

    private static Value ParseValue(string text, ref int position, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error(text, position, $"nesting deeper than {MaxDepth}");
        }

        SkipWhitespace(text, ref position);
        if (position >= text.Length)
        {
            throw Error(text, position, "unexpected end of the header");
        }

        char c = text[position];
        switch (c)
        {
            case '{':
                return ParseObject(text, ref position, depth);
            case '[':
                return ParseArray(text, ref position, depth);
            case '"':
                return new StringValue(ParseString(text, ref position));
            case 't':
                return Literal(text, ref position, "true");
            case 'f':
                return Literal(text, ref position, "false");
            case 'n':
                return Literal(text, ref position, "null");
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber(text, ref position);
                }

                throw Error(text, position, $"unexpected '{c}'");
        }
    }

    private static ObjectValue ParseObject(string text, ref int position, int depth)
    {
        var result = new ObjectValue();
        position++; // '{'
        SkipWhitespace(text, ref position);
        if (position < text.Length && text[position] == '}')
        {
            position++;
            return result;
        }

        while (true)
        {
            SkipWhitespace(text, ref position);
            if (position >= text.Length || text[position] != '"')
            {
                throw Error(text, position, "expected a member name in quotes");
            }

            string key = ParseString(text, ref position);
            SkipWhitespace(text, ref position);
            Expect(text, ref position, ':');
            result.Members.Add(new KeyValuePair<string, Value>(key, ParseValue(text, ref position, depth + 1)));
            SkipWhitespace(text, ref position);
            if (position < text.Length && text[position] == ',')
            {
                position++;
                continue;
            }

            Expect(text, ref position, '}');
            return result;
        }
    }

    private static ArrayValue ParseArray(string text, ref int position, int depth)
    {
        var result = new ArrayValue();
        position++; // '['
        SkipWhitespace(text, ref position);
        if (position < text.Length && text[position] == ']')
        {
            position++;
            return result;
        }

        while (true)
        {
            result.Items.Add(ParseValue(text, ref position, depth + 1));
            SkipWhitespace(text, ref position);
            if (position < text.Length && text[position] == ',')
            {
                position++;
                continue;
            }

            Expect(text, ref position, ']');
            return result;
        }
    }

    private static string ParseString(string text, ref int position)
    {
        int start = position;
        position++; // opening quote
        var builder = new StringBuilder();
        while (true)
        {
            if (position >= text.Length)
            {
                throw Error(text, start, "unterminated string");
            }

            char c = text[position++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c < ' ')
            {
                throw Error(text, position - 1, "control character in a string");
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (position >= text.Length)
            {
                throw Error(text, start, "unterminated string");
            }

            char escape = text[position++];
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (position + 4 > text.Length
                        || !int.TryParse(text.Substring(position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw Error(text, position - 2, "invalid \\u escape");
                    }

                    builder.Append((char)code);
                    position += 4;
                    break;
                default:
                    throw Error(text, position - 2, $"invalid escape '\\{escape}'");
            }
        }
    }

    private static NumberValue ParseNumber(string text, ref int position)
    {
        int start = position;
        if (text[position] == '-')
        {
            position++;
        }

        int digits = Digits(text, ref position);
        if (digits == 0 || (digits > 1 && text[position - digits] == '0'))
        {
            throw Error(text, start, "malformed number");
        }

        if (position < text.Length && text[position] == '.')
        {
            position++;
            if (Digits(text, ref position) == 0)
            {
                throw Error(text, start, "malformed number");
            }
        }

        if (position < text.Length && (text[position] == 'e' || text[position] == 'E'))
        {
            position++;
            if (position < text.Length && (text[position] == '+' || text[position] == '-'))
            {
                position++;
            }

            if (Digits(text, ref position) == 0)
            {
                throw Error(text, start, "malformed number");
            }
        }

        return new NumberValue(text.Substring(start, position - start));
    }

    private static int Digits(string text, ref int position)
    {
        int start = position;
        while (position < text.Length && text[position] >= '0' && text[position] <= '9')
        {
            position++;
        }

        return position - start;
    }

    private static LiteralValue Literal(string text, ref int position, string literal)
    {
        if (string.CompareOrdinal(text, position, literal, 0, literal.Length) != 0)
        {
            throw Error(text, position, $"unexpected '{text[position]}'");
        }

        position += literal.Length;
        return new LiteralValue(literal);
    }

    private static void Expect(string text, ref int position, char expected)
    {
        if (position >= text.Length || text[position] != expected)
        {
            throw Error(text, position, position >= text.Length ? $"expected '{expected}' before the end of the header" : $"expected '{expected}', found '{text[position]}'");
        }

        position++;
    }

    private static void SkipWhitespace(string text, ref int position)
    {
        while (position < text.Length && text[position] is ' ' or '\t' or '\n' or '\r')
        {
            position++;
        }
    }

    private static FormatException Error(string text, int position, string problem) =>
        new($"the header is not valid JSON: {problem} at character {position.ToString(CultureInfo.InvariantCulture)}");
}
