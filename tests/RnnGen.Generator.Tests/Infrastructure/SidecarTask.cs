using System.Reflection;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RnnGen.Generator.Tests.Infrastructure;

/// <summary>
/// The RnnGenExtractSafeTensorsHeaders task of src/RnnGen/buildTransitive/RnnGen.targets, its C# fragment compiled
/// and run in-process as MSBuild's RoslynCodeTaskFactory runs it, so a test can turn a weights file's bytes into the
/// very sidecar a build would pass to the generator.
/// </summary>
internal static class SidecarTask
{
    private static readonly Lazy<MethodInfo> Execute = new(Compile);

    public static string TargetsPath { get; } = FindTargets();

    /// <summary>The sidecar a build writes for an <c>RnnGenWeights</c> item named <paramref name="fileName"/> holding <paramref name="bytes"/>.</summary>
    public static AdditionalText Extract(string fileName, byte[] bytes)
    {
        string directory = Path.Combine(Path.GetTempPath(), "rnngen-sidecar-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, fileName);
            File.WriteAllBytes(path, bytes);
            string output = Path.Combine(directory, "rnngen");
            Execute.Value.Invoke(null, [new[] { path }, output]);
            return new InMemoryAdditionalText($"/repo/obj/Release/net10.0/rnngen/{fileName}.rnngen", File.ReadAllText(Path.Combine(output, fileName + ".rnngen")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static MethodInfo Compile()
    {
        XElement task = XDocument.Load(TargetsPath).Root!.Elements("UsingTask")
            .Single(e => (string?)e.Attribute("TaskName") == "RnnGenExtractSafeTensorsHeaders")
            .Element("Task")!;
        string usings = string.Concat(task.Elements("Using").Select(u => $"using {(string)u.Attribute("Namespace")!};\n"));

        // What the task factory supplies around a fragment: the parameters as locals, and ITaskItem.
        string source = usings + """
            public interface ITaskItem { string GetMetadata(string name); }

            public sealed class Item(string path) : ITaskItem
            {
                public string GetMetadata(string name) => name == "FullPath" ? path : "";
            }

            public static class ExtractTask
            {
                public static void Execute(string[] paths, string OutputDirectory)
                {
                    ITaskItem[] Weights = Array.ConvertAll(paths, p => (ITaskItem)new Item(p));

            """ + task.Element("Code")!.Value + """

                }
            }
            """;
        CSharpCompilation compilation = CSharpCompilation.Create(
            "RnnGenExtractSafeTensorsHeaders",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            Basic.Reference.Assemblies.Net80.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(image);
        if (!result.Success)
        {
            throw new InvalidOperationException("The task in RnnGen.targets does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return Assembly.Load(image.ToArray()).GetType("ExtractTask")!.GetMethod("Execute")!;
    }

    private static string FindTargets([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "src", "RnnGen", "buildTransitive", "RnnGen.targets"));
}
