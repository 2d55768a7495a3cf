namespace Pix2Pix.Api.Extensions;

/// <summary>
/// <c>Pix2Pix.Api --probe [URL]</c>: asks a running service on this machine whether it is ready and exits 0 (ready)
/// or 1 (not ready, or no answer within five seconds). Container images have no curl; this is their HEALTHCHECK.
/// Without a URL it probes /health/ready on the port the service listens on (ASPNETCORE_URLS,
/// ASPNETCORE_HTTP_PORTS, else Kestrel's default 5000).
/// </summary>
public static class HealthProbe
{
    public static bool IsRequested(string[] args) => args is ["--probe", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var target = args.Length > 1 ? args[1] : DefaultTarget();
        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            Console.Error.WriteLine($"probe: '{target}' is not an absolute URL");
            return 1;
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(uri);
            Console.WriteLine($"probe: {uri} answered {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"probe: {uri} did not answer: {e.Message}");
            return 1;
        }
    }

    private static string DefaultTarget()
    {
        var url = Environment.GetEnvironmentVariable("ASPNETCORE_URLS")?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase));
        if (url is not null)
        {
            var port = url.TrimEnd('/').Split(':').Last();
            return $"http://127.0.0.1:{port}/health/ready";
        }

        var ports = Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return $"http://127.0.0.1:{ports?.FirstOrDefault() ?? "5000"}/health/ready";
    }
}
