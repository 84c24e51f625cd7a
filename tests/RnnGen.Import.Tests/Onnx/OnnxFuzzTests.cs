using System.Diagnostics;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Import.Tests.Onnx;

/// <summary>
/// Random byte mutations of valid .onnx files: whatever the bytes, an import either succeeds or throws
/// <see cref="ImportException"/> (never another type, never a hang), and a failed convert writes nothing.
/// </summary>
public class OnnxFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 4000;
    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TotalLimit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task MutatedModelsOnlyEverThrowImportException()
    {
        (string Name, byte[] Bytes, string? Node)[] seeds =
        [
            ("lstm_l2_bi", Bytes("lstm_l2_bi"), null),
            ("gru_bi_head (MatMul+Add)", Bytes("gru_bi_head"), null),
            ("lstm_gemm_head (Gemm)", Bytes("lstm_gemm_head"), null),
            ("gru_reset_before (float_data)", Bytes("gru_reset_before"), null),
            ("lstm_float16_int32_data", Bytes("lstm_float16_int32_data"), null),
            ("two_stacks", Bytes("two_stacks"), "/decoder/GRU"),
            ("lstm_state_input", Bytes("lstm_state_input"), null),
        ];
        string target = Path.Combine(Path.GetTempPath(), $"rnngen-onnx-fuzz-{Environment.ProcessId}.safetensors");
        byte[] existing = [1, 2, 3, 4];
        File.WriteAllBytes(target, existing);

        int accepted = 0, rejected = 0;
        var failures = new List<string>();
        TimeSpan slowest = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() =>
        {
            var random = new Random(20261202);
            for (int n = 0; n < Cases; n++)
            {
                (string name, byte[] seed, string? node) = seeds[n % seeds.Length];
                (byte[] mutant, string mutation) = Mutator.Mutate(seed, random);
                var one = Stopwatch.StartNew();
                try
                {
                    // The whole convert: read, map, then save over an existing file.
                    ImportedModel model = OnnxImport.Read(new MemoryStream(mutant), node);
                    _ = model.Declaration;
                    if (n % 10 == 0)
                    {
                        model.Save(target + ".ok");
                    }

                    accepted++;
                }
                catch (ImportException e) when (e.Message.StartsWith("<stream>: ", StringComparison.Ordinal))
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    failures.Add($"case {n} ({name}, {mutation}): {e.GetType().Name}: {e.Message}");
                }

                slowest = one.Elapsed > slowest ? one.Elapsed : slowest;
                if (one.Elapsed > PerCaseLimit)
                {
                    failures.Add($"case {n} ({name}, {mutation}) took {one.Elapsed.TotalMilliseconds:F0} ms");
                }
            }
        });

        Assert.True(await Task.WhenAny(run, Task.Delay(TotalLimit)) == run, $"the fuzz run did not finish within {TotalLimit}");
        await run;
        output.WriteLine($"{Cases} cases in {clock.ElapsedMilliseconds} ms (slowest {slowest.TotalMilliseconds:F1} ms): {accepted} imported, {rejected} refused, {failures.Count} failures");
        File.Delete(target + ".ok");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.Equal(existing, File.ReadAllBytes(target));
        File.Delete(target);
        // The mutations must reach the parser's checks, and some must leave a model that still imports.
        Assert.InRange(rejected, Cases / 3, Cases);
        Assert.True(accepted > 0, "no mutant imported: the success path went untested");
    }

    private static byte[] Bytes(string name) => File.ReadAllBytes(OnnxFixture.PathOf(name));

    /// <summary>Edits biased toward the first 64 bytes (the model's header fields and the graph's first tags); protobuf-significant bytes: long varints, groups, wrong wire types.</summary>
    private static readonly ByteMutator Mutator = new(
        (random, length) => random.Next(4) == 0 ? random.Next(Math.Min(64, length)) : random.Next(length),
        [0xFF, 0x80, 0x7F, 0x00, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F], "protobuf byte",
        PickCopyTarget: (random, length) => random.Next(length), MaxCopy: 32);
}
