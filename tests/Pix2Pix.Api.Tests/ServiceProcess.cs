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

    public static async Task<ServiceProcess> StartAsync(IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "Pix2Pix.Api.dll"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Inference__ModelsFolder"] = TestModels.Folder;
        start.Environment["Inference__UseCuda"] = "false";
        // One session per model whatever the machine's cores (the default opens one per four): the same service everywhere.
        start.Environment["Inference__SessionsPerModel"] = "1";
        // As ServiceFactory: the decode limits (2 s, one decode per core) would turn a slow moment of a busy test machine
        // into a 422 or 503 in tests about something else; the tests of those limits set their own.
        start.Environment["Uploads__DecodeTimeoutMilliseconds"] = "30000";
        start.Environment["Uploads__MaxConcurrentDecodes"] = "16";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var service = new ServiceProcess(process, port);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) service.Output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) service.Output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitReadyAsync();
        return service;
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {Process.Id}");
        kill.WaitForExit();
    }

    private async Task WaitReadyAsync()
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(Process.HasExited, "the service exited during start-up");
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

        Assert.Fail("the service did not become ready");
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
