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
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Shutdown__GracePeriodSeconds"] = "20" });
        var png = Pngs.Rgb(600, 400);
        // Admitted requests still uploading: each sends half its PNG, then waits for the gate, which opens only once
        // the service has begun to shut down. So they are admitted before the signal and can only finish after it.
        var gate = new TaskCompletionSource();
        var uploads = Enumerable.Range(0, 3).Select(_ => new GatedPng(png, gate.Task)).ToArray();
        var requests = uploads.Select(upload => Send(service.Client, upload)).ToArray();
        await Task.WhenAll(uploads.Select(u => u.HalfSent.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        await ActiveRequestsAsync(service.Client, uploads.Length);

        var signalled = Stopwatch.GetTimestamp();
        service.Signal("TERM");
        await StoppedListeningAsync(service);
        gate.SetResult();
        var results = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(60));
        var exited = service.Process.WaitForExit(30_000);

        Assert.True(exited, "the service did not exit within its grace period");
        Assert.Equal(0, service.Process.ExitCode);
        Assert.All(results, r => Assert.Equal((Outcome.Whole, HttpStatusCode.OK), (r.Outcome, r.Status)));
        Assert.All(results, r => Assert.True(r.CompletedAt > signalled));
    }

    // Waits until the service counts the gated requests as admitted (the requests-active gauge), so the signal finds them inside.
    private static async Task ActiveRequestsAsync(HttpClient client, int count)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var metrics = await client.GetStringAsync("/metrics");
            var active = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("pix2pix_requests_active", StringComparison.Ordinal));
            if (active is not null && double.Parse(active[(active.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture) >= count) return;
        }

        Assert.Fail($"the service did not admit {count} requests within 30 s");
    }

    // Shutdown has begun once the listening socket is closed: a new connection is refused.
    private static async Task StoppedListeningAsync(ServiceProcess service)
    {
        var uri = new Uri(service.Url);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(uri.Host, uri.Port);
            }
            catch (SocketException)
            {
                return;
            }
        }

        Assert.Fail("the service still accepted connections 30 s after SIGTERM");
    }

    private enum Outcome { Whole, Refused, Broken }

    // Whole: a complete PNG of the input's size. Refused: a 503, or the connection refused or closed before any answer
    // began. Broken: an answer that began and did not end, or one that is not the PNG asked for.
    private static async Task<(Outcome Outcome, HttpStatusCode? Status, long CompletedAt)> Send(HttpClient client, HttpContent content)
    {
        var (outcome, status) = await Exchange(client, content);
        return (outcome, status, Stopwatch.GetTimestamp());
    }

    private static async Task<(Outcome, HttpStatusCode?)> Exchange(HttpClient client, HttpContent content)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/translate") { Content = content };
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException)
        {
            return (Outcome.Refused, null);
        }

        if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return (Outcome.Refused, response.StatusCode);
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK) return (Outcome.Broken, response.StatusCode);
            using var image = Pngs.Decode(body);
            return (image.Width == 600 && image.Height == 400 ? Outcome.Whole : Outcome.Broken, response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SixLabors.ImageSharp.ImageFormatException)
        {
            return (Outcome.Broken, response.StatusCode);
        }
    }

    /// <summary>A PNG body sent in two halves: the second only once the gate opens.</summary>
    private sealed class GatedPng : HttpContent
    {
        private readonly byte[] png;
        private readonly Task gate;

        public GatedPng(byte[] png, Task gate)
        {
            this.png = png;
            this.gate = gate;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
        }

        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var half = png.Length / 2;
            await stream.WriteAsync(png.AsMemory(0, half));
            await stream.FlushAsync();
            HalfSent.TrySetResult();
            await gate;
            await stream.WriteAsync(png.AsMemory(half));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = png.Length;
            return true;
        }
    }
}
