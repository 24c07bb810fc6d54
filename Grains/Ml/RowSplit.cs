namespace OrleansMl.Ml;

/// <summary>Seeded splits of row indices: stratified by class for classification, plain shuffles for regression.</summary>
internal static class RowSplit
{
    /// <summary>
    /// Splits <paramref name="rows"/> into a part of about <paramref name="fraction"/> and the rest. Classification
    /// keeps each class's share in both parts and never moves a class's last row out of the rest. Both parts come back
    /// in ascending order, which keeps column reads sequential.
    /// </summary>
    public static (int[] Kept, int[] HeldOut) Split(int[] rows, float[] labels, bool stratify, double fraction, int seed)
    {
        var random = new Random(seed);
        var groups = stratify
            ? rows.GroupBy(r => labels[r]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList()
            : [(int[])rows.Clone()];
        var rest = new List<int>(rows.Length);
        var part = new List<int>((int)(rows.Length * fraction) + groups.Count);
        foreach (var group in groups)
        {
            random.Shuffle(group);
            var take = (int)Math.Round(group.Length * fraction, MidpointRounding.AwayFromZero);
            take = Math.Min(take, group.Length - 1);
            part.AddRange(group.AsSpan(0, take));
            rest.AddRange(group.AsSpan(take));
        }

        // Tiny data can round every class's share down to nothing; hold out one row of the largest class then.
        if (part.Count == 0 && fraction > 0 && rest.Count > 2)
        {
            var largest = groups.OrderByDescending(g => g.Length).First();
            if (largest.Length > 1)
            {
                part.Add(largest[0]);
                rest.Remove(largest[0]);
            }
        }

        rest.Sort();
        part.Sort();
        return ([.. rest], [.. part]);
    }

    /// <summary>A seeded sample of at most <paramref name="count"/> rows, in ascending order.</summary>
    public static int[] Sample(int[] rows, int count, int seed)
    {
        if (rows.Length <= count)
        {
            return rows;
        }

        var copy = (int[])rows.Clone();
        new Random(seed).Shuffle(copy);
        var sample = copy[..count];
        Array.Sort(sample);
        return sample;
    }
}
