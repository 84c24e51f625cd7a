using RnnGen.Import;

namespace RnnGen.Tool;

/// <summary>
/// <c>rnngen convert &lt;model&gt; -o &lt;out.safetensors&gt; [--node NAME] [--layer NAME]</c> and <c>rnngen inspect &lt;model&gt;</c>.
/// Exit codes: 0 done, 1 the model could not be imported or written (message on stderr), 2 wrong usage.
/// </summary>
internal static class ToolCommand
{
    public const int Success = 0, ImportFailed = 1, UsageError = 2;

    private const string Usage = """
        usage: rnngen convert <model.onnx|.keras|.h5> -o <out.safetensors> [--node NAME] [--layer NAME]
               rnngen inspect <model.onnx|.keras|.h5>

          convert  reads the model's LSTM/GRU stack (and the linear head on its outputs) into RnnGen's PyTorch
                   layout, prints what it mapped and the [Lstm]/[Gru] declaration that loads it, and writes the
                   weights as a safetensors file (an existing file is replaced only once the new one is complete).
          inspect  lists the stacks a model holds, each with its declaration or why it cannot be imported.
          --node   ONNX: the first node of the stack to read, when the model has several.
          --layer  Keras: the layer to read, when the model has several.
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args is [] or ["-h" or "--help" or "help"])
        {
            (args.Length == 0 ? error : output).WriteLine(Usage);
            return args.Length == 0 ? UsageError : Success;
        }

        try
        {
            return args[0] switch
            {
                "convert" => Convert(args[1..], output, error),
                "inspect" => Inspect(args[1..], output, error),
                _ => Fail(error, UsageError, $"unknown command '{args[0]}' (convert or inspect)"),
            };
        }
        catch (ImportException e)
        {
            return Fail(error, ImportFailed, e.Message);
        }
        catch (ArgumentException e)
        {
            return Fail(error, UsageError, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // FileNotFoundException and DirectoryNotFoundException are IOExceptions; so is a failed write.
            return Fail(error, ImportFailed, e.Message);
        }
    }

    private static int Convert(string[] args, TextWriter output, TextWriter error)
    {
        string? model = null, target = null, node = null, layer = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "-o" or "--output":
                    target = Value() ?? Missing(args[i]);
                    break;
                case "--node":
                    node = Value() ?? Missing(args[i]);
                    break;
                case "--layer":
                    layer = Value() ?? Missing(args[i]);
                    break;
                case var option when option.StartsWith('-'):
                    return Fail(error, UsageError, $"unknown option '{option}'\n{Usage}");
                case var path when model is null:
                    model = path;
                    break;
                default:
                    return Fail(error, UsageError, $"unexpected argument '{args[i]}'\n{Usage}");
            }
        }

        if (model is null || target is null)
        {
            return Fail(error, UsageError, $"convert needs a model and -o <out.safetensors>\n{Usage}");
        }

        if (Reader(model, error) is not { } reader)
        {
            return ImportFailed;
        }

        string? selector = reader.SelectorOption == "--node" ? node : layer;
        if ((reader.SelectorOption == "--node" ? layer : node) is not null)
        {
            return Fail(error, UsageError, $"{(reader.SelectorOption == "--node" ? "--layer" : "--node")} does not apply to {reader.Format} files; use {reader.SelectorOption}");
        }

        ImportedModel imported = reader.Read(model, selector);
        output.WriteLine($"Read {model}: {imported.Origin}");
        foreach (string line in imported.Mapping)
        {
            output.WriteLine($"  {line}");
        }

        output.WriteLine("Declaration:");
        foreach (string line in imported.Declaration.Split(Environment.NewLine))
        {
            output.WriteLine($"  {line}");
        }

        imported.Save(target);
        output.WriteLine($"Wrote {target} ({imported.TensorNames.Count} tensors{(imported.RecurrentPrefix.Length > 0 ? $", stack under '{imported.RecurrentPrefix}', head under 'head.'" : "")})");
        return Success;

        static string Missing(string option) => throw new ArgumentException($"{option} needs a value");
    }

    private static int Inspect(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not [var model])
        {
            return Fail(error, UsageError, $"inspect needs exactly one model file\n{Usage}");
        }

        if (Reader(model, error) is not { } reader)
        {
            return ImportFailed;
        }

        if (reader.ListStacks is null)
        {
            // No separate listing for this format: read the one stack, or say why not (several stacks are listed in the error).
            output.WriteLine($"{model}:");
            Describe(reader, model, selector: null, output);
            return Success;
        }

        IReadOnlyList<string> stacks = reader.ListStacks(model);
        output.WriteLine($"{model}: {stacks.Count} LSTM/GRU stack{(stacks.Count == 1 ? "" : "s")}");
        foreach (string stack in stacks)
        {
            output.WriteLine($"  {reader.SelectorOption} {stack}");
            Describe(reader, model, stack, output);
        }

        return Success;
    }

    private static void Describe(ModelReader reader, string model, string? selector, TextWriter output)
    {
        try
        {
            ImportedModel imported = reader.Read(model, selector);
            output.WriteLine($"    {imported.Origin}");
            foreach (string line in imported.Declaration.Split(Environment.NewLine))
            {
                output.WriteLine($"    {line}");
            }
        }
        catch (ImportException e)
        {
            output.WriteLine($"    not importable: {e.Problem}");
        }
    }

    private static ModelReader? Reader(string model, TextWriter error)
    {
        string extension = Path.GetExtension(model);
        if (!ModelReader.ByExtension.TryGetValue(extension, out ModelReader? reader))
        {
            Fail(error, ImportFailed, $"{model}: unknown model format '{extension}' (known: {string.Join(", ", ModelReader.ByExtension.Keys)})");
            return null;
        }

        return reader;
    }

    private static int Fail(TextWriter error, int code, string message)
    {
        error.WriteLine($"rnngen: {message}");
        return code;
    }
}
