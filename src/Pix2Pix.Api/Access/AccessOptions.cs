namespace Pix2Pix.Api.Access;

/// <summary>Who may use the service (configuration section "Auth"): open unless API keys are configured.</summary>
public sealed record AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// The "Auth" section as configured (open when there is none). One key written as a plain value (Auth__ApiKeys=KEY,
    /// --Auth:ApiKeys KEY), which binds to no list, is that one key: never silently open.
    /// </summary>
    public static AuthOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        return section.GetSection(nameof(ApiKeys)).Value is { Length: > 0 } single ? options with { ApiKeys = [.. options.ApiKeys, single] } : options;
    }

    /// <summary>The keys a client may send in X-API-Key; empty: no key needed. Surrounding whitespace is dropped (HTTP
    /// drops it from header values too, and a secret made from a file often ends in a newline); empty entries are ignored.</summary>
    public string[] ApiKeys { get; init; } = [];

    /// <summary>Also require a key for the Prometheus endpoint (off: scrapers need none; move it to its own port instead).</summary>
    public bool ProtectMetrics { get; init; }

    /// <summary>The keys in force: <see cref="ApiKeys"/> trimmed, without empty entries.</summary>
    public IReadOnlyList<string> Keys => ApiKeys.Select(k => k?.Trim() ?? "").Where(k => k.Length > 0).ToArray();

    public bool Enabled => Keys.Count > 0;

    /// <summary>What is wrong with the configured keys: a key a client could never send in a header (characters other
    /// than printable ASCII, or inner spaces). Named by position, never by value.</summary>
    public IEnumerable<string> Problems() =>
        ApiKeys.Select((key, i) => (Key: key?.Trim() ?? "", Index: i))
            .Where(k => k.Key.Any(c => c is < '!' or > '~'))
            .Select(k => $"Auth:ApiKeys:{k.Index} holds a character a client cannot send in the {ApiKeyAuthentication.Header} header (use printable ASCII without spaces)");
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
