namespace Pix2Pix.Api.Telemetry;

/// <summary>The Prometheus scraping endpoint (configuration section "Metrics").</summary>
public sealed record MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Serve the metrics in Prometheus' text format.</summary>
    public bool PrometheusEnabled { get; init; } = true;

    /// <summary>Where: the path of the scraping endpoint.</summary>
    public string PrometheusPath { get; init; } = "/metrics";

    /// <summary>Answer the scrape only on this port (one the service also listens on, e.g. ASPNETCORE_HTTP_PORTS=8080;9464); 0 = any.</summary>
    public int PrometheusPort { get; init; }

    /// <summary>What is wrong with these settings, one line each; empty when they can be used.</summary>
    public IEnumerable<string> Problems()
    {
        if (PrometheusPort is < 0 or > 65535) yield return $"Metrics:PrometheusPort must be 0 (any port) or a port, 1 to 65535 (not {PrometheusPort})";
    }
}
