using System.Diagnostics;
using System.Net;

namespace Pix2Pix.Api.Tests;

/// <summary>The real service process under SIGTERM: it stops admitting, finishes what it admitted, and exits cleanly.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task On_SIGTERM_admitted_requests_finish_with_whole_answers_and_the_process_exits_cleanly()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Shutdown__GracePeriodSeconds"] = "20" });
        var client = service.Client;
        var png = Pngs.Rgb(1500, 1500);

        var requests = Enumerable.Range(0, 24).Select(_ => Send(client, png)).ToArray();
        await Task.Delay(300);
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

    private enum Outcome { Whole, Refused, Broken }

    // Whole: a complete PNG or a complete problem answer. Refused: never admitted (connection refused or
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

        try
        {
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode == HttpStatusCode.ServiceUnavailable ? Outcome.Whole : Outcome.Broken, response.StatusCode);
            using var image = Pngs.Decode(body);
            return (image.Width == 1500 ? Outcome.Whole : Outcome.Broken, response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SixLabors.ImageSharp.ImageFormatException)
        {
            return (Outcome.Broken, response.StatusCode);
        }
    }
}
