using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Pix2Pix.Api.Access;

/// <summary>Access control for public deployments, off by default: API keys (401) and a per-client token bucket (429 + Retry-After).</summary>
public static class AccessExtensions
{
    /// <summary>The policy the API endpoints carry: a key when keys are configured, a token bucket when a rate is.</summary>
    public const string ClientPolicy = "client";

    public static IHostApplicationBuilder AddAccessControl(this IHostApplicationBuilder builder)
    {
        var auth = AuthOptions.From(builder.Configuration);
        var rate = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (rate.PermitsPerSecond < 0 || rate.Burst < 1) throw new OptionsValidationException(RateLimitOptions.Section, typeof(RateLimitOptions), ["RateLimit:PermitsPerSecond must be 0 or more and RateLimit:Burst at least 1"]);
        if (auth.Problems().ToArray() is { Length: > 0 } problems) throw new OptionsValidationException(AuthOptions.Section, typeof(AuthOptions), problems);
        builder.Services.AddSingleton(rate);
        builder.Services.AddSingleton(auth);
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName).AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(options =>
            options.AddPolicy(ClientPolicy, policy => { if (auth.Enabled) policy.RequireAuthenticatedUser(); else policy.RequireAssertion(_ => true); }));
        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(ClientPolicy, context => !rate.Enabled || Inference.HttpPathWarmUp.IsWarmUp(context)
                ? RateLimitPartition.GetNoLimiter("open")
                : RateLimitPartition.GetTokenBucketLimiter(ClientPartition.Of(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = rate.Burst,
                    TokensPerPeriod = rate.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            options.OnRejected = async (rejected, cancellation) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var response = rejected.HttpContext.Response;
                response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Apis.Problems.Create(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", $"This client may make {rate.PermitsPerSecond} request(s) per second (bursts of {rate.Burst}); retry after {retryAfter} s.").ExecuteAsync(rejected.HttpContext);
            };
        });
        return builder;
    }

    /// <summary>Authentication (who the key says the client is), then the rate limit (by that key, else by address), then
    /// authorization: a client without a valid key is counted against its address before its 401, so guessing keys or
    /// flooding with bad ones meets the limit like any other request.</summary>
    public static WebApplication UseAccessControl(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<AuthOptions>();
        var rate = app.Services.GetRequiredService<RateLimitOptions>();
        app.Logger.LogInformation("Access control: {Keys}; {Rate}",
            auth.Enabled ? $"an API key is required ({auth.Keys.Count} configured, sent in {ApiKeyAuthentication.Header}){(auth.ProtectMetrics ? ", metrics included" : "")}" : "open (no API keys configured)",
            rate.Enabled ? $"{rate.PermitsPerSecond} request(s) per second, bursts of {rate.Burst}, per key or client address" : "no rate limit");
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Marks an API endpoint: key and rate limit as configured.</summary>
    public static TBuilder RequireClientAccess<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(ClientPolicy).RequireRateLimiting(ClientPolicy);

}
