using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using static Pix2Pix.Bench.Report;

namespace Pix2Pix.Bench;

/// <summary>
/// Section 3: the real service (its Release build, its own process, CPU) under `hey` on loopback at concurrency
/// 1, 2, 4, 8 with a 256×256 PNG: throughput, p50 and p99 against the model's own time. The model alone (ONNX Runtime in
/// this process, batch 1) and the service under load are measured in alternating rounds, so a ratio compares figures
/// taken minutes apart on a machine whose speed drifts; each ratio is the median of its rounds, with their spread.
/// </summary>
public sealed partial class ServiceBench(Report report, string work, string serviceDll, string hey, string png, int requests, int perRound, int rounds)
{
    public void Run(IReadOnlyList<(string Name, string Label, int Side)> models)
    {
        report.Heading("3. Service overhead: POST /translate under load");
        report.Line($"`hey -c C` against the service on loopback (one ONNX Runtime session per model, CPU), a 256×256 PNG sketch, about {perRound * rounds} requests per");
        report.Line($"concurrency in {rounds} rounds; before each round, the model's own time: ONNX Runtime's batch-1 ms/image in this process (the service's ONNX Runtime build), in a session");
        report.Line("the service's own code opens with the service's settings, on the sketch as the service letterboxes it, while the service idles (for the 128² model the service also");
        report.Line("scales 256² to 128² and back): the faster of its threads spinning through each run (as the service runs a request that has the model to itself) and sleeping");
        report.Line("between operators (as in busy periods). The p50 is held against the model's median run, the throughput against its runs back to back (their mean),");
        report.Line("as the service's throughput counts every request of a round. Ratios are the medians of the rounds' ratios (spread p10…p90).");
        report.Line("hey shares the machine's two cores with the service, so the ratios include the load generator's own CPU use.");
        report.Line("\"service's runs\": the mean time of the generator runs inside the service during the rounds (one batch each; its `pix2pix_inference_duration` on /metrics),");
        report.Line("which splits a ratio into the run itself (against the model's own time) and the rest of a request; \"KiB allocated\": what the service's .NET heap");
        report.Line("allocated per request in those rounds (`dotnet_gc_heap_total_allocated_bytes_total`, including two scrapes of /metrics a round).");
        report.Line();
        var port = FreePort();
        var starting = Stopwatch.GetTimestamp();
        using var service = Start(port);
        try
        {
            WaitReady(port, service);
            var toReady = Stopwatch.GetElapsedTime(starting).TotalSeconds;
            var rows = new List<string[]>();
            var cpuRows = new List<string[]>();
            using var self = Process.GetCurrentProcess();
            var cold = new List<string>();
            var warmUps = new List<string>();
            // The first requests after ready, one at a time, to every model before any is measured further: the later models'
            // used to be sent after the earlier ones' rounds, minutes after ready, on a service the rounds had warmed.
            var firsts = models.Select(m => Load(TranslateUrl(port, m.Name), FirstRequests, 1)).ToArray();
            foreach (var ((name, label, side), first) in models.Zip(firsts))
            {
                using var model = ServiceSession.Open(name, Path.Combine(work, name + ".onnx"));
                var input = Letterboxed(png, side);
                var url = TranslateUrl(port, name);
                warmUps.Add($"{label}: {WarmUntilTheJitSettles(port, url)}");
                // About a second of runs per way of running, at least 10 (it was 0.3 s and at least 5: five runs of unet_256,
                // about 90 ms each, made a noisy reference for its ratios).
                var runs = Math.Clamp((int)(1000 / Measure.Milliseconds(() => model.Run(input))), 10, 40);
                foreach (var concurrency in new[] { 1, 2, 4, 8 })
                {
                    var modelMs = new List<double>();
                    var modelMeanMs = new List<double>();
                    var runMs = new List<double>();
                    var allocated = new List<double>();
                    var (modelCpu, serviceCpu, restCpu, busy) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
                    var loads = new List<LoadResult>();
                    for (var round = 0; round < rounds; round++)
                    {
                        // The model's own time is its faster way of running back to back: threads that spin through the run
                        // (as the service runs a lone request) or that sleep between operators (as in busy periods).
                        // Each way's CPU time per run too (this process's, which does nothing else meanwhile).
                        (double[] Times, double CpuMs) OwnRuns(bool alone)
                        {
                            var cpu = CpuUse.Start(self);
                            var times = Enumerable.Range(0, runs).Select(_ => Measure.Milliseconds(() => model.Run(input, alone))).ToArray();
                            return (times, cpu?.Stop().ProcessMs / runs ?? double.NaN);
                        }

                        var (spinning, sleeping) = (OwnRuns(alone: true), OwnRuns(alone: false));
                        modelMs.Add(Math.Min(Measure.Median(spinning.Times), Measure.Median(sleeping.Times)));
                        var faster = spinning.Times.Average() <= sleeping.Times.Average() ? spinning : sleeping;
                        modelMeanMs.Add(faster.Times.Average());
                        modelCpu.Add(faster.CpuMs);
                        var before = ServiceCounters.Read(port, name);
                        var read = Stopwatch.StartNew();
                        var counting = CpuUse.Start(service);
                        var load = Load(url, Math.Max(2, perRound / concurrency) * concurrency, concurrency);   // hey sends n / c from each worker
                        loads.Add(load);
                        if (counting?.Stop() is { } used && load.Latencies.Length > 0)
                        {
                            serviceCpu.Add(used.ProcessMs / load.Latencies.Length);
                            restCpu.Add(Math.Max(0, used.MachineMs - used.ProcessMs) / load.Latencies.Length);
                            busy.Add(used.BusyShare);
                        }

                        // The Prometheus exporter answers a scrape within 300 ms of the last from its cache.
                        Thread.Sleep(Math.Max(0, 350 - (int)read.ElapsedMilliseconds));
                        if (before is { } b && ServiceCounters.Read(port, name) is { } a && a.Runs > b.Runs)
                        {
                            runMs.Add((a.RunMilliseconds - b.RunMilliseconds) / (a.Runs - b.Runs));
                            allocated.Add((a.AllocatedBytes - b.AllocatedBytes) / 1024 / Math.Max(1, load.Latencies.Length));
                        }
                    }

                    var latencies = loads.SelectMany(l => l.Latencies).ToArray();
                    var p50 = Measure.Percentile(latencies, 0.5);
                    var latencyRatios = loads.Select((l, r) => l.P50 / modelMs[r]).ToArray();
                    var throughputRatios = loads.Select((l, r) => l.Throughput * modelMeanMs[r] / 1000).ToArray();
                    if (concurrency == 1) cold.Add($"{label}: the first {FirstRequests} requests' p50 {F(first.P50)} ms, {F(first.P50 / p50, 2)}× the warm p50 ({F(p50)} ms)");
                    rows.Add([label, $"{concurrency}", $"{latencies.Length}", F(latencies.Length / loads.Sum(l => l.Seconds)), F(p50),
                        F(Measure.Percentile(latencies, 0.99)), $"{loads.Sum(l => l.Errors)}", F(Measure.Median(modelMs)), runMs.Count > 0 ? F(Measure.Median(runMs)) : "–", allocated.Count > 0 ? F(Measure.Median(allocated), 0) : "–",
                        $"{F(Measure.Median(latencyRatios), 2)}× ({Measure.Spread(latencyRatios)})", $"{F(Measure.Median(throughputRatios), 2)}× ({Measure.Spread(throughputRatios)})"]);
                    if (serviceCpu.Count > 0)
                    {
                        cpuRows.Add([label, $"{concurrency}", F(Measure.Median(modelCpu), 2), F(Measure.Median(modelMeanMs), 2), F(Measure.Median(serviceCpu), 2),
                            F(Measure.Median(restCpu), 2), $"{F(100 * Measure.Median(busy), 0)} %"]);
                    }
                }
            }

            report.Table(["model", "concurrency", "requests", "requests/s", "p50 ms", "p99 ms", "non-200", "model ms", "service's runs ms", "KiB allocated / request", "p50 / model", "throughput / model's"], rows);
            report.Line();
            CpuTable(cpuRows);
            report.Line($"Start to ready: {F(toReady)} s (process start to the first 200 from `/health/ready`, the models loaded and the request path warmed up). Right after ready, {FirstRequests} requests to each model in turn, one at a time:");
            report.Line();
            foreach (var line in cold) report.Line($"- {line}");
            report.Line();
            report.Line("Before the rounds, each model's requests ran until the service's JIT went quiet (its `dotnet_jit_compilation_time_seconds_total`");
            report.Line($"grew by less than {F(100 * QuietJit, 0)} % of a batch of requests' wall time, two batches in a row): tiering the HTTP path's methods otherwise takes a core for the first few");
            report.Line("hundred requests and slows the rounds measured first.");
            report.Line();
            foreach (var line in warmUps) report.Line($"- {line}");
            report.Line();
            service.Kill(entireProcessTree: true);
            service.WaitForExit();
            var (name0, label0, _) = models[^1];
            ColdStarts(name0, label0, starts: rounds);
            report.Heading("3b. Where a request's time goes");
            foreach (var (name, label, _) in models) new RequestBreakdown(report, requests).Run(label, Path.Combine(work, name + ".onnx"), png);
        }
        finally
        {
            if (!service.HasExited) service.Kill(entireProcessTree: true);
        }
    }

