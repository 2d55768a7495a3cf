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

        // The probe asks this machine's own service: a self-signed certificate on an https-only service is no reason to fail.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (request, _, _, _) => request.RequestUri?.IsLoopback == true };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
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

    private static string DefaultTarget() => Target(
        Environment.GetEnvironmentVariable("ASPNETCORE_URLS"),
        Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"),
        Environment.GetEnvironmentVariable("ASPNETCORE_HTTPS_PORTS"));

    /// <summary>
    /// Where the service listens, as loopback: the first http (else https) address of ASPNETCORE_URLS in any form Kestrel
    /// takes (http://+:8080, http://*:80, http://[::]:8080, http://localhost with its scheme's default port), else the first
    /// of ASPNETCORE_HTTP_PORTS or ASPNETCORE_HTTPS_PORTS, else Kestrel's default 5000.
    /// </summary>
    public static string Target(string? urls, string? httpPorts, string? httpsPorts)
    {
        var addresses = (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Parse).Where(u => u is not null).Select(u => u!).ToArray();
        var chosen = addresses.FirstOrDefault(u => u.Scheme == Uri.UriSchemeHttp) ?? addresses.FirstOrDefault(u => u.Scheme == Uri.UriSchemeHttps);
        if (chosen is not null) return $"{chosen.Scheme}://127.0.0.1:{chosen.Port}/health/ready";

        static string? First(string? ports) => ports?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (First(httpPorts) is { } http) return $"http://127.0.0.1:{http}/health/ready";
        if (First(httpsPorts) is { } https) return $"https://127.0.0.1:{https}/health/ready";
        return "http://127.0.0.1:5000/health/ready";
    }

    // Kestrel's wildcard hosts are not URI hosts: read them as localhost to get the scheme and port.
    private static Uri? Parse(string address)
    {
        var normal = System.Text.RegularExpressions.Regex.Replace(address, @"^(?<scheme>https?://)(\+|\*|\[::\]|0\.0\.0\.0)(?=[:/]|$)", "${scheme}localhost");
        return Uri.TryCreate(normal, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
    }
}
