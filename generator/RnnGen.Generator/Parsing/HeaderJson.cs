using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using RnnGen.IO;
using JsonValue = RnnGen.IO.SafeTensorsHeader.JsonValue;

namespace RnnGen.Generator.Parsing;

/// <summary>
/// A small strict JSON reader (RFC 8259: no comments, no trailing commas) for safetensors headers. The generator
/// targets netstandard2.0 and must not load System.Text.Json into the compiler, so it reads the syntax itself, into the
/// tree whose rules <see cref="SafeTensorsHeader"/> (shared with the runtime's reader) judges.
/// </summary>
internal static class HeaderJson
{
    private const int MaxDepth = 64;

    /// <summary>Parses one JSON value followed only by whitespace; throws <see cref="FormatException"/> with the position.</summary>
    public static JsonValue Parse(string text)
    {
        int position = 0;
        JsonValue value = ParseValue(text, ref position, 0);
        SkipWhitespace(text, ref position);
        if (position < text.Length)
        {
            throw Error(text, position, $"unexpected '{text[position]}' after the JSON value");
        }

        return value;
    }

    private static JsonValue ParseValue(string text, ref int position, int depth)
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
                return JsonValue.NewString(ParseString(text, ref position));
            case 't':
                Literal(text, ref position, "true");
                return JsonValue.NewBoolean(true);
            case 'f':
                Literal(text, ref position, "false");
                return JsonValue.NewBoolean(false);
            case 'n':
                Literal(text, ref position, "null");
                return JsonValue.Null;
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ParseNumber(text, ref position);
                }

                throw Error(text, position, $"unexpected '{c}'");
        }
    }

    private static JsonValue ParseObject(string text, ref int position, int depth)
    {
        JsonValue result = JsonValue.NewObject();
        if (OpenIsEmpty(text, ref position, '}'))
        {
            return result;
        }

        do
        {
            SkipWhitespace(text, ref position);
            if (position >= text.Length || text[position] != '"')
            {
                throw Error(text, position, "expected a member name in quotes");
            }

            string key = ParseString(text, ref position);
            SkipWhitespace(text, ref position);
            Expect(text, ref position, ':');
            result.Members.Add(new KeyValuePair<string, JsonValue>(key, ParseValue(text, ref position, depth + 1)));
        }
        while (HasNext(text, ref position, '}'));

        return result;
    }

    private static JsonValue ParseArray(string text, ref int position, int depth)
    {
        JsonValue result = JsonValue.NewArray();
        if (OpenIsEmpty(text, ref position, ']'))
        {
            return result;
        }

        do
        {
            result.Items.Add(ParseValue(text, ref position, depth + 1));
        }
        while (HasNext(text, ref position, ']'));

        return result;
    }

    /// <summary>Steps over an object's or array's opening bracket; true, past <paramref name="close"/> too, when it is empty.</summary>
    private static bool OpenIsEmpty(string text, ref int position, char close)
    {
        position++;
        SkipWhitespace(text, ref position);
        if (position < text.Length && text[position] == close)
        {
            position++;
            return true;
        }

        return false;
    }

    /// <summary>After an element: true past a ',' (another element follows), else steps over <paramref name="close"/> or throws.</summary>
    private static bool HasNext(string text, ref int position, char close)
    {
        SkipWhitespace(text, ref position);
        if (position < text.Length && text[position] == ',')
        {
            position++;
            return true;
        }

        Expect(text, ref position, close);
        return false;
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

    private static JsonValue ParseNumber(string text, ref int position)
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

        return JsonValue.NewNumber(text.Substring(start, position - start));
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

    private static void Literal(string text, ref int position, string literal)
    {
        if (string.CompareOrdinal(text, position, literal, 0, literal.Length) != 0)
        {
            throw Error(text, position, $"unexpected '{text[position]}'");
        }

        position += literal.Length;
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