    // Where the cores went in the same rounds (medians of the rounds): what bounds the throughput once they are all busy.
    private void CpuTable(List<string[]> cpuRows)
    {
        if (cpuRows.Count == 0) return;
        report.Line($"CPU time in the same rounds (the medians of the rounds; {Environment.ProcessorCount} cores give {F(Environment.ProcessorCount * 1000.0, 0)} CPU ms a second): the model's own runs");
        report.Line("back to back, the faster way, per image (this process's CPU time: threads that spin count while they spin), against the service process's CPU time");
        report.Line("per request and the rest of the machine's (hey, and the kernel's work outside the service) from /proc/stat, and the share of the cores' time that was busy.");
        report.Line("Under load the throughput is the busy share of the cores' CPU time a second over what a request costs the service and the rest:");
        report.Line("it reaches the model's own only if a request costs no more than the model's run and leaves the cores no idler than the model does.");
        report.Line();
        report.Table(["model", "concurrency", "model CPU ms / image", "model ms / image", "service CPU ms / request", "rest of the machine CPU ms / request", "cores busy"], cpuRows);
        report.Line();
    }

    /// <summary>JIT time, as a share of a warm-up batch's wall time, under which the service counts as warm.</summary>
    private const double QuietJit = 0.01;

    /// <summary>
    /// Runs batches of requests (concurrency 2) until the service's JIT spent less than <see cref="QuietJit"/> of a batch's
    /// wall time compiling in two batches in a row, read from its Prometheus endpoint; says how many requests and JIT seconds that took.
    /// </summary>
    private string WarmUntilTheJitSettles(int port, string url)
    {
        var batch = Math.Max(50, requests / 2);
        var before = JitSeconds(port);
        if (before is null)
        {
            Load(url, 4 * batch, 2);
            return $"{4 * batch} requests (the service's /metrics could not be read, so the JIT was not watched)";
        }

        var (sent, jit, quiet) = (0, 0.0, 0);
        for (var i = 0; i < 40; i++)
        {
            var watch = Stopwatch.StartNew();
            Load(url, batch, 2);
            sent += batch;
            var after = JitSeconds(port) ?? before.Value;
            jit += after - before.Value;
            quiet = after - before.Value < QuietJit * watch.Elapsed.TotalSeconds ? quiet + 1 : 0;
            before = after;
            // Two quiet batches in a row: the runtime tiers methods up in bursts, after a delay.
            if (quiet == 2) return $"{sent} requests, {F(jit, 2)} s of JIT";
        }

        return $"{sent} requests, {F(jit, 2)} s of JIT, and it had not gone quiet";
    }

