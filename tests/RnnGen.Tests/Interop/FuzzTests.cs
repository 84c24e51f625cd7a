using System.Buffers.Binary;
using System.Diagnostics;
using RnnGen.IO;
using RnnGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Interop;

/// <summary>
/// Random byte mutations of valid files (PyTorch's and RnnGen's): whatever the bytes, a load either succeeds or
/// throws RnnGen's documented weight-file error (InvalidDataException), and a failed load changes nothing.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private const int Cases = 6000;

    [Fact]
    public void MutatedFilesOnlyEverThrowTheDocumentedError()
    {
        var random = new Random(20251127);
        (string Name, byte[] Bytes, string Prefix)[] seeds =
        [
            ("lstm_3x5 (PyTorch)", SafeTensorsFiles.Bytes("lstm_3x5"), ""),
            ("tagger (PyTorch, prefixed)", SafeTensorsFiles.Bytes("tagger"), "rnn."),
            ("dtypes (PyTorch, F16/BF16/F64/I64, metadata)", SafeTensorsFiles.Bytes("dtypes"), ""),
            ("lstm 3x5 (RnnGen)", SafeTensorsFiles.Lstm3x5(), ""),
        ];
        var cells = new Dictionary<string, IRecurrentCell<float>>
        {
            [""] = new Lstm3x5(new Random(1)),
            ["rnn."] = new Lstm7x13(new Random(2)),
        };

        int accepted = 0, rejected = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int n = 0; n < Cases; n++)
        {
            (string name, byte[] seed, string prefix) = seeds[n % seeds.Length];
            (byte[] mutant, string mutation) = Mutator(seed).Mutate(seed, random);
            IRecurrentCell<float> cell = cells[prefix];
            float[] before = cell.Parameters.ToArray();
            try
            {
                // The full path a user takes: parse, validate, convert, then (for the dtype file) read every tensor.
                CellWeights.Load(cell, new MemoryStream(mutant), prefix, strict: n % 2 == 0);
                accepted++;
            }
            catch (InvalidDataException e) when (WeightFileErrors.IsWeightFileError(e) && e.Message.StartsWith("<stream>: ", StringComparison.Ordinal))
            {
                rejected++;
                if (!before.AsSpan().SequenceEqual(cell.Parameters))
                {
                    failures.Add($"case {n} ({name}, {mutation}): rejected but the parameters changed");
                }
            }
            catch (Exception e)
            {
                failures.Add($"case {n} ({name}, {mutation}): {e.GetType().Name}: {e.Message}");
            }

            ReadEveryTensor(mutant, n, name, mutation, failures);
        }

        output.WriteLine($"{Cases} cases in {clock.ElapsedMilliseconds} ms: {accepted} loaded, {rejected} rejected, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        // The mutations must actually reach the validation, not just perturb weight values.
        Assert.InRange(rejected, Cases / 3, Cases);
        Assert.True(accepted > 0, "no mutant loaded: the mutations never leave a file valid, so the success path went untested");
    }

    /// <summary>WeightFile's own readers on the mutant: only the documented error may escape.</summary>
    private static void ReadEveryTensor(byte[] mutant, int n, string name, string mutation, List<string> failures)
    {
        try
        {
            WeightFile file = WeightFile.Parse(mutant);
            foreach (TensorInfo info in file.Tensors)
            {
                try
                {
                    _ = file.Read<double>(info.Name);
                }
                catch (InvalidDataException e) when (WeightFileErrors.IsWeightFileError(e))
                {
                }
            }

            _ = file.ToArray();
        }
        catch (InvalidDataException e) when (WeightFileErrors.IsWeightFileError(e))
        {
        }
        catch (Exception e)
        {
            failures.Add($"case {n} ({name}, {mutation}) via WeightFile: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Edits biased toward the length field and the JSON header, where the structure lives; copies stay in the header (duplicate names, shuffled offsets).</summary>
    private static ByteMutator Mutator(byte[] seed)
    {
        int headerEnd = (int)Math.Min(seed.Length, 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(seed));
        return new ByteMutator(
            (random, length) => random.Next(4) switch
            {
                0 => random.Next(Math.Min(8, length)),                       // the length field
                1 or 2 => random.Next(Math.Min(headerEnd, length)),          // the JSON header
                _ => random.Next(length),                                     // anywhere, data included
            },
            "{}[]\",:-0123456789eE. \\u"u8.ToArray(), "JSON char",
            PickCopyTarget: (random, length) => random.Next(Math.Min(headerEnd, length)));
    }
}
