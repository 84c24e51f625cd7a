namespace RnnGen.Tool;

/// <summary>The <c>rnngen</c> command.</summary>
internal static class Program
{
    public static int Main(string[] args) => ToolCommand.Run(args, Console.Out, Console.Error);
}
