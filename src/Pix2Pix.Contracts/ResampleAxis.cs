using System.Collections.Concurrent;

namespace Pix2Pix.Contracts;

/// <summary>
/// One axis of a separable resize: for every destination pixel, the first source pixel it reads and one weight for each of
/// the <see cref="Taps"/> pixels from there. The kernel is ImageSharp's bicubic (Catmull-Rom, a = −0.5) on the same pixel
/// centres, widened by the ratio when shrinking so that every source pixel counts (no aliasing), its weights renormalised
/// where it runs past the image's edge. An axis that keeps its size reads one pixel with weight 1. Immutable, so the axes of
/// recent sizes are kept and shared: a service sees the same few sizes over and over.
/// </summary>
internal sealed class ResampleAxis
{
    private const double KernelRadius = 2;

    /// <summary>
    /// How many (source, destination) pairs are kept; past that the cache starts again. An axis holds a weight per tap per
    /// destination pixel and a first pixel: about 100 KiB at most between 128 and the service's 4,096-pixel limit, so the cache
    /// stays under 7 MiB.
    /// </summary>
    private const int Kept = 64;

    private static readonly ConcurrentDictionary<(int Source, int Destination), ResampleAxis> Recent = new();

    private readonly int[] first;
    private readonly float[] weights;

    private ResampleAxis(int taps, int[] first, float[] weights)
    {
        Taps = taps;
        this.first = first;
        this.weights = weights;
    }

    public int Taps { get; }

    /// <summary>Whether the axis keeps its size: each pixel reads itself, with weight 1.</summary>
    public bool IsIdentity { get; private init; }

    /// <summary>How many destination pixels the axis has.</summary>
    public int Length => first.Length;

    /// <summary>The first source pixel that destination pixel <paramref name="destination"/> reads.</summary>
    public int FirstOf(int destination) => first[destination];

    public ReadOnlySpan<float> WeightsOf(int destination) => weights.AsSpan(destination * Taps, Taps);

    public static ResampleAxis Between(int source, int destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(source, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination, 1);
        if (Recent.TryGetValue((source, destination), out var kept)) return kept;
        if (Recent.Count >= Kept) Recent.Clear();
        return Recent[(source, destination)] = Compute(source, destination);
    }

    private static ResampleAxis Compute(int source, int destination)
    {
        if (source == destination) return new ResampleAxis(1, [.. Enumerable.Range(0, destination)], [.. Enumerable.Repeat(1f, destination)]) { IsIdentity = true };

        var ratio = (double)source / destination;
        var widening = Math.Max(1, ratio);
        var radius = Math.Ceiling(widening * KernelRadius);
        var centres = new double[destination];
        var lefts = new int[destination];
        var rights = new int[destination];
        for (var i = 0; i < destination; i++)
        {
            centres[i] = (i + 0.5) * ratio - 0.5;
            lefts[i] = Math.Max(0, (int)Math.Ceiling(centres[i] - radius));
            rights[i] = Math.Min(source - 1, (int)Math.Floor(centres[i] + radius));
        }

        var taps = Enumerable.Range(0, destination).Max(i => rights[i] - lefts[i] + 1);
        var first = new int[destination];
        var weights = new float[destination * taps];
        for (var i = 0; i < destination; i++)
        {
            first[i] = Math.Min(lefts[i], source - taps);
            var sum = 0.0;
            for (var j = lefts[i]; j <= rights[i]; j++) sum += Kernel((j - centres[i]) / widening);
            for (var j = lefts[i]; j <= rights[i]; j++) weights[i * taps + j - first[i]] = (float)(Kernel((j - centres[i]) / widening) / sum);
        }

        return new ResampleAxis(taps, first, weights);
    }

    private static double Kernel(double x)
    {
        x = Math.Abs(x);
        if (x <= 1) return (1.5 * x - 2.5) * x * x + 1;
        return x < 2 ? ((-0.5 * x + 2.5) * x - 4) * x + 2 : 0;
    }
}
