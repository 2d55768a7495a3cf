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

        // Open for probes, but which models there are, where they run and why one failed is for clients with a key.
        Assert.Equal("{\"status\":\"Healthy\"}", await client.GetStringAsync("/health/ready"));
    }

    [Fact]
    public async Task With_keys_configured_the_OpenAPI_document_says_which_operations_need_the_key_so_Swagger_UI_can_send_it()
    {
        await using var keyed = new ServiceFactory(settings: TwoKeys);
        await using var open = new ServiceFactory();

        using var document = System.Text.Json.JsonDocument.Parse(await (await keyed.ReadyClientAsync()).GetStringAsync("/swagger/v1/swagger.json"));
        using var openDocument = System.Text.Json.JsonDocument.Parse(await (await open.ReadyClientAsync()).GetStringAsync("/swagger/v1/swagger.json"));

        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-API-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/translate", "post"), ("/models", "get") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.True(operation.GetProperty("security")[0].TryGetProperty("ApiKey", out _), $"{method} {path} does not ask for the key");
            Assert.True(operation.GetProperty("responses").GetProperty("401").GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path}");
            Assert.False(operation.GetProperty("responses").TryGetProperty("429", out _), $"{method} {path}");   // no rate limit configured
        }

        Assert.False(paths.GetProperty("/health/ready").GetProperty("get").TryGetProperty("security", out _));
        Assert.False(openDocument.RootElement.TryGetProperty("components", out var components) && components.TryGetProperty("securitySchemes", out _));
        // Open and without a rate limit, no operation answers 401 or 429, and the document says none does.
        var openTranslate = openDocument.RootElement.GetProperty("paths").GetProperty("/translate").GetProperty("post").GetProperty("responses");
        Assert.False(openTranslate.TryGetProperty("401", out _) || openTranslate.TryGetProperty("429", out _));
    }

    [Fact]
    public async Task With_only_a_rate_limit_the_OpenAPI_document_has_429_as_problem_details_and_no_401()
    {
        await using var limited = new ServiceFactory(settings: new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "5" });

        using var document = System.Text.Json.JsonDocument.Parse(await (await limited.ReadyClientAsync()).GetStringAsync("/swagger/v1/swagger.json"));

        foreach (var (path, method) in new[] { ("/translate", "post"), ("/models", "get") })
        {
            var responses = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
            Assert.True(responses.GetProperty("429").GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path}");
            Assert.False(responses.TryGetProperty("401", out _), $"{method} {path}");
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
    public async Task Requests_with_a_wrong_key_count_against_the_clients_address_so_guessing_keys_meets_the_limit_quietly()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>(TwoKeys) { ["RateLimit:PermitsPerSecond"] = "1", ["RateLimit:Burst"] = "2" });
        var client = await factory.ReadyClientAsync();

        var clock = Stopwatch.StartNew();
        var guesses = (await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Send(client, HttpMethod.Get, "/models", $"guess-{i}")))).ToList();
        var seconds = clock.Elapsed.TotalSeconds;
        using var keyed = await Send(client, HttpMethod.Get, "/models", "first-key");

        var answered = guesses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized);
        Assert.InRange(answered, 2, 2 + (int)Math.Ceiling(seconds));
        Assert.All(guesses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        Assert.Contains(guesses, r => r.StatusCode == HttpStatusCode.TooManyRequests && r.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);   // a valid key has a bucket of its own
        // One log line per failed key would let a client fill the logs; the start says once how access is set up.
        Assert.DoesNotContain(factory.Logs.Entries, e => e.Message.Contains("not authenticated", StringComparison.Ordinal));
        Assert.Contains(factory.Logs.Entries, e => e.Message.StartsWith("Access control: an API key is required (2 configured", StringComparison.Ordinal));
        guesses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Keys_are_read_without_surrounding_whitespace_as_a_secret_file_ending_in_a_newline_gives_them()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Auth:ApiKeys:0"] = "  first-key\n", ["Auth:ApiKeys:1"] = " " });
        var client = await factory.ReadyClientAsync();

        using var right = await Send(client, HttpMethod.Get, "/models", "first-key");
        using var none = await client.GetAsync("/models");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (right.StatusCode, none.StatusCode));
    }

    [Fact]
    public async Task One_key_given_as_a_plain_value_is_that_key_not_an_open_service()
    {
        // Auth__ApiKeys=KEY (or --Auth:ApiKeys KEY) binds to no list: it used to leave the service open without a word.
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Auth:ApiKeys"] = "solo-key" });
        var client = await factory.ReadyClientAsync();

        using var right = await Send(client, HttpMethod.Get, "/models", "solo-key");
        using var none = await client.GetAsync("/models");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (right.StatusCode, none.StatusCode));
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("clé")]
    public void A_key_no_client_could_send_in_a_header_stops_the_start_and_is_named_by_position_not_value(string key)
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Auth:ApiKeys:0"] = "first-key", ["Auth:ApiKeys:1"] = key });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Auth:ApiKeys:1", error.Message);
        Assert.DoesNotContain(key, error.Message);
    }

    [Theory]
    [InlineData("203.0.113.7", "ip 203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "ip 203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "ip 2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "ip 2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "ip 2001:db8:1:3::/64")]
    public void Clients_without_a_key_are_counted_by_IPv4_address_or_by_IPv6_64_block(string address, string partition)
    {
        Assert.Equal(partition, Pix2Pix.Api.Access.ClientPartition.Of(System.Net.IPAddress.Parse(address)));
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
