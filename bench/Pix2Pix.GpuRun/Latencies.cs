namespace Pix2Pix.GpuRun;

/// <summary>Milliseconds collected from one measurement, read back as nearest-rank percentiles.</summary>
public sealed class Latencies
{
    private readonly List<double> values = [];

    public int Count => values.Count;

    public void Add(double milliseconds) => values.Add(milliseconds);

    public void AddRange(Latencies other) => values.AddRange(other.values);

    /// <summary>The value below which a share <paramref name="p"/> of them lie (p 0.5 is the median); NaN when empty.</summary>
    public double At(double p)
    {
        if (values.Count == 0) return double.NaN;
        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(p * values.Count) - 1, 0, values.Count - 1)];
    }
}
