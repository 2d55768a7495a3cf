using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace Pix2Pix.Api.Tests;

/// <summary>Access control for public deployments: API keys (401) and a token bucket per client (429 + Retry-After), both off by default.</summary>
public class AccessControlTests
{
    private static readonly Dictionary<string, string?> TwoKeys = new() { ["Auth:ApiKeys:0"] = "first-key", ["Auth:ApiKeys:1"] = "second-key" };

    [Fact]
    public async Task With_keys_configured_the_api_answers_only_a_valid_X_API_Key_and_says_why_not_in_problem_details()
    {
        await using var factory = new ServiceFactory(settings: TwoKeys);
        var client = await factory.ReadyClientAsync();

        using var none = await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(32, 32)));
        using var wrong = await Send(client, HttpMethod.Post, "/translate", "first-key-but-longer", TranslateTests.Raw(Pngs.Rgb(32, 32)));
        using var right = await Send(client, HttpMethod.Post, "/translate", "second-key", TranslateTests.Raw(Pngs.Rgb(32, 32)));
        using var models = await Send(client, HttpMethod.Get, "/models", "first-key");
        using var modelsWithout = await client.GetAsync("/models/tiny");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal("API key required", (await none.Content.ReadFromJsonAsync<Problem>())!.Title);
        Assert.Equal("ApiKey header=\"X-API-Key\"", none.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("API key not valid", (await wrong.Content.ReadFromJsonAsync<Problem>())!.Title);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("image/png", right.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, modelsWithout.StatusCode);
        Assert.DoesNotContain(factory.Logs.Entries, e => e.Message.Contains("key", StringComparison.Ordinal) && e.Message.Contains("second-key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_keys_configured_health_the_sketch_pad_swagger_and_by_default_metrics_stay_open()
    {
        await using var factory = new ServiceFactory(settings: TwoKeys);
        var client = await factory.ReadyClientAsync();

        foreach (var path in new[] { "/health/live", "/health/ready", "/", "/swagger/v1/swagger.json", "/metrics" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Metrics_can_require_a_key_too()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>(TwoKeys) { ["Auth:ProtectMetrics"] = "true" });
        var client = await factory.ReadyClientAsync();

        using var without = await client.GetAsync("/metrics");
        using var with = await Send(client, HttpMethod.Get, "/metrics", "first-key");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.OK), (without.StatusCode, with.StatusCode));
    }

    [Fact]
    public async Task A_client_past_its_burst_gets_429_with_Retry_After_while_another_key_and_health_are_unaffected()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>(TwoKeys) { ["RateLimit:PermitsPerSecond"] = "1", ["RateLimit:Burst"] = "3" });
        var client = await factory.ReadyClientAsync();

        // Ten requests at once: the burst of 3 passes, plus one for each second a slow machine takes to send them all.
        var clock = Stopwatch.StartNew();
        var responses = (await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Send(client, HttpMethod.Get, "/models", "first-key")))).ToList();
        var seconds = clock.Elapsed.TotalSeconds;
        using var other = await Send(client, HttpMethod.Get, "/models", "second-key");
        using var health = await client.GetAsync("/health/ready");

        var passed = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.InRange(passed, 3, 3 + (int)Math.Ceiling(seconds));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        var rejected = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(rejected);
        Assert.Equal("1", rejected.Headers.GetValues("Retry-After").Single());
        Assert.Equal("Too many requests", (await rejected.Content.ReadFromJsonAsync<Problem>())!.Title);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        responses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task By_default_there_is_no_key_and_no_limit()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        for (var i = 0; i < 30; i++)
        {
            using var response = await client.GetAsync("/models");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Responses_carry_nosniff_no_framing_and_for_the_sketch_pad_a_content_security_policy()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        using var page = await client.GetAsync("/");
        using var picture = await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(32, 32)));
        using var problem = await client.GetAsync("/models/missing");
        using var swagger = await client.GetAsync("/swagger/index.html");

        foreach (var response in new[] { page, picture, problem, swagger })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        }

        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("script-src 'self';", problem.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(swagger.Headers.Contains("Content-Security-Policy"));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-API-Key", key);
        return client.SendAsync(request);
    }

    private sealed record Problem(string? Title, string? Detail, int? Status);
}
