using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Generator.Emitting;

/// <summary>
/// One kernel's name and signature, declared once for its dispatcher, its per-path bodies and the <c>Api</c> struct
/// that forwards a runtime contract to it.
/// </summary>
internal sealed record Kernel(string Name, string Parameters, string Accessibility = "private")
{
    /// <summary>The parameters passed on as they came: "ref float w, int rows" → "ref w, rows".</summary>
    public string Arguments { get; } = string.Join(", ", Parameters.Split(',').Select(p =>
    {
        string[] words = p.Trim().Split(' ');
        return words[0] == "ref" ? "ref " + words[words.Length - 1] : words[words.Length - 1];
    }));

    // Kernels are compiled fully optimised on first call: a latency-critical stream should not run its
    // first thousand steps in unoptimised tier-0 code. (They gain nothing from profile-guided tiers.)
    public const string AggressiveOptimization =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    // Dispatchers and other one-branch forwarders are inlined into their callers: the runner's step path is large
    // enough that the JIT's inlining budget runs out before it reaches them, and a forwarder left out of line runs
    // as tier-0 code for the first ~100 ms and costs a call on every step after.
    public const string AggressiveInlining =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    // A 512-bit row helper (sixteen row accumulators) is too large to inline: four of them in one step use up the JIT's
    // inlining budget, and the loads and FMAs inside are then left as calls that pass vectors through the stack (LSTM
    // (64,128) stepped 6× slower on a Zen 4). Out of line, each helper is compiled fully optimised on a budget of its
    // own, for the cost of one call per gate vector.
    public const string OutOfLine =
        "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining | global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>The method that calls the body of the widest accelerated path: <c>{Name}256</c>, <c>{Name}128</c>, <c>{Name}1</c>.</summary>
    public void EmitDispatch(SourceWriter w, IReadOnlyList<Width> widths)
    {
        w.Line();
        w.Line(AggressiveInlining);
        using (w.Block($"{Accessibility} static void {Name}({Parameters})"))
        {
            for (int i = 0; i < widths.Count; i++)
            {
                string call = $"{Name}{widths[i].Suffix}({Arguments});";
                w.Line(widths.Count == 1 ? call
                    : i == 0 ? $"if ({widths[i].Condition}) {call}"
                    : i < widths.Count - 1 ? $"else if ({widths[i].Condition}) {call}"
                    : $"else {call}");
            }
        }
    }

    /// <summary>The body for one path, after a blank line: <c>{Name}{suffix}</c>, its doc comment <paramref name="summary"/>.</summary>
    public void EmitBody(SourceWriter w, Width width, string summary, Action body)
    {
        w.Line();
        w.Line($"/// <summary>{summary}</summary>");
        w.Line(AggressiveOptimization);
        using (w.Block($"private static void {Name}{width.Suffix}({Parameters})"))
        {
            body();
        }
    }

    /// <summary>The <c>Api</c> struct's member implementing <paramref name="contract"/>'s method of this name.</summary>
    public string ApiMember(string contract) => $"static void {contract}.{Name}({Parameters}) => {Name}({Arguments});";
}
