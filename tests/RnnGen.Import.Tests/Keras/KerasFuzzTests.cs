using System.Diagnostics;
using System.IO.Compression;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Import.Tests.Keras;

/// <summary>
/// Random byte mutations of valid Keras files (as tests/RnnGen.Tests' safetensors FuzzTests do for weight files):
/// whatever the bytes, KerasImport.Read either returns a model or throws ImportException, never another exception,
/// and never hangs. Mutations go to the legacy .h5 bytes, to the .keras zip itself, and (repacked into a valid zip, so
/// the zip's CRC does not catch them first) to the HDF5 weights and the config.json inside a .keras.
/// </summary>
public class KerasFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 2400;
    // A case normally takes milliseconds; past the first limit it is reported as slow (the machine may be busy), past
    // the second it counts as a hang.
    private static readonly TimeSpan SlowLimit = TimeSpan.FromSeconds(10), HangLimit = TimeSpan.FromSeconds(120);

    [Fact]
    public void Mutated_files_only_ever_throw_ImportException()
    {
        var random = new Random(20261202);
        (string Name, Func<Random, (byte[] Bytes, string Mutation)> Mutant)[] seeds =
        [
            ("tfk_bigru_dense.h5 (chunked fixed-length names)", r => Mutator.Mutate(Fixture("tfk_bigru_dense.h5"), r)),
            ("k2_lstm_stacked_dense.h5 (list config)", r => Mutator.Mutate(Fixture("k2_lstm_stacked_dense.h5"), r)),
            ("k3_bilstm_dense.keras (zip bytes)", r => Mutator.Mutate(Fixture("k3_bilstm_dense.keras"), r)),
            ("k3_gru_stacked.keras (model.weights.h5)", r => MutateEntry("k3_gru_stacked.keras", "model.weights.h5", r)),
            ("k3_bilstm_dense.keras (model.weights.h5)", r => MutateEntry("k3_bilstm_dense.keras", "model.weights.h5", r)),
            ("k3_bilstm_dense.keras (config.json)", r => MutateEntry("k3_bilstm_dense.keras", "config.json", r)),
        ];

        int accepted = 0, rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        long slowest = 0;
        for (int n = 0; n < Cases; n++)
        {
            (string name, Func<Random, (byte[], string)> mutant) = seeds[n % seeds.Length];
            (byte[] bytes, string mutation) = mutant(random);
            var caseClock = Stopwatch.StartNew();
            Task<Exception?> read = Task.Run(() =>
            {
                try
                {
                    _ = KerasImport.Read(new MemoryStream(bytes));
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            });
            if (!read.Wait(SlowLimit))
            {
                output.WriteLine($"case {n} ({name}, {mutation}): slow, no answer within {SlowLimit.TotalSeconds} s");
                if (!read.Wait(HangLimit - SlowLimit))
                {
                    failures.Add($"case {n} ({name}, {mutation}): no answer within {HangLimit.TotalSeconds} s");
                    break; // the read cannot be stopped; stop here rather than pile up threads
                }
            }

            slowest = Math.Max(slowest, caseClock.ElapsedMilliseconds);
            switch (read.Result)
            {
                case null:
                    accepted++;
                    break;
                case ImportException e when e.Message.StartsWith("<stream>: ", StringComparison.Ordinal):
                    rejected++;
                    break;
                case { } e:
                    failures.Add($"case {n} ({name}, {mutation}): {e.GetType().Name}: {e.Message}");
                    break;
            }
        }

        output.WriteLine($"{Cases} cases in {clock.ElapsedMilliseconds} ms (slowest {slowest} ms): {accepted} read, {rejected} refused, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.InRange(rejected, Cases / 4, Cases);
        Assert.True(accepted > 0, "no mutant was read: the success path went untested");
    }

    private static byte[] Fixture(string file) => File.ReadAllBytes(Path.Combine(KerasFixture.Directory, file));

    /// <summary>A .keras file whose entry <paramref name="entryName"/> is mutated and the zip rebuilt around it.</summary>
    private static (byte[], string) MutateEntry(string file, string entryName, Random random)
    {
        using var source = new ZipArchive(new MemoryStream(Fixture(file)), ZipArchiveMode.Read);
        var result = new MemoryStream();
        string mutation = "";
        using (var target = new ZipArchive(result, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                var content = new MemoryStream();
                using (Stream input = entry.Open())
                {
                    input.CopyTo(content);
                }

                byte[] bytes = content.ToArray();
                if (entry.FullName == entryName)
                {
                    (bytes, mutation) = Mutator.Mutate(bytes, random);
                }

                using Stream output = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                output.Write(bytes);
            }
        }

        return (result.ToArray(), $"{entryName}: {mutation}");
    }

    /// <summary>Most edits land in the first 2 KB, where HDF5's superblock and object headers and zip's local header are; boundary values: lengths, counts, versions, "undefined address" markers.</summary>
    private static readonly ByteMutator Mutator = new(
        (random, length) => random.Next(3) == 0 ? random.Next(length) : random.Next(Math.Min(2048, length)),
        [0, 1, 2, 0x7f, 0x80, 0xff], "boundary value", MaxInsert: 16);
}
