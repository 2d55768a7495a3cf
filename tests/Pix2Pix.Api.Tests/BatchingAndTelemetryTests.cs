using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Tests;

public class BatchingAndTelemetryTests
{
    [Fact]
    public async Task Thirty_two_concurrent_requests_all_succeed_and_are_served_in_batches()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Inference:MaxBatchSize"] = "8",
            ["Inference:MaxBatchWaitMilliseconds"] = "40",
        });
        var client = await factory.ReadyClientAsync();
        var png = Pngs.Rgb(128, 128);

        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => client.PostAsync("/translate", TranslateTests.Raw(png))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var (batches, requests, largest) = BatchSizes(factory);
        Assert.Equal(32, requests);
        Assert.True(largest > 1 && batches < 32, $"{batches} batches, the largest of {largest}");
    }

    [Fact]
    public async Task Concurrent_requests_for_different_pictures_each_get_their_own_answer_while_other_clients_leave_midway()
    {
        // Requests borrow the model's input and output buffers from a pool and give them back only once the batcher has
        // answered. One given back too early (before its batch has copied it in, say) would be another request's by the time
        // it is read: that request's picture would be translated for this one. Four pictures, each answered alone first;
        // then rounds of them all at once, batched on two sessions, with as many requests again whose clients leave after a
        // random few milliseconds (while being decoded, queued or computed; the timing is exercised, not forced).
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Inference:MaxBatchSize"] = "4",
            ["Inference:MaxBatchWaitMilliseconds"] = "10",
            ["Inference:SessionsPerModel"] = "2",
        });
        var client = await factory.ReadyClientAsync();
        var pictures = Enumerable.Range(1, 4).Select(seed => Pngs.Rgb(96, 96, seed)).ToArray();
        var alone = new List<Image<Rgb24>>();
        foreach (var picture in pictures) alone.Add(Pngs.Decode(await (await client.PostAsync("/translate", TranslateTests.Raw(picture))).Content.ReadAsByteArrayAsync()));
        // Any two of the answers differ by far more than batching can change one, so a mix-up shows.
        var closest = alone.SelectMany((a, i) => alone.Skip(i + 1).Select(b => Differ(a, b))).Min();
        Assert.True(closest > 10, $"two pictures' answers differ by only {closest} levels");
        var random = new Random(7);

        for (var round = 0; round < 3; round++)
        {
            var kept = Enumerable.Range(0, 24).Select(i => (Picture: i % 4, Response: client.PostAsync("/translate", TranslateTests.Raw(pictures[i % 4])))).ToArray();
            var leaving = Enumerable.Range(0, 24).Select(i =>
            {
                var leave = new CancellationTokenSource(random.Next(0, 25));
                return client.PostAsync("/translate", TranslateTests.Raw(pictures[i % 4]), leave.Token).ContinueWith(_ => leave.Dispose());
            }).ToArray();
            await Task.WhenAll(leaving);

            foreach (var (picture, response) in kept)
            {
                var answer = await response;
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                using var image = Pngs.Decode(await answer.Content.ReadAsByteArrayAsync());
                // Batched runs may differ from a lone run in the last bits of a float, never by more than a level or two.
                Assert.InRange(Differ(image, alone[picture]), 0, 2);
            }
        }

        foreach (var image in alone) image.Dispose();
    }

    // The largest difference of any channel of any pixel, in 8-bit levels.
    private static int Differ(Image<Rgb24> a, Image<Rgb24> b)
    {
        var worst = 0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                var (p, q) = (a[x, y], b[x, y]);
                worst = Math.Max(worst, Math.Max(Math.Abs(p.R - q.R), Math.Max(Math.Abs(p.G - q.G), Math.Abs(p.B - q.B))));
            }
        }

        return worst;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_request_alone_runs_on_the_spinning_session_and_a_batch_of_several_on_the_sleeping_one(bool spinWhenAlone)
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?>
        {
            ["Inference:MaxBatchSize"] = "8",
            ["Inference:MaxBatchWaitMilliseconds"] = "40",
            ["Inference:SpinWhenAlone"] = spinWhenAlone ? "true" : "false",
        });
        var client = await factory.ReadyClientAsync();
        var png = Pngs.Rgb(128, 128);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(png))).StatusCode);
        var afterOne = Runs(factory);
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => client.PostAsync("/translate", TranslateTests.Raw(png))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(spinWhenAlone ? (1L, 0L) : (0L, 1L), afterOne);
        var (batches, _, largest) = BatchSizes(factory);
        var singles = BatchesOfOne(factory);
        var (alone, shared) = Runs(factory);
        Assert.Equal(batches, alone + shared);
        // Every run of several requests is shared: only batches of one can have run alone. (How many of the burst's requests
        // ran alone depends on the machine: on a slow one a straggler can arrive after the others have been answered.)
        Assert.True(largest > 1, $"the burst of 32 formed no batch of several (largest {largest})");
        Assert.True(alone <= singles && shared >= batches - singles, $"{alone} runs alone, {shared} shared, {batches} batches of which {singles} of one");
        if (!spinWhenAlone) Assert.Equal(0, alone);
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after()
    {
        // The shipped model, not the tiny one: at about 10 ms an image it is far slower than decoding a request, so a queue
        // of one overflows however slowly a loaded machine hands the requests over.
        await using var factory = new ServiceFactory(ShippedModels.Folder, new Dictionary<string, string?>
        {
            ["Inference:MaxBatchSize"] = "1",
            ["Inference:QueueCapacity"] = "1",
            ["Inference:MaxBatchWaitMilliseconds"] = "0",
        });
        var client = await factory.ReadyClientAsync();
        var png = Pngs.Rgb(128, 128);

        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => client.PostAsync("/translate", TranslateTests.Raw(png))));

        var busy = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.NotEmpty(busy);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        Assert.All(busy, r => Assert.True(r.Headers.RetryAfter?.Delta > TimeSpan.Zero));
        await TranslateTests.AssertProblem(busy[0], HttpStatusCode.ServiceUnavailable, "queue");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(png))).StatusCode);
    }

    [Fact]
    public async Task Telemetry_sees_the_pipeline_spans_and_the_latency_histograms()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(64, 64)))).StatusCode);
        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();

        // The inference span ends on the worker after the answer is handed over, and the exporters add to their lists
        // from their own threads: read until everything is there.
        var names = await EventuallyAsync(() => factory.Spans.Select(s => s.DisplayName), ["decode", "queue wait", "inference", "encode"]);
        var metrics = await EventuallyAsync(() => factory.Metrics.Select(m => m.Name),
            ["pix2pix.inference.duration", "pix2pix.translate.duration", "pix2pix.batch.size", "pix2pix.queue.depth"]);
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "decode", "queue wait", "inference", "encode" });
        Assert.Subset(metrics.ToHashSet(), new HashSet<string> { "pix2pix.inference.duration", "pix2pix.translate.duration", "pix2pix.batch.size", "pix2pix.queue.depth" });
    }

    [Fact]
    public async Task Log_lines_go_to_OpenTelemetry_with_their_formatted_message_for_an_OTLP_collector()
    {
        await using var factory = new ServiceFactory();
        await factory.ReadyClientAsync();

        // The model's start-up line, as an OTLP collector would receive it: the text a person reads, not only its template.
        var ready = factory.Logs.Entries.Single(e => e.Message.StartsWith("Model tiny ", StringComparison.Ordinal) && e.Message.Contains(" ready on ", StringComparison.Ordinal)).Message;
        var exported = await EventuallyAsync(() => factory.LogRecords.Select(r => r.FormattedMessage ?? ""), [ready]);
        Assert.Contains(ready, exported);
    }

    private static async Task<string[]> EventuallyAsync(Func<IEnumerable<string>> read, string[] wanted)
    {
        var seen = Array.Empty<string>();
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            try
            {
                seen = read().ToArray();
            }
            catch (InvalidOperationException)
            {
                continue; // the exporter added to the list while it was read
            }

            if (wanted.All(seen.Contains)) break;
        }

        return seen;
    }

    // Runs counted by the inference-duration histogram's "alone" tag, as last exported (cumulative).
    private static (long Alone, long Shared) Runs(ServiceFactory factory)
    {
        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = factory.Metrics.LastOrDefault(m => m.Name == "pix2pix.inference.duration");
        var (alone, shared) = (0L, 0L);
        if (metric is null) return (alone, shared);
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                if (tag.Key != "alone") continue;
                if (Equals(tag.Value, true)) alone += point.GetHistogramCount();
                else shared += point.GetHistogramCount();
            }
        }

        return (alone, shared);
    }

    // How many batches, as last exported, ran one request (the histogram's first bucket: its bounds start at 1).
    private static long BatchesOfOne(ServiceFactory factory)
    {
        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = factory.Metrics.Last(m => m.Name == "pix2pix.batch.size");
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var bucket in point.GetHistogramBuckets())
            {
                if (bucket.ExplicitBound >= 1) return bucket.BucketCount;
            }
        }

        return 0;
    }

    // The batch-size histogram as last exported (cumulative): how many batches, how many requests, the largest batch.
    private static (long Batches, double Requests, double Largest) BatchSizes(ServiceFactory factory)
    {
        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = factory.Metrics.Last(m => m.Name == "pix2pix.batch.size");
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var largest = point.TryGetHistogramMinMaxValues(out _, out var max) ? max : 0;
            return (point.GetHistogramCount(), point.GetHistogramSum(), largest);
        }

        return (0, 0, 0);
    }
}
