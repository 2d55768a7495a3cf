using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// The HTTP layer fuzzed on the real server (Kestrel, not the in-memory test server, which parses nothing): whatever a
/// client sends, the answer is a 200 or a 4xx (a problem details body when it has one), never a 5xx or a hang, and the
/// service logs nothing at error level for it. PIX2PIX_HTTP_FUZZ_CASES sets how many requests run (default 1,000).
/// </summary>
public class HttpFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task A_thousand_generated_requests_get_a_200_or_a_4xx_and_nothing_is_logged_as_an_error()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("PIX2PIX_HTTP_FUZZ_CASES"), out var n) ? n : 1000;
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Uploads:MaxBodyBytes"] = "300000",
            ["Inference:QueueCapacity"] = "256",
        });
        factory.UseKestrel(0);
        factory.StartServer();
        await factory.ReadyClientAsync();
        var address = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var cases = HttpCases.Generate(count, seed: 7, Pngs.Rgb(48, 32)).ToArray();

        using var gate = new SemaphoreSlim(6);
        var answers = await Task.WhenAll(cases.Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                return (Case: c, Answer: await ExchangeAsync(address, c));
            }
            finally
            {
                gate.Release();
            }
        }));

        var statuses = answers.GroupBy(a => a.Answer.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "none" : g.Key)}: {g.Count()}");
        output.WriteLine($"{answers.Length} requests; answers by status: {string.Join(", ", statuses)}");
        var wrong = answers.Where(a => Verdict(a.Case, a.Answer) is not null).Select(a => $"{a.Case.Name}: {Verdict(a.Case, a.Answer)}").ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} wrong answers:\n{string.Join("\n", wrong.Take(15))}");
        var errors = factory.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Message).ToArray();
        Assert.True(errors.Length == 0, $"logged as errors:\n{string.Join("\n", errors.Take(5))}");
        Assert.Contains(answers, a => a.Answer.Status == 200);
        Assert.True(answers.Select(a => a.Answer.Status).Distinct().Count() >= 6, "the cases reached too few of the service's answers");
    }

    private sealed record Answer(int Status, string Head, byte[] Body);

    // Why an answer is wrong, or null when it is fine.
    private static string? Verdict(HttpCases.Case c, Answer answer)
    {
        if (answer.Status == 0) return c.Unfinished ? null : $"no answer: {answer.Head}";
        if (answer.Status >= 500) return $"{answer.Status}: {Encoding.UTF8.GetString(answer.Body.Take(300).ToArray())}";
        if (answer.Status is not (200 or (>= 400 and < 500))) return $"status {answer.Status}";
        if (answer.Status >= 400 && answer.Body.Length > 0 && !answer.Head.Contains("Content-Type: application/problem+json", StringComparison.OrdinalIgnoreCase))
        {
            return $"{answer.Status} without problem details: {answer.Head}";
        }

        var png = answer.Head.Contains("Content-Type: image/png", StringComparison.OrdinalIgnoreCase);
        if (answer.Status == 200 && png && !answer.Body.AsSpan().StartsWith(PngSignature)) return "a 200 image/png that is not a PNG";
        return null;
    }

    private static async Task<Answer> ExchangeAsync(Uri address, HttpCases.Case c)
    {
        using var timeout = new CancellationTokenSource(Bound);
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port, timeout.Token);
        var stream = client.GetStream();
        var received = new MemoryStream();
        var reading = ReadAllAsync(stream, received, timeout.Token);
        try
        {
            await stream.WriteAsync(c.Request, timeout.Token);
            if (c.Unfinished) client.Client.Shutdown(SocketShutdown.Send);   // the client stops: it sends no more
        }
        catch (IOException)
        {
            // The server answered and closed before taking the whole request (a 431, a 413): read what it said.
        }
        catch (SocketException)
        {
        }

        try
        {
            await reading;
        }
        catch (OperationCanceledException)
        {
            return new Answer(0, $"nothing within {Bound.TotalSeconds} s", []);
        }

        return Parse(received.ToArray());
    }

    private static async Task ReadAllAsync(NetworkStream stream, MemoryStream into, CancellationToken cancellation)
    {
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellation)) > 0) into.Write(buffer, 0, read);
        }
        catch (IOException)
        {
            // Reset by the server after its answer: what arrived is the answer.
        }
    }

    // The final answer's status, head and body (interim 100 Continue answers skipped); status 0 when nothing came.
    private static Answer Parse(byte[] bytes)
    {
        var at = 0;
        while (true)
        {
            var end = bytes.AsSpan(at).IndexOf("\r\n\r\n"u8);
            if (end < 0) return new Answer(0, Encoding.Latin1.GetString(bytes.AsSpan(at)), []);
            var head = Encoding.Latin1.GetString(bytes, at, end);
            var status = head.Length >= 12 && int.TryParse(head.AsSpan(9, 3), out var s) ? s : -1;
            var body = bytes[(at + end + 4)..];
            if (status is >= 100 and < 200) { at += end + 4; continue; }
            if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            {
                var line = body.AsSpan().IndexOf("\r\n"u8);
                body = line < 0 ? body : body[(line + 2)..];
            }

            return new Answer(status, head, body);
        }
    }
}
