using System.Diagnostics;
using System.Net;

namespace Pix2Pix.Api.Tests;

/// <summary>The real service process under SIGTERM: it stops admitting, finishes what it admitted, and exits cleanly.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task On_SIGTERM_admitted_requests_finish_with_whole_answers_and_the_process_exits_cleanly()
    {
        // Decodes neither time out nor wait for a slot here: this test is about the drain, not the decode limits.
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Shutdown__GracePeriodSeconds"] = "20",
            ["Uploads__DecodeTimeoutMilliseconds"] = "60000",
            ["Uploads__MaxConcurrentDecodes"] = "24",
        });
        var client = service.Client;
        var png = Pngs.Rgb(1500, 1500);

        var requests = Enumerable.Range(0, 24).Select(_ => Send(client, png)).ToArray();
        await AdmittedAsync(client);
        var signalled = Stopwatch.GetTimestamp();
        service.Signal("TERM");
        var results = await Task.WhenAll(requests);
        var outcomes = results.Select(r => r.Outcome).ToArray();
        var exited = service.Process.WaitForExit(30_000);

        Assert.True(exited, "the service did not exit within its grace period");
        Assert.Equal(0, service.Process.ExitCode);
        Assert.DoesNotContain(outcomes, o => o == Outcome.Broken);
        // Work admitted before the signal was finished after it, not dropped.
        Assert.Contains(results, r => r.Outcome == Outcome.Whole && r.Status == HttpStatusCode.OK && r.CompletedAt > signalled);
    }

    // Waits until the service holds admitted work: a request waiting for its batch (the queue-depth gauge above zero).
    private static async Task AdmittedAsync(HttpClient client)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            var metrics = await client.GetStringAsync("/metrics");
            var depth = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("pix2pix_queue_depth{", StringComparison.Ordinal));
            if (depth is not null && double.Parse(depth[(depth.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) > 0) return;
        }

        Assert.Fail("no request was admitted within 60 s");
    }

    private enum Outcome { Whole, Refused, Broken }

    // Whole: a complete PNG. Refused: never admitted (a 503, or the connection refused or
    // closed before any answer began). Broken: an answer that began and did not end, or a PNG that does not decode.
    private static async Task<(Outcome Outcome, HttpStatusCode? Status, long CompletedAt)> Send(HttpClient client, byte[] png)
    {
        var (outcome, status) = await Exchange(client, png);
        return (outcome, status, Stopwatch.GetTimestamp());
    }

    private static async Task<(Outcome, HttpStatusCode?)> Exchange(HttpClient client, byte[] png)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/translate") { Content = TranslateTests.Raw(png) };
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException)
        {
            return (Outcome.Refused, null);
        }

        // A 503 is a refusal whatever happens to its body: the server may reset the connection of a client still uploading.
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return (Outcome.Refused, response.StatusCode);
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK) return (Outcome.Broken, response.StatusCode);
            using var image = Pngs.Decode(body);
            return (image.Width == 1500 ? Outcome.Whole : Outcome.Broken, response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SixLabors.ImageSharp.ImageFormatException)
        {
            return (Outcome.Broken, response.StatusCode);
        }
    }
}
