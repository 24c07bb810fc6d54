using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.Trainers.FastTree;

namespace OrleansMl.Ml;

/// <summary>
/// The trees of one ensemble output flattened for scoring a block of rows: eight rows walk side by side without
/// branches (independent walks keep the core busy while one waits for memory; which way a row goes is unpredictable,
/// so a branch would mispredict half the time), each through a chunk of trees one after another, adding leaf values to
/// its sum in double in tree order — the order ML.NET sums in, so the sums are bit for bit ML.NET's.
/// </summary>
/// <remarks>
/// <para>
/// Decisions are ML.NET's (<c>InternalRegressionTree.GetLeaf</c>): go left when the value is at most the threshold;
/// a missing value (NaN) takes the tree's default value for the node when the tree has defaults (LightGBM), else it
/// goes right; a categorical node goes right when any of its one-hot slots is above zero and is rewritten here as a
/// chain of numeric nodes. A tree without splits scores 0 and is left out (adding 0 changes no sum).
/// </para>
/// <para>
/// Each leaf is a copy of the next tree's root carrying the leaf's value, so a row reaching a leaf is at once adding
/// its value and deciding its way in the next tree: no step is spent on leaves, and a row that finishes a tree early
/// goes on with the next one instead of waiting for the other seven. The last tree's leaves lead to a sink at offset
/// 0 that leads to itself; the eight walks end together at the end of a chunk of trees.
/// </para>
/// </remarks>
internal sealed class FlatTrees
{
    private const int Lanes = 8;

    // Node bytes per chunk: small enough to stay in the core's second-level cache while every row of the block walks
    // it, large enough that rows rarely wait for each other at its end (measured: 128 KB beat 32 KB by 10-20%).
    private const int ChunkBytes = 128 * 1024;

    private readonly Node[][] _chunks;
    private readonly int[] _roots;

    private FlatTrees(List<Node[]> chunks, List<int> roots, int treeCount, bool hasMissingGoesLeft, int[] usedFeatures, int stride)
    {
        _chunks = [.. chunks];
        _roots = [.. roots];
        TreeCount = treeCount;
        HasMissingGoesLeft = hasMissingGoesLeft;
        UsedFeatures = usedFeatures;
        Stride = stride;
    }

    /// <summary>The key of every missing value (NaN): above the key of positive infinity, so it never goes left.</summary>
    public const int MissingKey = 0x7FC00000;

    /// <summary>Trees in the ensemble output, counting those without splits (ML.NET's <c>NumTrees</c>).</summary>
    public int TreeCount { get; }

    /// <summary>Values per feature column in a block: the most rows one call scores (a multiple of eight).</summary>
    public int Stride { get; }

    /// <summary>True when some node sends a missing value left, so batches holding NaN need the slower walk.</summary>
    public bool HasMissingGoesLeft { get; }

    /// <summary>Feature indices (of the original vector) the nodes read, ascending; nodes read them renumbered 0..n-1.</summary>
    public int[] UsedFeatures { get; }

