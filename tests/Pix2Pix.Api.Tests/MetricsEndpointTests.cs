using System.Net;

namespace Pix2Pix.Api.Tests;

/// <summary>GET /metrics: the service's instruments in Prometheus' text format, for scrapers and autoscalers.</summary>
public class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_are_served_in_the_Prometheus_text_format_with_the_services_instruments()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(64, 64)))).StatusCode);

        string[] expected = ["# TYPE pix2pix_queue_depth gauge", "# TYPE pix2pix_requests_active gauge", "pix2pix_translate_duration_milliseconds_count{", "pix2pix_inference_duration_milliseconds_bucket{",
            "pix2pix_batch_size_sum{", "pix2pix_queue_wait_milliseconds_count{", "http_server_active_requests{", "http_server_request_duration_seconds_count{"];
        var text = "";
        // Some series are recorded as a response completes: poll until all are there (or the deadline passes).
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && !expected.All(text.Contains); await Task.Delay(100))
        {
            using var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
            text = await response.Content.ReadAsStringAsync();
        }

        foreach (var series in expected) Assert.Contains(series, text);
        // Buckets fine enough for a model that runs in a few milliseconds, and one per batch size up to 4.
        Assert.Matches("pix2pix_inference_duration_milliseconds_bucket\\{[^}]*le=\"7\"\\}", text);
        Assert.Matches("pix2pix_translate_duration_milliseconds_bucket\\{[^}]*le=\"0.5\"\\}", text);
        Assert.Matches("pix2pix_batch_size_bucket\\{[^}]*le=\"3\"\\}", text);
    }

    [Fact]
    public async Task Metrics_can_be_turned_off()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Metrics:PrometheusEnabled"] = "false" });
        var client = await factory.ReadyClientAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Metrics_moved_to_another_port_or_path_are_answered_there_only_whatever_Host_a_client_writes()
    {
        var metricsPort = ServiceProcess.FreePort();
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Metrics__PrometheusPort"] = $"{metricsPort}", ["Metrics__PrometheusPath"] = "/internal/metrics" },
            morePorts: [metricsPort]);
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.GetAsync("/internal/metrics")).StatusCode);
        // A client of the service port naming the metrics port in its Host header is still on the service port.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/internal/metrics");
        spoofed.Headers.Host = $"127.0.0.1:{metricsPort}";
        using var refused = await service.Client.SendAsync(spoofed);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var scrape = await scraper.GetAsync("/internal/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("pix2pix_", await scrape.Content.ReadAsStringAsync());
        Assert.DoesNotContain(service.Output, l => l.Contains("is not a port the service listens on"));
    }

    [Fact]
    public async Task A_scrape_port_the_service_does_not_listen_on_is_logged_as_an_error_naming_it()
    {
        var elsewhere = ServiceProcess.FreePort();
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Metrics__PrometheusPort"] = $"{elsewhere}" });

        var expected = $"Metrics:PrometheusPort {elsewhere} is not a port the service listens on ({service.Url})";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!service.Output.Any(l => l.Contains(expected)) && waited.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(50);
        Assert.Contains(service.Output, l => l.Contains(expected));
    }

    [Fact]
    public async Task Metrics_that_need_a_key_on_a_port_of_their_own_are_not_found_on_the_service_port_rather_than_asking_for_a_key()
    {
        var metricsPort = ServiceProcess.FreePort();
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Metrics__PrometheusPort"] = $"{metricsPort}", ["Auth__ApiKeys__0"] = "scraper-key", ["Auth__ProtectMetrics"] = "true",
        }, morePorts: [metricsPort]);
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

        using var onServicePort = await service.Client.GetAsync("/metrics");
        using var withoutKey = await scraper.GetAsync("/metrics");
        using var withKey = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "X-API-Key", "scraper-key" } } };
        using var scrape = await scraper.SendAsync(withKey);

        Assert.Equal(HttpStatusCode.NotFound, onServicePort.StatusCode);
        Assert.False(onServicePort.Headers.WwwAuthenticate.Any());
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }
}
