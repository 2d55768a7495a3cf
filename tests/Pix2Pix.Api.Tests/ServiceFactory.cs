using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// The real service (real pipeline, real ONNX Runtime) over a models folder of the test's choosing, with
/// in-memory telemetry exporters so tests can see spans and metrics.
/// </summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;

    public ServiceFactory(string? modelsFolder = null, IDictionary<string, string?>? settings = null)
    {
        ModelsFolder = modelsFolder ?? TestModels.Folder;
        this.settings = new Dictionary<string, string?>
        {
            ["Inference:ModelsFolder"] = ModelsFolder,
            ["Inference:UseCuda"] = "false",
            // One session per model whatever the machine's cores (the default opens one per four): batching and queueing
            // behave the same on a 2-core test machine and a 64-core CI host. Tests of several sessions set their own.
            ["Inference:SessionsPerModel"] = "1",
            // The decode limits (2 s, one decode per core) would turn a slow moment of a busy 2-core test machine into a 422
            // or 503 in tests about something else; the tests of those limits set their own.
            ["Uploads:DecodeTimeoutMilliseconds"] = "30000",
            ["Uploads:MaxConcurrentDecodes"] = "16",
            // No warm-up of the HTTP path over loopback where a test serves on Kestrel (UseKestrel): HttpWarmUpTests turn it on.
            ["Inference:HttpWarmUpSeconds"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) this.settings[key] = value;
    }

    public string ModelsFolder { get; }
    public List<System.Diagnostics.Activity> Spans { get; } = [];
    public List<Metric> Metrics { get; } = [];
    public LogCollector Logs { get; } = new();

    /// <summary>The log lines OpenTelemetry exports (what an OTLP collector would receive).</summary>
    public List<LogRecord> LogRecords { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureServices(services => services.AddOpenTelemetry()
            .WithTracing(t => t.AddInMemoryExporter(Spans))
            .WithMetrics(m => m.AddInMemoryExporter(Metrics, o => o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 100))
            // Only an exporter: whether log lines reach OpenTelemetry at all is the service's own setting.
            .Services.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(LogRecords)));
    }

    /// <summary>A client once /health/ready has answered (models loaded and warmed up), or has said why not.</summary>
    public async Task<HttpClient> ReadyClientAsync(bool requireReady = true)
    {
        var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var services = Services.GetRequiredService<Inference.ModelRegistry>();
            if (services.Loaded) break;
            await Task.Delay(50);
        }

        if (requireReady)
        {
            var ready = await client.GetAsync("/health/ready");
            Assert.True(ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
        }

        return client;
    }
}

internal static class TestModels
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Models");

    public static string Tiny => Path.Combine(Folder, "tiny.onnx");

    /// <summary>The tiny model with one metadata value rewritten (same length, so the protobuf stays valid).</summary>
    public static byte[] TinyWith(string key, string value, string replacement)
    {
        Assert.Equal(value.Length, replacement.Length);
        var bytes = File.ReadAllBytes(Tiny);
        var pattern = System.Text.Encoding.ASCII.GetBytes(key).Concat(new byte[] { 0x12, (byte)value.Length }).Concat(System.Text.Encoding.ASCII.GetBytes(value)).ToArray();
        var at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, $"metadata {key}={value} not found in the test model");
        System.Text.Encoding.ASCII.GetBytes(replacement).CopyTo(bytes, at + key.Length + 2);
        return bytes;
    }
}

/// <summary>Keeps what the service logs, so tests can check that a warning was given (once).</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Message)> entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Collector(entries);

    public void Dispose()
    {
    }

    private sealed class Collector(System.Collections.Concurrent.ConcurrentQueue<(LogLevel, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // With the exception's type and message, so a test that finds an error in the log says which.
            if (IsEnabled(logLevel)) entries.Enqueue((logLevel, exception is null ? formatter(state, exception) : $"{formatter(state, exception)} [{exception.GetType().FullName}: {exception.Message}]"));
        }
    }
}
