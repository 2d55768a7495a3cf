using System.Net;
using System.Text.RegularExpressions;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// Before it says it is ready, the service sends translations to its own address until the JIT has tiered up the HTTP path
/// (Inference:HttpWarmUpSeconds); they count nowhere a client or an operator would see them.
/// </summary>
public class HttpWarmUpTests
{
    private static readonly Dictionary<string, string> WarmUpOn = new()
    {
        ["Inference__HttpWarmUpSeconds"] = "10",
        ["Logging__LogLevel__Pix2Pix.Api.Inference.HttpPathWarmUp"] = "Information",
    };

    [Fact]
    public async Task The_service_is_ready_only_after_warming_its_HTTP_path_and_those_requests_are_left_out_of_its_metrics()
    {
        using var service = await ServiceProcess.StartAsync(WarmUpOn);

        var warmed = await LineAsync(service, "The HTTP path warmed up with");
        var sent = int.Parse(Regex.Match(warmed, @"warmed up with (\d+) requests").Groups[1].Value);
        Assert.True(sent >= 1, warmed);
        static string[] TranslateCounts(string metrics) =>
            metrics.Split('\n').Where(l => l.StartsWith("http_server_request_duration_seconds_count{") && l.Contains("http_route=\"/translate\"")).ToArray();
        var metrics = await service.Client.GetStringAsync("/metrics");
        Assert.Empty(TranslateCounts(metrics));
        Assert.DoesNotContain("pix2pix_translate_duration_milliseconds_count", metrics);

        Assert.Equal(HttpStatusCode.OK, (await service.Client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(64, 64)))).StatusCode);
        // The client's one request is counted as one (the exporter answers from a cache for 300 ms).
        string[] counted = [];
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && counted.Length == 0; await Task.Delay(100))
        {
            counted = TranslateCounts(await service.Client.GetStringAsync("/metrics"));
        }

        var series = Assert.Single(counted);
        Assert.Equal("1", series[(series.LastIndexOf('}') + 1)..].Trim().Split(' ')[0]);
    }

    [Fact]
    public async Task Keys_and_a_rate_limit_neither_stop_the_warm_up_nor_spend_a_clients_permits_and_its_header_frees_no_one_else()
    {
        var settings = new Dictionary<string, string>(WarmUpOn) { ["Auth__ApiKeys__0"] = "warm-key", ["RateLimit__PermitsPerSecond"] = "1", ["RateLimit__Burst"] = "2" };
        using var service = await ServiceProcess.StartAsync(settings);

        await LineAsync(service, "The HTTP path warmed up with");
        Assert.DoesNotContain(service.Output, line => line.Contains("was not warmed up"));
        // The warm-up sent its requests with the first key: that key's bucket is still full.
        HttpRequestMessage Translate(string? warmUpHeader = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/translate") { Content = TranslateTests.Raw(Pngs.Rgb(32, 32)) };
            request.Headers.Add("X-API-Key", "warm-key");
            if (warmUpHeader is not null) request.Headers.Add("X-Pix2Pix-Warm-Up", warmUpHeader);
            return request;
        }

        Assert.Equal(HttpStatusCode.OK, (await service.Client.SendAsync(Translate())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.SendAsync(Translate())).StatusCode);
        // Three at once against an empty bucket that gains one permit a second: at least two are refused.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ => (await service.Client.SendAsync(Translate(warmUpHeader: new string('0', 64)))).StatusCode));
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 2, string.Join(", ", statuses));
    }

    [Fact]
    public async Task Until_it_is_done_readiness_says_the_HTTP_path_is_warming_up()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Inference:HttpWarmUpSeconds"] = "10" });
        factory.UseKestrel(0);
        factory.StartServer();
        var client = await factory.ReadyClientAsync(requireReady: false);

        var answers = new List<string>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(10))
        {
            using var ready = await client.GetAsync("/health/ready");
            answers.Add(await ready.Content.ReadAsStringAsync());
            if (ready.IsSuccessStatusCode) break;
        }

        Assert.Contains(answers, a => a.Contains("the HTTP path is warming up"));
        Assert.Contains("\"Healthy\"", answers[^1]);
        Assert.Contains(factory.Logs.Entries, e => e.Message.Contains("The HTTP path warmed up with"));
    }

    [Fact]
    public async Task A_limit_that_refuses_the_warm_up_sketch_leaves_the_service_ready_unwarmed_with_a_warning_that_says_why()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>(WarmUpOn) { ["Uploads__MaxSide"] = "8" });

        var warning = await LineAsync(service, "The HTTP path was not warmed up");
        Assert.Contains("answered 422", warning);
        Assert.Contains("each side may be at most 8", warning);   // the problem's detail, not only its status
        Assert.DoesNotContain(service.Output, line => line.Contains("The HTTP path warmed up with"));
    }

    [Fact]
    public async Task Turned_off_the_service_is_ready_without_it()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>(WarmUpOn) { ["Inference__HttpWarmUpSeconds"] = "0" });

        Assert.Equal(HttpStatusCode.OK, (await service.Client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(32, 32)))).StatusCode);
        Assert.DoesNotContain(service.Output, line => line.Contains("HTTP path"));
    }

    // The first line of the service's output that contains the text (console logging writes from its own thread, so a line
    // logged before readiness may appear a moment after it).
    private static async Task<string> LineAsync(ServiceProcess service, string text)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            if (service.Output.FirstOrDefault(line => line.Contains(text)) is { } line) return line;
        }

        throw new Xunit.Sdk.XunitException($"no line with '{text}'; the service wrote:\n{string.Join('\n', service.Output)}");
    }
}
