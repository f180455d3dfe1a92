namespace Gateway.Fuzz.Smoke;

/// <summary>
/// A small AFL-style mutator for the smoke run (no afl-fuzz, no instrumentation): bit flips, interesting bytes,
/// inserts, deletes, duplicated runs, dictionary tokens and splices with another seed. Seeded, so a smoke failure
/// reproduces: the same seed gives the same inputs.
/// </summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> seeds, IReadOnlyList<byte[]> dictionary)
{
    private static readonly byte[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, (byte)'\r', (byte)'\n', (byte)':', (byte)'"', (byte)'\\', (byte)'%', (byte)'0', (byte)'9', (byte)'f', (byte)' '];

    public byte[] Next()
    {
        var data = new List<byte>(seeds.Count == 0 ? [] : seeds[random.Next(seeds.Count)]);
        int rounds = 1 << random.Next(4); // 1, 2, 4 or 8 stacked mutations, as AFL's havoc stage stacks them
        for (int i = 0; i < rounds; i++)
        {
            Mutate(data);
        }
        return [.. data];
    }

    private void Mutate(List<byte> data)
    {
        switch (random.Next(data.Count == 0 ? 3 : 9))
        {
            case 0: // insert a dictionary token (or an interesting byte)
                Insert(data, dictionary.Count > 0 ? dictionary[random.Next(dictionary.Count)] : [Pick(Interesting)]);
                break;
            case 1:
                Insert(data, [Pick(Interesting)]);
                break;
            case 2: // splice: the front of this input with the back of another seed
                if (seeds.Count > 0)
                {
                    var other = seeds[random.Next(seeds.Count)];
                    int cut = random.Next(data.Count + 1);
                    data.RemoveRange(cut, data.Count - cut);
                    data.AddRange(other.Skip(random.Next(other.Length + 1)));
                }
                break;
            case 3:
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 4:
                data[random.Next(data.Count)] = Pick(Interesting);
                break;
            case 5:
                data[random.Next(data.Count)] = (byte)random.Next(256);
                break;
            case 6: // delete a run
                {
                    int start = random.Next(data.Count);
                    data.RemoveRange(start, random.Next(1, Math.Min(16, data.Count - start) + 1));
                }
                break;
            case 7: // duplicate a run (long repeats find the length limits)
                {
                    int start = random.Next(data.Count);
                    var run = data.GetRange(start, random.Next(1, Math.Min(64, data.Count - start) + 1));
                    int times = random.Next(1, 64);
                    for (int i = 0; i < times; i++)
                    {
                        data.InsertRange(start, run);
                    }
                }
                break;
            default: // overwrite with a dictionary token
                if (dictionary.Count > 0)
                {
                    var token = dictionary[random.Next(dictionary.Count)];
                    int at = random.Next(data.Count);
                    for (int i = 0; i < token.Length && at + i < data.Count; i++)
                    {
                        data[at + i] = token[i];
                    }
                }
                break;
        }
    }

    private void Insert(List<byte> data, byte[] bytes) => data.InsertRange(random.Next(data.Count + 1), bytes);

    private byte Pick(byte[] values) => values[random.Next(values.Length)];
}