    /// <summary>
    /// Flattens trees. <paramref name="missingDefaults"/> holds, per tree, ML.NET's default value for a missing value at
    /// each node, or null when the tree has none. Features are renumbered to their place in <paramref name="usedFeatures"/>;
    /// blocks hold <paramref name="stride"/> values per feature.
    /// </summary>
    public static FlatTrees Create(IReadOnlyList<RegressionTreeBase> trees, IReadOnlyList<float[]?> missingDefaults, int[] usedFeatures, int stride)
    {
        if (stride <= 0 || stride % Lanes != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), "The stride must be a positive multiple of eight.");
        }

        var compact = new Dictionary<int, int>();
        for (var i = 0; i < usedFeatures.Length; i++)
        {
            compact[usedFeatures[i]] = i;
        }

        var splits = new List<(List<Split> Nodes, RegressionTreeBase Tree)>();
        for (var t = 0; t < trees.Count; t++)
        {
            if (trees[t].NumberOfNodes > 0)
            {
                splits.Add((Splits(trees[t], missingDefaults[t], compact, stride), trees[t]));
            }
        }

        var chunks = new List<Node[]>();
        var roots = new List<int>();
        var missingLeft = false;
        for (var first = 0; first < splits.Count;)
        {
            // One chunk: trees [first, last), at least one, as many as fit in ChunkBytes.
            var last = first;
            var count = 1;
            do
            {
                count += splits[last].Nodes.Count + splits[last].Tree.NumberOfLeaves;
                last++;
            }
            while (last < splits.Count && (count + splits[last].Nodes.Count + splits[last].Tree.NumberOfLeaves) * Node.Size <= ChunkBytes);

            // Place every tree's splits, then its leaves, after the sink at 0.
            var splitBase = new int[last - first];
            var leafBase = new int[last - first];
            var position = 1;
            for (var t = first; t < last; t++)
            {
                splitBase[t - first] = position;
                position += splits[t].Nodes.Count;
                leafBase[t - first] = position;
                position += splits[t].Tree.NumberOfLeaves;
            }

            var nodes = new Node[position];
            nodes[0] = Node.Sink(0);
            for (var t = first; t < last; t++)
            {
                var i = t - first;
                int Place(int code) => code >= 0 ? splitBase[i] + code : leafBase[i] + ~code;
                foreach (var (index, split) in splits[t].Nodes.Index())
                {
                    nodes[splitBase[i] + index] = Node.Create(split, Place(split.Left), Place(split.Right));
                    missingLeft |= split.MissingGoesLeft;
                }
            }

            for (var t = first; t < last; t++)
            {
                var i = t - first;
                var tree = splits[t].Tree;
                for (var k = 0; k < tree.NumberOfLeaves; k++)
                {
                    nodes[leafBase[i] + k] = t + 1 < last
                        ? nodes[splitBase[i + 1]] with { Value = tree.LeafValues[k] }
                        : Node.Sink(tree.LeafValues[k]);
                }
            }

            chunks.Add(nodes);
            roots.Add(splitBase[0] * Node.Size);
            first = last;
        }

        return new FlatTrees(chunks, roots, trees.Count, missingLeft, usedFeatures, stride);
    }

    /// <summary>A tree's splits (categorical ones as chains), children as ML.NET codes: splits from 0, leaves ~k.</summary>
    private static List<Split> Splits(RegressionTreeBase tree, float[]? defaults, Dictionary<int, int> compact, int stride)
    {
        var splits = new List<Split>(tree.NumberOfNodes);
        for (var n = 0; n < tree.NumberOfNodes; n++)
        {
            splits.Add(default);
        }

        for (var n = 0; n < tree.NumberOfNodes; n++)
        {
            var left = tree.LeftChild[n];
            var right = tree.RightChild[n];
            if (!tree.CategoricalSplitFlags[n])
            {
                var threshold = tree.NumericalSplitThresholds[n];
                var goesLeft = defaults is not null && defaults[n] <= threshold;
                splits[n] = new Split(compact[tree.NumericalSplitFeatureIndexes[n]] * stride, threshold, left, right, goesLeft);
                continue;
            }

            // "Right when any slot is above zero": slot 1 <= 0 ? next slot : right, ..., last <= 0 ? left : right.
            // A missing slot (NaN, or its default when the tree has defaults) that is not above zero goes on.
            var slots = tree.GetCategoricalSplitFeaturesAt(n);
            var missingGoesOn = defaults is null || !(defaults[n] > 0);
            if (slots.Count == 0)
            {
                splits[n] = new Split(0, float.PositiveInfinity, left, left, true);
                continue;
            }

            var current = n;
            for (var s = 0; s < slots.Count; s++)
            {
                var last = s == slots.Count - 1;
                var next = last ? left : splits.Count;
                splits[current] = new Split(compact[slots[s]] * stride, 0f, next, right, missingGoesOn);
                if (!last)
                {
                    splits.Add(default);
                    current = next;
                }
            }
        }

        return splits;
    }

    /// <summary>
    /// A float as an int that orders like it: the walk compares these, because an integer comparison can pick a child
    /// with a conditional move and a float comparison cannot (the JIT branches on it). Zero and negative zero differ
    /// by one; thresholds of negative zero are stored as zero, so "at most the threshold" is unchanged. Every NaN maps
    /// to <see cref="MissingKey"/>.
    /// </summary>
    public static int Key(float value)
    {
        if (float.IsNaN(value))
        {
            return MissingKey;
        }

        var bits = BitConverter.SingleToInt32Bits(value);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    /// <summary>The feature indices a set of trees reads (numeric splits and categorical slots), ascending.</summary>
    public static SortedSet<int> FeaturesOf(IEnumerable<RegressionTreeBase> trees)
    {
        var used = new SortedSet<int>();
        foreach (var tree in trees)
        {
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                if (tree.CategoricalSplitFlags[n])
                {
                    used.UnionWith(tree.GetCategoricalSplitFeaturesAt(n));
                }
                else
                {
                    used.Add(tree.NumericalSplitFeatureIndexes[n]);
                }
            }
        }

        return used;
    }

    /// <summary>
    /// Adds every tree's output to <paramref name="sums"/> (one per row, in tree order). <paramref name="block"/> holds
    /// the renumbered features (as <see cref="Key"/>s) column after column, <see cref="Stride"/> values per column, of
    /// which the first <paramref name="rows"/> are rows to score; <paramref name="sums"/> holds room for
    /// <paramref name="rows"/> rounded up to a multiple of eight (the walk always takes eight rows; extra rows are
    /// scored and ignored). <paramref name="hasMissing"/> says whether any value is missing.
    /// </summary>
    public void Accumulate(ReadOnlySpan<int> block, int rows, bool hasMissing, Span<double> sums)
    {
        var lanes = (rows + Lanes - 1) / Lanes * Lanes;
        if (rows <= 0)
        {
            return;
        }

        if (rows > Stride || block.Length < Stride * Math.Max(1, UsedFeatures.Length) || sums.Length < lanes)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), "The block is smaller than the rows to score.");
        }

        ref var x = ref MemoryMarshal.GetReference(block);
        ref var sum = ref MemoryMarshal.GetReference(sums);
        for (var c = 0; c < _chunks.Length; c++)
        {
            ref var chunk = ref MemoryMarshal.GetArrayDataReference(_chunks[c]);
            if (hasMissing && HasMissingGoesLeft)
            {
                Walk<MissingAware>(ref chunk, _roots[c], ref x, lanes, ref sum);
            }
            else
            {
                Walk<Plain>(ref chunk, _roots[c], ref x, lanes, ref sum);
            }
        }
    }

    private static void Walk<TStep>(ref Node chunk, nint root, ref int x, int rows, ref double sum)
        where TStep : struct, IStep
    {
        for (var r = 0; r < rows; r += Lanes)
        {
            // Node offsets already hold feature * stride, so lane i reads at xr + offset + i: one base register.
            ref var xr = ref Unsafe.Add(ref x, r);
            ref var s = ref Unsafe.Add(ref sum, r);
            nint n0 = root, n1 = root, n2 = root, n3 = root, n4 = root, n5 = root, n6 = root, n7 = root;
            double s0 = s, s1 = Unsafe.Add(ref s, 1), s2 = Unsafe.Add(ref s, 2), s3 = Unsafe.Add(ref s, 3);
            double s4 = Unsafe.Add(ref s, 4), s5 = Unsafe.Add(ref s, 5), s6 = Unsafe.Add(ref s, 6), s7 = Unsafe.Add(ref s, 7);
            while ((n0 | n1 | n2 | n3 | n4 | n5 | n6 | n7) != 0)
            {
                n0 = TStep.Next(ref chunk, ref xr, n0, ref s0);
                n1 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 1), n1, ref s1);
                n2 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 2), n2, ref s2);
                n3 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 3), n3, ref s3);
                n4 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 4), n4, ref s4);
                n5 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 5), n5, ref s5);
                n6 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 6), n6, ref s6);
                n7 = TStep.Next(ref chunk, ref Unsafe.Add(ref xr, 7), n7, ref s7);
            }

            s = s0;
            Unsafe.Add(ref s, 1) = s1;
            Unsafe.Add(ref s, 2) = s2;
            Unsafe.Add(ref s, 3) = s3;
            Unsafe.Add(ref s, 4) = s4;
            Unsafe.Add(ref s, 5) = s5;
            Unsafe.Add(ref s, 6) = s6;
            Unsafe.Add(ref s, 7) = s7;
        }
    }

    /// <summary>A split with its feature column's offset in the block (in values) and its children as ML.NET codes.</summary>
    private readonly record struct Split(int Column, float Threshold, int Left, int Right, bool MissingGoesLeft);

    /// <summary>
    /// A node, all in bytes so a step needs no index arithmetic: the offset of its feature's column in the block, the
    /// threshold (as a <see cref="Key"/>), the offset of its left child in the chunk and the right child's distance from
    /// the left one, the value a row adds on reaching it (a leaf's value; 0 for splits), and whether a missing value
    /// goes left.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Node(int Offset, int Threshold, int Left, int Delta, double Value, int MissingGoesLeft, int Unused)
    {
        public const int Size = 32;

        public static Node Create(Split split, int left, int right) => new(
            split.Column * sizeof(int),
            Key(split.Threshold == 0 ? 0f : split.Threshold),
            left * Size,
            (right - left) * Size,
            0,
            split.MissingGoesLeft ? 1 : 0,
            0);

        /// <summary>The end of a chunk: every value goes left, to the sink at offset 0.</summary>
        public static Node Sink(double value) => new(0, int.MaxValue, 0, 0, value, 1, 0);
    }

    private interface IStep
    {
        static abstract nint Next(ref Node chunk, ref int row, nint node, ref double sum);
    }

    /// <summary>No missing value among the values: "at most the threshold" alone decides.</summary>
    private readonly struct Plain : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nint Next(ref Node chunk, ref int row, nint node, ref double sum)
        {
            // Which way a row goes is unpredictable, so the child is picked by arithmetic rather than a branch (the JIT
            // does not emit conditional moves inside loops): threshold - value is negative exactly when the row goes
            // right, and its sign, spread over all bits, selects the right child's distance from the left one.
            ref readonly var n = ref Unsafe.AddByteOffset(ref chunk, node);
            sum += n.Value;
            var goesRight = (nint)(((long)n.Threshold - Unsafe.AddByteOffset(ref row, n.Offset)) >> 63);
            return n.Left + (n.Delta & goesRight);
        }
    }

    /// <summary>A missing value takes the node's missing-value direction.</summary>
    private readonly struct MissingAware : IStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static nint Next(ref Node chunk, ref int row, nint node, ref double sum)
        {
            ref readonly var n = ref Unsafe.AddByteOffset(ref chunk, node);
            sum += n.Value;
            var value = Unsafe.AddByteOffset(ref row, n.Offset);
            var goesLeft = value <= n.Threshold | (value == MissingKey & n.MissingGoesLeft != 0);
            return n.Left + (n.Delta & -(nint)Unsafe.BitCast<bool, byte>(!goesLeft));
        }
    }
}