    private static double? JitSeconds(int port) =>
        MetricLines(port) is { } lines && lines.FirstOrDefault(l => l.StartsWith("dotnet_jit_compilation_time_seconds_total", StringComparison.Ordinal)) is { } line ? ValueOf(line) : null;

    /// <summary>
    /// The service's counters read from its /metrics: the generator runs of one model so far (their number and total
    /// milliseconds, over every label set) and the bytes its .NET heap has allocated.
    /// </summary>
    private sealed record ServiceCounters(double Runs, double RunMilliseconds, double AllocatedBytes)
    {
        public static ServiceCounters? Read(int port, string model)
        {
            if (MetricLines(port) is not { } lines) return null;
            var ofModel = lines.Where(l => l.Contains($"model=\"{model}\"", StringComparison.Ordinal)).ToArray();
            double Total(IEnumerable<string> of, string series) => of.Where(l => l.StartsWith(series + "{", StringComparison.Ordinal)).Sum(ValueOf);
            return new ServiceCounters(Total(ofModel, "pix2pix_inference_duration_milliseconds_count"), Total(ofModel, "pix2pix_inference_duration_milliseconds_sum"),
                Total(lines, "dotnet_gc_heap_total_allocated_bytes_total"));
        }
    }

    private static double ValueOf(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);

