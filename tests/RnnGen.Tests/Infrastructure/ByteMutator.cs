namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// The fuzz tests' mutations of a valid file: one to three random edits (flip a bit, set a byte, set a byte the
/// format gives meaning to, insert, delete, truncate, copy a stretch elsewhere), each aimed by the format's own
/// <see cref="PickPosition"/> at where its structure lives. Deterministic for a seeded <see cref="Random"/>; every
/// edit is described, so a failing case can be replayed by reading its message.
/// </summary>
/// <param name="PickPosition">Where an edit lands, given the file's current length (≥ 1).</param>
/// <param name="StructuralBytes">Byte values the format gives meaning to (JSON punctuation, varint continuation bits, …).</param>
/// <param name="StructuralName">What those bytes are, for the edit's description.</param>
/// <param name="PickCopyTarget">Where a copied stretch goes; null: the format gets no copy edits.</param>
/// <param name="MaxInsert">The most random bytes one insert adds.</param>
/// <param name="MaxCopy">The longest stretch one copy moves.</param>
public sealed record ByteMutator(
    Func<Random, int, int> PickPosition, byte[] StructuralBytes, string StructuralName,
    Func<Random, int, int>? PickCopyTarget = null, int MaxInsert = 8, int MaxCopy = 24)
{
    /// <summary>A mutated copy of <paramref name="seed"/> and the list of edits made.</summary>
    public (byte[] Bytes, string Edits) Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        var edits = new List<string>();
        int count = random.Next(1, 4);
        int kinds = PickCopyTarget is null ? 6 : 7;
        for (int i = 0; i < count && bytes.Count > 0; i++)
        {
            int at = Math.Min(PickPosition(random, bytes.Count), bytes.Count - 1);
            switch (random.Next(kinds))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    edits.Add($"flip bit at {at}");
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    edits.Add($"set byte {at}");
                    break;
                case 2:
                    bytes[at] = StructuralBytes[random.Next(StructuralBytes.Length)];
                    edits.Add($"set {StructuralName} at {at}");
                    break;
                case 3:
                    int insert = random.Next(1, MaxInsert + 1);
                    bytes.InsertRange(at, Enumerable.Range(0, insert).Select(_ => (byte)random.Next(256)));
                    edits.Add($"insert {insert} at {at}");
                    break;
                case 4:
                    int delete = Math.Min(random.Next(1, 9), bytes.Count - at);
                    bytes.RemoveRange(at, delete);
                    edits.Add($"delete {delete} at {at}");
                    break;
                case 5:
                    bytes.RemoveRange(at, bytes.Count - at);
                    edits.Add($"truncate at {at}");
                    break;
                default:
                    int length = Math.Min(random.Next(1, MaxCopy + 1), bytes.Count - at);
                    byte[] chunk = bytes.GetRange(at, length).ToArray();
                    int to = Math.Min(PickCopyTarget!(random, bytes.Count), bytes.Count - 1);
                    for (int k = 0; k < chunk.Length && to + k < bytes.Count; k++)
                    {
                        bytes[to + k] = chunk[k];
                    }

                    edits.Add($"copy {length} from {at} to {to}");
                    break;
            }
        }

        return (bytes.ToArray(), string.Join(", ", edits));
    }
}
