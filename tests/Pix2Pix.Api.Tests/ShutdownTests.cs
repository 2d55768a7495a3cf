using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pix2Pix.Api.Tests;

/// <summary>The real service process under SIGTERM: it stops admitting, finishes what it admitted, and exits cleanly.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task On_SIGTERM_admitted_requests_finish_with_whole_answers_and_the_process_exits_cleanly()
    {
        var port = FreePort();
        using var service = Start(port, graceSeconds: 20);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await WaitReady(client, service);
        var png = Pngs.Rgb(1500, 1500);

        var requests = Enumerable.Range(0, 24).Select(_ => Send(client, png)).ToArray();
        await Task.Delay(300);
        var signalled = Stopwatch.GetTimestamp();
        Signal(service.Id, "TERM");
        var results = await Task.WhenAll(requests);
        var outcomes = results.Select(r => r.Outcome).ToArray();
        var exited = service.WaitForExit(30_000);

        Assert.True(exited, "the service did not exit within its grace period");
        Assert.Equal(0, service.ExitCode);
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

    private static Process Start(int port, int graceSeconds)
    {
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "Pix2Pix.Api.dll"))
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Inference__ModelsFolder"] = TestModels.Folder;
        start.Environment["Inference__UseCuda"] = "false";
        start.Environment["Shutdown__GracePeriodSeconds"] = graceSeconds.ToString();
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitReady(HttpClient client, Process service)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(service.HasExited, "the service exited during start-up");
            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("the service did not become ready");
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
