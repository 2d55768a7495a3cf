using System.Diagnostics;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The live progress line: epoch, step, losses, images/s and ETA. On a terminal it rewrites one line
/// every step; into a file or pipe it writes a line every print_freq steps.
/// </summary>
public sealed class ProgressReporter(TextWriter output, int printFrequency, int totalEpochs, int batchesPerEpoch, bool interactive)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long images;
    private TimeSpan excluded;
    private bool midLine;

    /// <summary>Training throughput: images over the time spent on steps (checkpoint writing excluded).</summary>
    public double ImagesPerSecond => images / Math.Max((clock.Elapsed - excluded).TotalSeconds, 1e-9);

    /// <summary>Leaves time spent on something other than steps (saving checkpoints) out of the rate.</summary>
    public void Exclude(TimeSpan time) => excluded += time;

    public void Step(int epoch, int batchIndex, int batchSize, StepLosses losses, long globalStep)
    {
        images += batchSize;
        var last = batchIndex + 1 == batchesPerEpoch;
        if (!interactive && globalStep % printFrequency != 0 && !last) return;
        var remaining = ((long)(totalEpochs - epoch) * batchesPerEpoch + (batchesPerEpoch - batchIndex - 1)) * batchSize;
        var eta = TimeSpan.FromSeconds(remaining / Math.Max(ImagesPerSecond, 1e-9));
        var line = $"epoch {epoch}/{totalEpochs} step {batchIndex + 1}/{batchesPerEpoch} | "
            + string.Join(' ', StepLosses.Names.Zip(losses.Values, (n, v) => $"{n} {v:F3}"))
            + $" | {ImagesPerSecond:F2} img/s | ETA {Format(eta)}";
        if (interactive) output.Write("\r" + line.PadRight(120) + (last ? "\n" : ""));
        else output.WriteLine(line);
        midLine = interactive && !last;
        output.Flush();
    }

    /// <summary>A message on a line of its own, below the live progress line if one is showing.</summary>
    public void Line(string text)
    {
        if (midLine) output.WriteLine();
        midLine = false;
        output.WriteLine(text);
        output.Flush();
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
}
