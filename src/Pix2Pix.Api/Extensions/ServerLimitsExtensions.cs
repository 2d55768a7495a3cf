using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Pix2Pix.Api.Extensions;

/// <summary>Bounds on what one connection or request may hold (configuration section "Server").</summary>
public sealed record ServerLimits
{
    public const string Section = "Server";

    /// <summary>Open connections at once; more are closed as they arrive.</summary>
    public int MaxConcurrentConnections { get; init; } = 1000;

    /// <summary>An upload slower than this (after a 5 s grace) is cut off with 408.</summary>
    public int MinRequestBodyBytesPerSecond { get; init; } = 1024;

    /// <summary>Time to send the request line and headers.</summary>
    public int RequestHeadersTimeoutSeconds { get; init; } = 10;

    /// <summary>An idle keep-alive connection is closed after this.</summary>
    public int KeepAliveTimeoutSeconds { get; init; } = 30;

    /// <summary>A /translate request, upload to answer, that takes longer gets 503 with Retry-After; 0: no limit.</summary>
    public int RequestTimeoutSeconds { get; init; } = 60;
}

public static class ServerLimitsExtensions
{
    public const string TranslatePolicy = "translate";

    public static IHostApplicationBuilder AddServerLimits(this IHostApplicationBuilder builder)
    {
        var limits = builder.Configuration.GetSection(ServerLimits.Section).Get<ServerLimits>() ?? new ServerLimits();
        if (limits.MaxConcurrentConnections < 1 || limits.MinRequestBodyBytesPerSecond < 0 || limits.RequestHeadersTimeoutSeconds < 1 || limits.KeepAliveTimeoutSeconds < 1 || limits.RequestTimeoutSeconds < 0
            || Math.Max(limits.RequestTimeoutSeconds, Math.Max(limits.RequestHeadersTimeoutSeconds, limits.KeepAliveTimeoutSeconds)) > TimeoutLimits.MaxSeconds)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(ServerLimits.Section, typeof(ServerLimits),
                [$"Server: connections and timeouts must be at least 1, rates and the request timeout 0 (no limit) or more, and no timeout above {TimeoutLimits.MaxSecondsText} s"]);
        }

        if (UnlistenableUrls(builder.Configuration["urls"]).ToArray() is { Length: > 0 } urls)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException("urls", typeof(ServerLimits),
                [$"urls (ASPNETCORE_URLS, --urls): {string.Join(", ", urls.Select(u => $"'{u}'"))} has no valid port; Kestrel would listen on port 80 of every interface instead"]);
        }

        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.MinRequestBodyDataRate = limits.MinRequestBodyBytesPerSecond == 0 ? null : new MinDataRate(limits.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.RequestHeadersTimeoutSeconds);
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(limits.KeepAliveTimeoutSeconds);
        });
        builder.Services.AddRequestTimeouts(options => options.AddPolicy(TranslatePolicy, new RequestTimeoutPolicy
        {
            Timeout = limits.RequestTimeoutSeconds == 0 ? null : TimeSpan.FromSeconds(limits.RequestTimeoutSeconds),
            TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
            WriteTimeoutResponse = async context =>
            {
                context.Response.Headers.RetryAfter = "5";
                await Apis.Problems.Create(context, StatusCodes.Status503ServiceUnavailable, "Request timed out", $"The request took longer than {limits.RequestTimeoutSeconds} s (Server:RequestTimeoutSeconds), upload included; retry later or with a smaller image.").ExecuteAsync(context);
            },
        }));
        return builder;
    }

    // The addresses of a urls setting whose port is not a number from 0 to 65535 (Kestrel takes "http://127.0.0.1:abc" for a
    // host name and listens on port 80 of every interface). Unix sockets and addresses without a port are left to Kestrel.
    private static IEnumerable<string> UnlistenableUrls(string? urls)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0) continue;
            var authority = url[(scheme + 3)..].Split('/')[0];
            if (authority.StartsWith("unix:", StringComparison.OrdinalIgnoreCase) || authority.StartsWith("pipe:", StringComparison.OrdinalIgnoreCase)) continue;
            var colon = authority.StartsWith('[') ? authority.IndexOf("]:", StringComparison.Ordinal) + 1 : authority.LastIndexOf(':');
            if (colon <= 0) continue;
            if (!int.TryParse(authority[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535) yield return url;
        }
    }
}
