namespace Pix2Pix.Training.Training;

/// <summary>
/// The live progress line: epoch, step, losses, images/s and ETA. On a terminal it rewrites one line
/// every step; into a file or pipe it writes a line every print_freq steps.
/// </summary>
/// <remarks>
/// Two rates: the run's (images over the time spent on steps) for the end-of-epoch and end-of-run lines, and the
/// recent one (over the last <see cref="RecentSteps"/> steps) for the ETA, which follows a
/// change of pace such as the cGAN joining in epoch <c>--gan_start_epoch</c>. A gap between two steps far longer
/// than the recent ones (the process stopped with SIGSTOP, the machine suspended) counts as one ordinary step.
/// </remarks>
public sealed class ProgressReporter(TextWriter output, int printFrequency, int totalEpochs, int batchesPerEpoch, bool interactive, TimeProvider? time = null)
{
    /// <summary>How many steps the ETA's rate looks back over.</summary>
    public const int RecentSteps = 200;

    /// <summary>A gap this many times the recent time per image is a pause, not a step.</summary>
    public const double PauseFactor = 20;

    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private long images;
    private long mark = (time ?? TimeProvider.System).GetTimestamp(); // the clock starts now
    private TimeSpan excludedSinceMark;
    private TimeSpan stepTime;
    private readonly Queue<(int Images, double Seconds)> recent = new(RecentSteps);
    private bool midLine;

    /// <summary>Training throughput: images over the time spent on steps (checkpoint writing and pauses excluded).</summary>
    public double ImagesPerSecond => images / Math.Max(StepTime.TotalSeconds, 1e-9);

    /// <summary>The time spent on steps so far, checkpoint writing and pauses left out.</summary>
    public TimeSpan StepTime => stepTime;

    /// <summary>The recent rate, which the ETA uses.</summary>
    public double RecentImagesPerSecond => recent.Sum(s => s.Images) / Math.Max(recent.Sum(s => s.Seconds), 1e-9);

    /// <summary>Leaves time spent on something other than steps (saving checkpoints) out of the rates.</summary>
    public void Exclude(TimeSpan spent) => excludedSinceMark += spent;

    public void Step(int epoch, int batchIndex, int batchSize, StepLosses losses, long globalStep)
    {
        Count(batchSize);
        var last = batchIndex + 1 == batchesPerEpoch;
        if (!interactive && globalStep % printFrequency != 0 && !last) return;
        var remaining = ((long)(totalEpochs - epoch) * batchesPerEpoch + (batchesPerEpoch - batchIndex - 1)) * batchSize;
        var eta = TimeSpan.FromSeconds(Math.Round(remaining / Math.Max(RecentImagesPerSecond, 1e-9)));
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

    private void Count(int batchSize)
    {
        var now = clock.GetTimestamp();
        var seconds = Math.Max((clock.GetElapsedTime(mark, now) - excludedSinceMark).TotalSeconds, 0);
        mark = now;
        excludedSinceMark = TimeSpan.Zero;
        var usual = recent.Count > 0 ? batchSize / RecentImagesPerSecond : double.PositiveInfinity;
        if (seconds > PauseFactor * usual) seconds = usual;
        if (recent.Count == RecentSteps) recent.Dequeue();
        recent.Enqueue((batchSize, seconds));
        stepTime += TimeSpan.FromSeconds(seconds);
        images += batchSize;
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
}
