using Google.Protobuf;

namespace RnnGen.Import.Onnx;

/// <summary>One length-delimited field's payload inside the file's buffer (a message, a string, raw tensor bytes), not copied.</summary>
internal readonly record struct ByteRange(byte[] Buffer, int Start, int Length)
{
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Start, Length);

    /// <summary>A reader over exactly these bytes.</summary>
    public CodedInputStream Open() => new(Buffer, Start, Length);
}
