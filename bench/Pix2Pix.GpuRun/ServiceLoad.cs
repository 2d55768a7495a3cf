using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Pix2Pix.GpuRun;

/// <summary>The service at one concurrency: requests answered per second, latency percentiles and every non-200 answer.</summary>
public sealed record LoadRow(string Model, int Concurrency, int Requests, double RequestsPerSecond, double P50, double P99, int Errors, string ErrorKinds);

/// <summary>
/// The real service (the bundle's self-contained Pix2Pix.Api) on a loopback port, with CUDA on: started, waited for until
/// /health/ready, then loaded by closed-loop clients that each POST the sketch as soon as their last answer came back.
/// </summary>
public sealed class ServiceLoad : IAsyncDisposable
{
    private readonly Process process;
    private readonly HttpClient client;
    private readonly Queue<string> output = new();

    private ServiceLoad(Process process, string url)
    {
        this.process = process;
        client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    /// <summary>Seconds from the process's start to /health/ready.</summary>
    public double StartToReadySeconds { get; private set; }

    /// <summary>Starts the service on the models in <paramref name="modelsFolder"/>, <paramref name="defaultModel"/> the default.</summary>
    public static async Task<ServiceLoad> StartAsync(RunOptions options, string modelsFolder, string defaultModel)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(options.Service, "Pix2Pix.Api"))
        {
            WorkingDirectory = options.Service,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Inference__ModelsFolder"] = modelsFolder;
        start.Environment["Inference__DefaultModel"] = defaultModel;
        start.Environment["Inference__UseCuda"] = "true";
        start.Environment["Inference__QueueCapacity"] = "256";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Pix2Pix.Api.Inference.GeneratorModel"] = "Information";
        var clock = Stopwatch.StartNew();
        var service = new ServiceLoad(Process.Start(start)!, $"http://127.0.0.1:{port}");
        service.process.OutputDataReceived += (_, line) => service.Keep(line.Data);
        service.process.ErrorDataReceived += (_, line) => service.Keep(line.Data);
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        while (true)
        {
            if (service.process.HasExited) throw new InvalidOperationException($"the service exited during start-up:\n{service.Output}");
            if (clock.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"the service was not ready after 5 minutes:\n{service.Output}");
            try
            {
                if ((await service.client.GetAsync("/health/ready")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        service.StartToReadySeconds = clock.Elapsed.TotalSeconds;
        return service;
    }

    /// <summary>The last lines the service wrote (its start-up log: which provider and device each model got).</summary>
    public string Output
    {
        get
        {
            lock (output) return string.Join('\n', output);
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (output)
        {
            output.Enqueue(line);
            if (output.Count > 200) output.Dequeue();
        }
    }

    /// <summary>GET /models: each model's name, provider and device, as the service reports them.</summary>
    public async Task<IReadOnlyList<(string Name, string State, string? Provider, string? Device)>> ModelsAsync()
    {
        using var models = JsonDocument.Parse(await client.GetStringAsync("/models"));
        return models.RootElement.EnumerateArray().Select(m => (
            m.GetProperty("name").GetString()!,
            m.GetProperty("state").GetString()!,
            m.GetProperty("provider").GetString(),
            m.GetProperty("device").GetString())).ToArray();
    }

    public async Task<LoadRow> LoadAsync(string model, byte[] png, int concurrency, TimeSpan duration)
    {
        await Send(model, png);   // a first request outside the timing
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var perClient = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var times = new Latencies();
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var outcome = await Send(model, png);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (outcome != "200") errors.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            }

            return times;
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = new Latencies();
        foreach (var times in perClient) all.AddRange(times);
        var kinds = string.Join(", ", errors.OrderBy(e => e.Key).Select(e => $"{e.Key} ×{e.Value}"));
        return new LoadRow(model, concurrency, all.Count, all.Count / elapsed, all.At(0.5), all.At(0.99), errors.Values.Sum(), kinds);
    }

    // The answer's status code, or the exception's type for a request that got none.
    private async Task<string> Send(string model, byte[] png)
    {
        try
        {
            using var content = new ByteArrayContent(png);
            content.Headers.ContentType = new("image/png");
            using var response = await client.PostAsync($"/translate?model={Uri.EscapeDataString(model)}", content);
            await response.Content.CopyToAsync(Stream.Null);
            return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e.GetType().Name;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    /// <summary>Stops the service as an orchestrator would: SIGTERM, then its drain; killed if it outstays 60 s.</summary>
    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 15);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
    }
}
