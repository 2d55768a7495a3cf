using System.Diagnostics;
using static Pix2Pix.Bench.Report;

namespace Pix2Pix.Bench;

public sealed partial class ServiceBench
{
    /// <summary>Requests each cold start sends before it measures the warm median, and how many that median takes.</summary>
    private const int SettleRequests = 600, WarmRequests = 300;

    /// <summary>The requests right after ready whose p50 is held against the warm p50, one at a time.</summary>
    private const int FirstRequests = 20;

    /// <summary>
    /// The default deployment (one model in its folder) started <paramref name="starts"/> times: for each, start to ready,
    /// then the first 20 requests after ready against the warm p50 of the same process. One start is one sample of a
    /// figure that drifts with the host; the median of several, with their spread, repeats from run to run.
    /// </summary>
    private void ColdStarts(string name, string label, int starts)
    {
        var folder = Path.Combine(work, "cold-starts");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(work, name + ".onnx"), Path.Combine(folder, name + ".onnx"), overwrite: true);
        var (ratios, toReady, rows) = (new List<double>(), new List<double>(), new List<string[]>());
        for (var s = 0; s < starts; s++)
        {
            var port = FreePort();
            var starting = Stopwatch.GetTimestamp();
            using var service = Start(port, folder);
            try
            {
                WaitReady(port, service);
                toReady.Add(Stopwatch.GetElapsedTime(starting).TotalSeconds);
                var url = TranslateUrl(port, name);
                var first = Load(url, FirstRequests, 1);
                Load(url, SettleRequests, 1);
                var warm = Load(url, WarmRequests, 1);
                ratios.Add(first.P50 / warm.P50);
                rows.Add([$"{s + 1}", F(toReady[^1]), F(first.P50), F(warm.P50), F(ratios[^1], 2), $"{first.Errors + warm.Errors}"]);
            }
            finally
            {
                service.Kill(entireProcessTree: true);
                service.WaitForExit();
            }
        }

        report.Line();
        report.Line($"**Cold starts.** {label} alone in its models folder (the default deployment), started {starts} times: the p50 of the first {FirstRequests} requests after");
        report.Line($"ready (one at a time) against the same process's warm p50 ({WarmRequests} requests after {SettleRequests} more). One start is one sample of a figure that drifts");
        report.Line("with the host; the median of the starts is the figure quoted.");
        report.Line();
        report.Table(["start", "start to ready s", $"first {FirstRequests} p50 ms", "warm p50 ms", $"first {FirstRequests} / warm", "non-200"], rows);
        report.Line();
        report.Line($"First {FirstRequests} / warm p50: median {F(Measure.Median(ratios), 2)}× ({Measure.Spread(ratios)}); start to ready: median {F(Measure.Median(toReady))} s ({F(toReady.Min())}–{F(toReady.Max())} s).");
        report.Line();
    }
}
