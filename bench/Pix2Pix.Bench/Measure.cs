using System.Diagnostics;

namespace Pix2Pix.Bench;

/// <summary>Timing that holds on a noisy shared machine: warm-up, then rivals measured in alternation, medians.</summary>
public static class Measure
{
    /// <summary>Median milliseconds of each action over <paramref name="rounds"/> alternating rounds, after one warm-up each.</summary>
    public static double[] Alternating(int rounds, params Action[] actions) => AlternatingRounds(rounds, actions).Select(Median).ToArray();

    /// <summary>Each action's milliseconds in each of <paramref name="rounds"/> alternating rounds, after one warm-up each.</summary>
    public static List<double>[] AlternatingRounds(int rounds, params Action[] actions)
    {
        foreach (var action in actions) action();
        var times = actions.Select(_ => new List<double>()).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var i = 0; i < actions.Length; i++) times[i].Add(Milliseconds(actions[i]));
        }

        return times;
    }

    /// <summary>How far the per-round ratios first/second strayed: the 10th and 90th percentiles, relative to their median.</summary>
    public static string RatioSpread(IReadOnlyList<double> first, IReadOnlyList<double> second) => Spread(first.Zip(second, (a, b) => a / b).ToArray());

    /// <summary>How far <paramref name="ratios"/> strayed: their 10th and 90th percentiles, relative to their median.</summary>
    public static string Spread(IReadOnlyList<double> ratios)
    {
        var median = Median(ratios);
        return $"{Report.F(100 * (Percentile(ratios, 0.1) / median - 1), 0)}…+{Report.F(100 * (Percentile(ratios, 0.9) / median - 1), 0)} %";
    }

    public static double Milliseconds(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