    private static string[]? MetricLines(int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            return client.GetStringAsync($"http://127.0.0.1:{port}/metrics").Result.Split('\n');
        }
        catch (AggregateException)
        {
            return null;
        }
    }

    private sealed record LoadResult(double[] Latencies, double Seconds, int Errors)
    {
        public double P50 => Measure.Percentile(Latencies, 0.5);

        public double Throughput => Latencies.Length / Seconds;
    }

    private LoadResult Load(string url, int n, int concurrency)
    {
        var start = new ProcessStartInfo(hey, ["-n", $"{n}", "-c", $"{concurrency}", "-m", "POST", "-T", "image/png", "-D", png, "-o", "csv", url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var csv = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).Where(c => c.Length >= 8).ToArray();
        var latencies = rows.Select(c => double.Parse(c[0], CultureInfo.InvariantCulture) * 1000).ToArray();
        var end = rows.Max(c => double.Parse(c[7], CultureInfo.InvariantCulture) + double.Parse(c[0], CultureInfo.InvariantCulture));
        // hey's CSV lists the requests that got an answer; the rest of what it sent failed (refused, reset, timed out) and
        // count as errors too. It sends n / c requests from each of its c workers.
        return new LoadResult(latencies, end, rows.Count(c => c[6] != "200") + Math.Max(0, n / concurrency * concurrency - rows.Length));
    }

    // The sketch as the service hands it to the model: letterboxed to the model's side, planar values in [-1, 1].
    private static float[] Letterboxed(string png, int side)
    {
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(png);
        var input = new float[3 * side * side];
        Pix2Pix.Contracts.Letterbox.Fit(image, side, input);
        return input;
    }

    private Process Start(int port, string? modelsFolder = null)
    {
        var start = new ProcessStartInfo("dotnet", [serviceDll])
        {
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Inference__ModelsFolder"] = modelsFolder ?? work;
        start.Environment["Inference__UseCuda"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitReady(int port, Process service)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 240; i++)
        {
            if (service.HasExited) throw new InvalidOperationException("the service exited during start-up");
            try
            {
                if (client.GetAsync($"http://127.0.0.1:{port}/health/ready").Result.IsSuccessStatusCode) return;
            }
            catch (AggregateException)
            {
            }

            Thread.Sleep(500);
        }

        throw new TimeoutException("the service did not become ready in two minutes");
    }

    /// <summary>Where the service on <paramref name="port"/> translates with <paramref name="model"/>.</summary>
    private static string TranslateUrl(int port, string model) => $"http://127.0.0.1:{port}/translate?model={model}";

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
