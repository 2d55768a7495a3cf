using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pix2Pix.Api.Tests;

/// <summary>Kestrel's bounds on what a connection may hold, on the real server (the in-memory test server has none of them).</summary>
public class ServerLimitsTests
{
    [Fact]
    public async Task An_upload_slower_than_the_minimum_rate_is_cut_off_with_408()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Server__MinRequestBodyBytesPerSecond"] = "1024" });
        using var socket = await ConnectAsync(service);
        var stream = socket.GetStream();
        await Send(stream, "POST /translate HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n");

        var answer = await Trickle(stream, TimeSpan.FromSeconds(30));   // 16 bytes a second

        Assert.StartsWith("HTTP/1.1 408", answer);
    }

    [Fact]
    public async Task A_request_past_its_time_gets_503_with_Retry_After_even_while_it_is_still_uploading()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Server__RequestTimeoutSeconds"] = "2",
            ["Server__MinRequestBodyBytesPerSecond"] = "0",
        });
        using var socket = await ConnectAsync(service);
        var stream = socket.GetStream();
        await Send(stream, "POST /translate HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n");

        var answer = await Trickle(stream, TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 503", answer);
        Assert.Contains("Retry-After: 5", answer);
        Assert.Contains("\"title\":\"Request timed out\"", answer);
    }

    [Fact]
    public async Task Connections_past_the_cap_are_closed_unanswered()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Server__MaxConcurrentConnections"] = "2" });
        var sockets = new List<TcpClient>();
        var answered = 0;
        for (var i = 0; i < 4; i++)
        {
            var socket = await ConnectAsync(service);
            sockets.Add(socket);
            try
            {
                await Send(socket.GetStream(), "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n");
                if ((await Read(socket.GetStream(), TimeSpan.FromSeconds(10))).StartsWith("HTTP/1.1 200", StringComparison.Ordinal)) answered++;
            }
            catch (IOException)
            {
                // closed by the server: refused
            }
        }

        sockets.ForEach(s => s.Dispose());
        // The readiness check's pooled connection may hold one of the two places.
        Assert.InRange(answered, 1, 2);
    }

    [Fact]
    public async Task Uploads_that_send_much_and_then_stall_hold_no_more_than_the_upload_buffers_and_others_get_503_until_they_go()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Uploads__MaxBodyBytes"] = "1000000", ["Uploads__UploadBufferMegabytes"] = "2" });
        var socket = await ConnectAsync(service);
        var stream = socket.GetStream();
        await Send(stream, "POST /translate HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: 1000000\r\n\r\n");
        await stream.WriteAsync(new byte[990_000]);
        // Probed only once the server holds the stalled upload's bytes: a probe earlier could take the buffers the stalled
        // upload was still drawing, and it would be the one refused.
        Assert.InRange(await Buffered(service, atLeast: 990_000), 990_000, 1_000_000);

        // The stalled upload holds 1,000,000 bytes of the 2 MiB (its chunks are drawn as its data arrives): another of
        // 1,000,000 fits in chunks, not in its copy into one array as well.
        var refused = await Eventually(() => service.Client.PostAsync("/translate", TranslateTests.Raw(new byte[1_000_000])), r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        await TranslateTests.AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "upload buffers");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);

        // Its client goes: the bytes are given back, and the same upload is read (and refused as no PNG).
        socket.Dispose();
        Assert.Equal(0, await Buffered(service, atMost: 0));
        var read = await Eventually(() => service.Client.PostAsync("/translate", TranslateTests.Raw(new byte[1_000_000])), r => r.StatusCode != HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, read.StatusCode);
    }

    // pix2pix_upload_buffered_bytes on /metrics once it reaches the bound (or after 15 s, as it is then).
    private static async Task<long> Buffered(ServiceProcess service, long atLeast = long.MinValue, long atMost = long.MaxValue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var line = (await service.Client.GetStringAsync("/metrics")).Split('\n').First(l => l.StartsWith("pix2pix_upload_buffered_bytes", StringComparison.Ordinal));
            var bytes = (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            if ((bytes >= atLeast && bytes <= atMost) || DateTime.UtcNow > deadline) return bytes;
            await Task.Delay(50);
        }
    }

    // Retries until the answer satisfies the condition (15 s at most), for what another connection does meanwhile.
    private static async Task<HttpResponseMessage> Eventually(Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var response = await send();
            if (condition(response) || DateTime.UtcNow > deadline) return response;
            response.Dispose();
            await Task.Delay(50);
        }
    }

    private static async Task<TcpClient> ConnectAsync(ServiceProcess service)
    {
        var uri = new Uri(service.Url);
        var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        return client;
    }

    private static Task Send(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Sends 16 body bytes a second until the server answers (or closes), and returns the answer.</summary>
    private static async Task<string> Trickle(NetworkStream stream, TimeSpan limit)
    {
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow + limit;
        var reading = stream.ReadAsync(buffer).AsTask();
        while (DateTime.UtcNow < deadline)
        {
            if (await Task.WhenAny(reading, Task.Delay(1000)) == reading) return await RestOfAnswer(stream, buffer, await reading);
            try
            {
                await stream.WriteAsync(new byte[16]);
            }
            catch (IOException)
            {
                return await RestOfAnswer(stream, buffer, await reading.WaitAsync(TimeSpan.FromSeconds(5)));
            }
        }

        throw new TimeoutException("the server neither answered nor closed the slow upload");
    }

    // The answer whose first read brought `first` bytes, read on until its headers and whole body are in (an answer may come
    // in more than one segment), the connection closes, or 10 s pass.
    private static async Task<string> RestOfAnswer(NetworkStream stream, byte[] buffer, int first)
    {
        var answer = new StringBuilder(Encoding.ASCII.GetString(buffer, 0, first));
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (first > 0 && !Complete(answer.ToString()))
        {
            try
            {
                first = await stream.ReadAsync(buffer, enough.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                break;
            }

            answer.Append(Encoding.ASCII.GetString(buffer, 0, first));
        }

        return answer.ToString();
    }

    private static bool Complete(string answer)
    {
        var end = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var headers = answer[..end].Split("\r\n");
        if (headers.Any(h => h.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))) return answer.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        var length = headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is null || answer.Length - end - 4 >= int.Parse(length["Content-Length:".Length..].Trim());
    }

    private static async Task<string> Read(NetworkStream stream, TimeSpan limit)
    {
        var buffer = new byte[4096];
        var count = await stream.ReadAsync(buffer).AsTask().WaitAsync(limit);
        return Encoding.ASCII.GetString(buffer, 0, count);
    }
}
