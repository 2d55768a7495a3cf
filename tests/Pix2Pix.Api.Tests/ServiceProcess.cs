using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pix2Pix.Api.Tests;

/// <summary>The real service as its own process on a free loopback port (for signals and for browsers).</summary>
public sealed class ServiceProcess : IDisposable
{
    private ServiceProcess(Process process, int port)
    {
        Process = process;
        Url = $"http://127.0.0.1:{port}";
        Client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(60) };
    }

    public Process Process { get; }
    public string Url { get; }

    /// <summary>Every line the process wrote to stdout and stderr, native libraries' included.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();
    public HttpClient Client { get; }

    /// <summary>The service did not answer /health/ready in time, or exited first; it has been stopped.</summary>
    public sealed class NotReadyException(int processId, string message) : Exception(message)
    {
        public int ProcessId { get; } = processId;
    }

    /// <summary>
    /// Starts the service and waits until /health/ready says yes (within <paramref name="readyWithin"/>, 60 s unless
    /// given); a service that does not get there is stopped, not left running, and its last lines go into the error.
    /// <paramref name="morePorts"/>: loopback ports it listens on as well.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(IDictionary<string, string>? settings = null, TimeSpan? readyWithin = null, int[]? morePorts = null)
    {
        // The free port is found before the service binds it, so something else can take it in between: then the start is
        // tried again on another.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(FreePort(), settings, readyWithin, morePorts);
            }
            catch (NotReadyException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    /// <summary>
    /// Runs the service on loopback <paramref name="port"/> with <paramref name="settings"/> until it exits by itself (a start
    /// that fails), within <paramref name="within"/>: its exit code, standard output and standard error.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunUntilExitAsync(IDictionary<string, string> settings, int port, TimeSpan within)
    {
        using var process = Process.Start(StartInfo([port], settings))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(within);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the service was still running after {within.TotalSeconds:F0} s; its output:\n{await output}{await error}");
        }

        return (process.ExitCode, await output, await error);
    }

    private static async Task<ServiceProcess> StartOnceAsync(int port, IDictionary<string, string>? settings, TimeSpan? readyWithin, int[]? morePorts)
    {
        var process = Process.Start(StartInfo((morePorts ?? []).Prepend(port), settings))!;
        var service = new ServiceProcess(process, port);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) service.Output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) service.Output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitReadyAsync(readyWithin ?? TimeSpan.FromSeconds(60));
        }
        catch (Exception e) when (e is not NotReadyException)
        {
            service.Dispose();
            throw;
        }

        return service;
    }

    // The service's process: its Release build from the test output, on loopback ports, with the test models and settings.
    private static ProcessStartInfo StartInfo(IEnumerable<int> ports, IDictionary<string, string>? settings)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "Pix2Pix.Api.dll"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = string.Join(';', ports.Select(p => $"http://127.0.0.1:{p}"));
        start.Environment["Inference__ModelsFolder"] = TestModels.Folder;
        start.Environment["Inference__UseCuda"] = "false";
        // One session per model whatever the machine's cores (the default opens one per four): the same service everywhere.
        start.Environment["Inference__SessionsPerModel"] = "1";
        // As ServiceFactory: the decode limits (2 s, one decode per core) would turn a slow moment of a busy test machine
        // into a 422 or 503 in tests about something else; the tests of those limits set their own.
        start.Environment["Uploads__DecodeTimeoutMilliseconds"] = "30000";
        start.Environment["Uploads__MaxConcurrentDecodes"] = "16";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // No warm-up of the HTTP path over loopback (up to 10 s a start): HttpWarmUpTests turn it on.
        start.Environment["Inference__HttpWarmUpSeconds"] = "0";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {Process.Id}");
        kill.WaitForExit();
    }

    private async Task WaitReadyAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (Process.HasExited) NotReady($"the service exited during start-up (exit code {Process.ExitCode})");
            try
            {
                if ((await Client.GetAsync("/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        NotReady($"the service did not become ready within {within.TotalSeconds:F0} s");
    }

    // Stops the process and throws, with what it last wrote.
    private void NotReady(string why)
    {
        var id = Process.Id;
        Dispose();
        throw new NotReadyException(id, $"{why}; its last lines:\n{string.Join('\n', Output.TakeLast(20))}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(10_000);
        }

        Client.Dispose();
        Process.Dispose();
    }
}
