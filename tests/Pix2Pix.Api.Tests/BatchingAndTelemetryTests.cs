using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

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
        var (batches, requests, _) = BatchSizes(factory);
        var (alone, shared) = Runs(factory);
        Assert.Equal(batches, alone + shared);
        // Every run of several requests is shared, so at least the 32 requests beyond the lone ones' went through shared runs.
        Assert.True(shared > afterOne.Shared && requests - alone >= 32, $"{alone} runs alone, {shared} shared, {requests} requests");
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
