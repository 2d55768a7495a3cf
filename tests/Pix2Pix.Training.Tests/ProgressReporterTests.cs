using Microsoft.Extensions.Time.Testing;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Tests;

public class ProgressReporterTests
{
    private static readonly StepLosses Losses = new(1, 2, 3, 4);

    [Fact]
    public void On_a_terminal_a_message_after_the_live_progress_line_starts_a_line_of_its_own()
    {
        using var output = new StringWriter();
        var progress = new ProgressReporter(output, printFrequency: 100, totalEpochs: 2, batchesPerEpoch: 10, interactive: true);

        progress.Step(1, 3, 1, Losses, 4);
        progress.Line("stopped in epoch 1 at step 4");

        var text = output.ToString();
        Assert.StartsWith("\repoch 1/2 step 4/10", text);
        Assert.EndsWith("\nstopped in epoch 1 at step 4" + Environment.NewLine, text);
    }

    [Fact]
    public void A_run_stopped_for_ten_minutes_between_two_steps_reports_the_rate_it_trains_at()
    {
        var clock = new FakeTimeProvider();
        var progress = new ProgressReporter(TextWriter.Null, 100, totalEpochs: 1, batchesPerEpoch: 100, interactive: false, clock);

        for (var i = 0; i < 20; i++)
        {
            if (i == 10) clock.Advance(TimeSpan.FromMinutes(10)); // SIGSTOP, then SIGCONT
            clock.Advance(TimeSpan.FromMilliseconds(250));
            progress.Step(1, i, 2, Losses, i + 1);
        }

        Assert.Equal(8.0, progress.ImagesPerSecond, 6);
        Assert.Equal(TimeSpan.FromSeconds(5), progress.StepTime);
    }

    [Fact]
    public void Time_spent_saving_checkpoints_is_left_out_of_the_rate()
    {
        var clock = new FakeTimeProvider();
        var progress = new ProgressReporter(TextWriter.Null, 100, totalEpochs: 1, batchesPerEpoch: 100, interactive: false, clock);

        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            progress.Step(1, i, 1, Losses, i + 1);
            clock.Advance(TimeSpan.FromSeconds(1)); // writing a checkpoint: slower than a step, but short of a pause
            progress.Exclude(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(10.0, progress.ImagesPerSecond, 6);
    }

    [Fact]
    public void The_eta_follows_the_pace_of_the_recent_steps_when_the_cgan_joins_in()
    {
        using var output = new StringWriter();
        var clock = new FakeTimeProvider();
        var progress = new ProgressReporter(output, printFrequency: 1, totalEpochs: 2, batchesPerEpoch: 1000, interactive: false, clock);

        for (var i = 0; i < 600; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(i < 300 ? 25 : 100)); // 40 img/s with λ·L1 alone, then 10 with the cGAN
            progress.Step(1, i, 1, Losses, i + 1);
        }

        var last = output.ToString().TrimEnd().Split('\n')[^1];
        Assert.EndsWith("| 16.00 img/s | ETA 2m20s", last); // 1,400 images left at 10 img/s; the run's rate would say 1m27s
    }
}
