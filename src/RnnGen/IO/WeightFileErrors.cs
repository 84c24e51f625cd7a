namespace RnnGen.IO;

/// <summary>
/// How RnnGen reports a weight file it cannot use. Every such error is an <see cref="InvalidDataException"/> (the
/// framework seals that type, so there is no RnnGen subclass) whose message names the file, the tensor when there
/// is one, and the problem, and whose <see cref="Exception.Data"/> holds the same parts under the keys below.
/// </summary>
/// <remarks>
/// <para>Two families, told apart by <see cref="KindKey"/>:</para>
/// <list type="bullet">
/// <item><see cref="FormatKind"/>: the bytes are not a valid safetensors file (truncated, a header length out of
/// range, a header that is not UTF-8 JSON of the expected form, duplicate names, an unknown dtype, a shape that does
/// not match its byte range, offsets that overlap, leave gaps or run out of the data section). Message:
/// <c>"{file}: invalid safetensors file: {tensor}: {problem}"</c>.</item>
/// <item><see cref="MismatchKind"/>: a valid file whose tensors do not fit the module reading it (missing, another
/// shape, a dtype that is not floating-point, or tensors left over in strict mode). Message:
/// <c>"{file}: {tensor}: {problem}"</c>, e.g. <c>"tagger.safetensors: rnn.weight_hh_l0: expected [512, 128], found [512, 64]"</c>.</item>
/// </list>
/// <para>Errors that are not about the contents pass through unchanged: a missing file or embedded resource is a
/// <see cref="FileNotFoundException"/>, a failing disk or stream an <see cref="IOException"/>, a bad argument an
/// <see cref="ArgumentException"/>.</para>
/// </remarks>
public static class WeightFileErrors
{
    /// <summary><see cref="Exception.Data"/> key: the file's path, <c>&lt;stream&gt;</c>, or <c>embedded:{assembly}/{file}</c>.</summary>
    public const string FileKey = "RnnGen.File";

    /// <summary><see cref="Exception.Data"/> key: the tensor concerned; absent when the problem is the file as a whole.</summary>
    public const string TensorKey = "RnnGen.Tensor";

    /// <summary><see cref="Exception.Data"/> key: the problem alone, without the file and tensor names.</summary>
    public const string ProblemKey = "RnnGen.Problem";

    /// <summary><see cref="Exception.Data"/> key: <see cref="FormatKind"/> or <see cref="MismatchKind"/>.</summary>
    public const string KindKey = "RnnGen.ErrorKind";

    /// <summary>The bytes are not a valid safetensors file.</summary>
    public const string FormatKind = "format";

    /// <summary>The file is valid but does not fit what reads it.</summary>
    public const string MismatchKind = "mismatch";

    /// <summary>True when <paramref name="exception"/> is one of RnnGen's weight-file errors.</summary>
    public static bool IsWeightFileError(Exception exception) =>
        exception is InvalidDataException && exception.Data[KindKey] is FormatKind or MismatchKind;

    internal static InvalidDataException Format(string file, string? tensor, string problem, Exception? inner = null) =>
        Create(FormatKind, $"{file}: invalid safetensors file: {Name(tensor)}{problem}", file, tensor, problem, inner);

    /// <summary>Strict loads: throws when the file holds tensors under <paramref name="prefix"/> that <paramref name="owner"/> does not read.</summary>
    internal static void ThrowOnUnusedTensors(WeightFile file, string prefix, IReadOnlyCollection<string> used, string owner)
    {
        string[] extra = file.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && !used.Contains(n)).ToArray();
        if (extra.Length > 0)
        {
            string list = string.Join(", ", extra.Take(5)) + (extra.Length > 5 ? $" and {extra.Length - 5} more" : "");
            string scope = prefix.Length == 0 ? "the file" : $"prefix '{prefix}'";
            throw Mismatch(file.Source, null, $"strict load: {scope} holds {extra.Length} tensor(s) {owner} does not use: {list}");
        }
    }

    internal static InvalidDataException Mismatch(string file, string? tensor, string problem) =>
        Create(MismatchKind, $"{file}: {Name(tensor)}{problem}", file, tensor, problem, null);

    private static string Name(string? tensor) => tensor switch
    {
        null => "",
        "" => "\"\": ",
        _ => tensor + ": ",
    };

    private static InvalidDataException Create(string kind, string message, string file, string? tensor, string problem, Exception? inner)
    {
        var exception = new InvalidDataException(message, inner);
        exception.Data[KindKey] = kind;
        exception.Data[FileKey] = file;
        if (tensor is not null)
        {
            exception.Data[TensorKey] = tensor;
        }

        exception.Data[ProblemKey] = problem;
        return exception;
    }
}
