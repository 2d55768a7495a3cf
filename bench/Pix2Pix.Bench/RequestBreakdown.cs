using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Imaging;
using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using static Pix2Pix.Bench.Report;

namespace Pix2Pix.Bench;

/// <summary>
/// Where a request's time goes inside the service: the stages of its pipeline (the service's own classes, one CPU
/// session as it runs them, <see cref="ServiceSession"/>) timed one after the other on the same PNG, the median of each over many rounds.
/// </summary>
public sealed class RequestBreakdown(Report report, int rounds)
{
    private static readonly string[] Stages = ["decode", "fit to native (resize, tensor fill)", "inference", "restore (resize back, to pixels)", "encode"];

    public void Run(string label, string model, string png)
    {
        var bytes = File.ReadAllBytes(png);
        using var codec = new PngCodec(Options.Create(new UploadOptions()));
        using var session = ServiceSession.Open(label, model);
        var card = session.Card;
        var size = card.NativeSize;
        var input = new float[card.InputChannels * size * size];
        var times = Stages.Select(_ => new List<double>()).ToArray();
        var stamps = new long[Stages.Length + 1];
        var outputBytes = 0;
        for (var round = -20; round < rounds; round++)
        {
            stamps[0] = Stopwatch.GetTimestamp();
            var header = PngHeader.Read(bytes, 4096);
            using var image = codec.DecodeAsync(bytes, CancellationToken.None).GetAwaiter().GetResult();
            stamps[1] = Stopwatch.GetTimestamp();
            var content = Letterbox.Fit(image, size, input, card.InputChannels);
            stamps[2] = Stopwatch.GetTimestamp();
            var output = session.Run(input);
            stamps[3] = Stopwatch.GetTimestamp();
            using var restored = Letterbox.Restore(output, card.OutputChannels, size, content, new Size(header.Width, header.Height));
            stamps[4] = Stopwatch.GetTimestamp();
            outputBytes = PngWriter.Encode(restored).Length;
            stamps[5] = Stopwatch.GetTimestamp();
            if (round < 0) continue;
            for (var s = 0; s < Stages.Length; s++) times[s].Add(Stopwatch.GetElapsedTime(stamps[s], stamps[s + 1]).TotalMilliseconds);
        }

        var medians = times.Select(t => Measure.Percentile(t, 0.5)).ToArray();
        var total = medians.Sum();
        report.Line($"{label}, a {Path.GetFileName(png)} in, a {outputBytes / 1024} KiB PNG out; the median of {rounds} rounds per stage:");
        report.Line();
        report.Table(["stage", "ms", "share"], Stages.Select((stage, s) => (IReadOnlyList<string>)[stage, F(medians[s], 2), $"{F(100 * medians[s] / total)} %"])
            .Append(["all stages", F(total, 2), "100 %"]).Append(["all but inference", F(total - medians[2], 2), $"{F(100 * (total - medians[2]) / total)} %"]));
        report.Line();
    }
}
