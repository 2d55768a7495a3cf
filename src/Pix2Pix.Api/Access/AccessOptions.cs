namespace Pix2Pix.Api.Access;

/// <summary>Who may use the service (configuration section "Auth"): open unless API keys are configured.</summary>
public sealed record AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The keys a client may send in X-API-Key; empty: no key needed.</summary>
    public string[] ApiKeys { get; init; } = [];

    /// <summary>Also require a key for the Prometheus endpoint (off: scrapers need none; move it to its own port instead).</summary>
    public bool ProtectMetrics { get; init; }

    public bool Enabled => ApiKeys.Any(k => !string.IsNullOrWhiteSpace(k));
}

/// <summary>How often one client may call the API (configuration section "RateLimit"): a token bucket per API key, else per IP.</summary>
public sealed record RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Requests a client may make per second, sustained; 0: no limit.</summary>
    public int PermitsPerSecond { get; init; }

    /// <summary>Requests a client may make at once after a quiet spell (the bucket's size); at least 1.</summary>
    public int Burst { get; init; } = 10;

    public bool Enabled => PermitsPerSecond > 0;
}
