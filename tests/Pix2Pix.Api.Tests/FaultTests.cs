using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pix2Pix.Api.Inference;
using Pix2Pix.Api.Telemetry;

namespace Pix2Pix.Api.Tests;

/// <summary>Broken models, missing CUDA, failing batches and vanished clients: the service says what is wrong and keeps serving.</summary>
public class FaultTests
{
    [Fact]
    public async Task CUDA_serves_where_it_works_and_otherwise_the_service_falls_back_to_the_CPU_with_one_warning()
    {
        // Two sessions: the first finds out where the model runs, the second opens there without a second warning.
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Inference:UseCuda"] = "true", ["Inference:SessionsPerModel"] = "2" });
        var client = await factory.ReadyClientAsync();

        using var model = JsonDocument.Parse(await client.GetStringAsync("/models/tiny"));
        var provider = model.RootElement.GetProperty("provider").GetString();
        var warnings = factory.Logs.Entries.Where(e => e.Level == LogLevel.Warning && e.Message.Contains("CUDA is not usable")).ToArray();
        if (provider == "CUDA")
        {
            Assert.Empty(warnings);   // a host with a working CUDA 13 runs the model there, quietly
        }
        else
        {
            Assert.Equal("CPU", provider);
            Assert.Single(warnings);
        }

        Assert.Equal(2, model.RootElement.GetProperty("sessions").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(32, 32)))).StatusCode);
    }

    [Fact]
    public async Task Without_CUDA_libraries_each_model_gets_one_warning_and_ONNX_Runtime_prints_no_error_of_its_own()
    {
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Inference__UseCuda"] = "true" });
        using var models = JsonDocument.Parse(await service.Client.GetStringAsync("/models"));
        service.Signal("TERM");
        await service.Process.WaitForExitAsync();

        var lines = service.Output.ToArray();
        var ready = models.RootElement.EnumerateArray().Where(m => m.GetProperty("state").GetString() == "ready").ToArray();
        if (CudaProvider.WhyUnavailable is null)
        {
            Assert.All(ready, m => Assert.Equal(("CUDA", "cuda:0"), (m.GetProperty("provider").GetString(), m.GetProperty("device").GetString())));
            return;
        }

        Assert.NotEmpty(ready);
        Assert.All(ready, m => Assert.Equal(("CPU", "cpu"), (m.GetProperty("provider").GetString(), m.GetProperty("device").GetString())));
        Assert.Equal(ready.Length, lines.Count(l => l.Contains("CUDA is not usable") && l.Contains("does not load")));
        Assert.DoesNotContain(lines, l => l.Contains("[E:onnxruntime"));
    }

    [Theory]
    [InlineData("Inference__CudnnConvAlgoSearch", "FASTEST", "Inference:CudnnConvAlgoSearch 'FASTEST' is not one of EXHAUSTIVE, HEURISTIC, DEFAULT")]
    [InlineData("Inference__ArenaExtendStrategy", "grow", "Inference:ArenaExtendStrategy 'grow' is not one of kNextPowerOfTwo, kSameAsRequested")]
    public async Task CUDA_settings_ONNX_Runtime_would_refuse_stop_the_service_at_start_naming_them(string key, string value, string expected)
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { [key.Replace("__", ":")] = value });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateClient());

        Assert.Equal([expected], error.Failures);
    }

    [Theory]
    [InlineData("Server:RequestTimeoutSeconds", "2147483647", "no timeout above 4,294,967 s")]          // every request a 500 (CancelAfter throws)
    [InlineData("Shutdown:GracePeriodSeconds", "-1", "Shutdown:GracePeriodSeconds must be 0 to 4,294,967")] // a crash on SIGTERM, no drain
    [InlineData("Inference:ReloadPollSeconds", "0.0001", "Inference:ReloadPollSeconds must be 0 or less (no reloading) or 0.01 to 4,294,967")]
    [InlineData("Uploads:MaxSide", "30000", "Uploads:MaxSide must be 1 to 16384")]                       // the decoder's pool size overflowed
    [InlineData("Uploads:MaxDecodeBufferMegabytes", "32", "Uploads:MaxDecodeBufferMegabytes must be at least 48")] // a valid 4096² PNG was a 500
    [InlineData("Uploads:UploadBufferMegabytes", "20", "Uploads:UploadBufferMegabytes must be at least 21")]
    [InlineData("Inference:ReloadPollSeconds", "NaN", "Inference:ReloadPollSeconds must be 0 or less")]
    [InlineData("Inference:QueueCapacity", "0", "Inference:QueueCapacity must be at least 1")]            // the 503 said "(0 waiting)"
    [InlineData("Inference:MaxBatchWaitMilliseconds", "-5", "Inference:MaxBatchWaitMilliseconds must be 0 (no waiting) or more")]
    [InlineData("Inference:SessionsPerModel", "-1", "Inference:SessionsPerModel must be 0 (one per four cores) or more")]
    [InlineData("Inference:WarmUpRequests", "-1", "Inference:WarmUpRequests must be 0 (no warm-up) or more")]
    [InlineData("Inference:HttpWarmUpSeconds", "-1", "Inference:HttpWarmUpSeconds must be 0 (no warm-up) to 4,294,967")]
    [InlineData("urls", "http://127.0.0.1:abc", "'http://127.0.0.1:abc' has no valid port")]   // Kestrel listened on port 80 of every interface
    [InlineData("urls", "http://127.0.0.1:8080;http://[::1]:99999", "'http://[::1]:99999' has no valid port")]
    [InlineData("Metrics:PrometheusPort", "70000", "Metrics:PrometheusPort must be 0 (any port) or a port, 1 to 65535")]   // the metrics were answered nowhere
    public void Settings_that_would_fail_requests_or_the_shutdown_later_stop_the_service_at_start_naming_them(string key, string value, string expected)
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains(expected, string.Join("\n", error.Failures));
    }

    [Fact]
    public async Task A_model_whose_card_declares_channels_the_service_cannot_translate_fails_at_load_not_on_each_request()
    {
        using var folder = new TemporaryModels(("good", File.ReadAllBytes(TestModels.Tiny)), ("rgba", TestModels.TinyWith("pix2pix.input_channels", "3", "4")));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:DefaultModel"] = "good" });
        var client = await factory.ReadyClientAsync();

        using var rgba = JsonDocument.Parse(await client.GetStringAsync("/models/rgba"));
        Assert.Equal("failed", rgba.RootElement.GetProperty("state").GetString());
        Assert.Contains("the model takes 4 channels and gives 3; the service translates 1 (grey) or 3 (RGB) each way", rgba.RootElement.GetProperty("error").GetString());
        await TranslateTests.AssertProblem(await client.PostAsync("/translate?model=rgba", TranslateTests.Raw(Pngs.Rgb(8, 8))), HttpStatusCode.ServiceUnavailable, "1 (grey) or 3 (RGB)");
    }

    [Fact]
    public async Task A_model_whose_graph_contradicts_its_card_is_refused_with_the_shapes_and_others_keep_working()
    {
        using var folder = new TemporaryModels(("good", File.ReadAllBytes(TestModels.Tiny)), ("wrong_shape", TestModels.TinyWith("pix2pix.input_channels", "3", "1")));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:DefaultModel"] = "good" });
        var client = await factory.ReadyClientAsync();

        using var wrong = JsonDocument.Parse(await client.GetStringAsync("/models/wrong_shape"));
        Assert.Equal("failed", wrong.RootElement.GetProperty("state").GetString());
        Assert.Contains("expected [batch, 1, height, width]", wrong.RootElement.GetProperty("error").GetString());
        await TranslateTests.AssertProblem(await client.PostAsync("/translate?model=wrong_shape", TranslateTests.Raw(Pngs.Rgb(8, 8))), HttpStatusCode.ServiceUnavailable, "expected [batch, 1");
        Assert.Contains(factory.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("wrong_shape") && e.Message.Contains("expected [batch, 1"));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(8, 8)))).StatusCode);
    }

    [Fact]
    public async Task An_onnx_file_that_is_not_a_pix2pix_generator_is_named_as_such()
    {
        using var folder = new TemporaryModels(("plain", TestModels.TinyWith("pix2pix.format", "pix2pix-generator/1", "pix2pix-generator/X")));
        await using var factory = new ServiceFactory(folder.Path);
        var client = await factory.ReadyClientAsync(requireReady: false);

        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("format is 'pix2pix-generator/X'", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_configured_default_model_that_is_missing_is_reported_by_readiness_and_requests_get_503_not_404()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Inference:DefaultModel"] = "absent" });
        var client = await factory.ReadyClientAsync(requireReady: false);

        Assert.Contains("'absent' is not in", await (await client.GetAsync("/health/ready")).Content.ReadAsStringAsync());
        Assert.Contains(factory.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("default model absent is not in"));
        var response = await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(8, 8)));
        await TranslateTests.AssertProblem(response, HttpStatusCode.ServiceUnavailable, "default model 'absent' is not in the models folder");
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate?model=tiny", TranslateTests.Raw(Pngs.Rgb(8, 8)))).StatusCode);
    }

    [Fact]
    public async Task A_failing_batch_fails_only_its_own_requests_and_the_model_serves_the_next()
    {
        await using var batcher = new TinyBatcher(new InferenceOptions { UseCuda = false, SessionsPerModel = 1, MaxBatchSize = 1 });
        var good = new float[3 * 128 * 128];

        var failed = await Assert.ThrowsAsync<InferenceFailed>(() => batcher.Queue.TranslateAsync(new float[5], CancellationToken.None));
        var output = await batcher.Queue.TranslateAsync(good, CancellationToken.None);

        Assert.Contains("tiny", failed.Message);
        Assert.Equal(3 * 128 * 128, output.Length);
    }

    [Fact]
    public async Task Requests_whose_clients_left_while_queued_are_dropped_without_being_computed()
    {
        await using var batcher = new TinyBatcher(new InferenceOptions { UseCuda = false, SessionsPerModel = 1, MaxBatchSize = 1, QueueCapacity = 100 });
        var computed = 0L;
        using var leaving = new CancellationTokenSource();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Name == "pix2pix.batch.size" && instrument.Meter.Scope == batcher.Meters) l.EnableMeasurementEvents(instrument); };
        // The clients leave at the latest when the first batch is done, while 29 kept requests are still ahead of theirs,
        // even if this thread stalls before its own Cancel below (a loaded machine could otherwise compute them all first).
        listener.SetMeasurementEventCallback<int>((_, size, _, _) => { Interlocked.Add(ref computed, size); leaving.Cancel(); });
        listener.Start();
        var input = new float[3 * 128 * 128];

        var kept = Enumerable.Range(0, 30).Select(_ => batcher.Queue.TranslateAsync(input, CancellationToken.None)).ToArray();
        var abandoned = Enumerable.Range(0, 10).Select(_ => batcher.Queue.TranslateAsync(input, leaving.Token)).ToArray();
        leaving.Cancel();
        await Task.WhenAll(kept);
        foreach (var task in abandoned) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        await batcher.Queue.TranslateAsync(input, CancellationToken.None);

        // The 30 kept and the last one ran; the 10 whose client left were dropped from the queue unrun.
        Assert.Equal(31, Interlocked.Read(ref computed));
    }

    [Fact]
    public async Task A_request_a_worker_holds_in_a_batch_waiting_for_more_is_still_answered_when_the_model_stops()
    {
        var batcher = new TinyBatcher(new InferenceOptions { UseCuda = false, SessionsPerModel = 1, MaxBatchSize = 4, MaxBatchWaitMilliseconds = 60_000 });
        // Another request is on its way, so the worker holds the first in its batch and waits up to a minute for more.
        var onItsWay = batcher.Queue.Announce();
        var held = batcher.Queue.TranslateAsync(new float[3 * 128 * 128], CancellationToken.None);
        await QueueDepthReaches(batcher, 0);   // the worker has taken it from the queue, however slow the machine

        await batcher.DisposeAsync();

        // Closing the queue ends the wait: the batch runs before the worker stops, rather than its request being dropped or
        // left waiting for the minute.
        Assert.Equal(3 * 128 * 128, (await held.WaitAsync(TimeSpan.FromSeconds(10))).Length);
        onItsWay.Dispose();
    }

    [Fact]
    public async Task Stopping_a_batcher_answers_every_request_it_took_however_the_stop_meets_its_worker()
    {
        // Each round: the worker holds a first request in a batch that waits for the one on its way; a second arrives and the
        // batcher stops at once, while the worker is still parked, taking the second, or about to wait again. In no case
        // may a request be left unanswered.
        var options = new InferenceOptions { UseCuda = false, SessionsPerModel = 1, MaxBatchSize = 4, MaxBatchWaitMilliseconds = 60_000 };
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var pool = SessionPool.Open("tiny", File.ReadAllBytes(TestModels.Tiny), options, NullLogger.Instance);
        var telemetry = new Pix2PixTelemetry(meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        for (var round = 0; round < 100; round++)
        {
            var batcher = new Batcher("tiny", pool, options, telemetry, NullLogger.Instance);
            using var onItsWay = batcher.Announce();
            var first = batcher.TranslateAsync(new float[3 * 128 * 128], CancellationToken.None);
            await Task.Delay(10);   // time for the worker to take it (if it has not, the round tests the stop before that)
            var second = batcher.TranslateAsync(new float[3 * 128 * 128], CancellationToken.None);

            await batcher.DisposeAsync();

            // Answered, or told the service is shutting down (a 503 to retry elsewhere) if the worker never took it: never
            // still waiting, and never a bare cancellation its client did not ask for (that was a 500).
            Task[] requests = [first, second];
            var settled = Task.WhenAll(requests.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
            Assert.True(await Task.WhenAny(settled, Task.Delay(TimeSpan.FromSeconds(10))) == settled, $"round {round}: a request was left waiting after the batcher stopped");
            Assert.All(requests, r => Assert.True(r.IsCompletedSuccessfully || r.Exception?.InnerException is ServiceUnavailable { Title: "Shutting down" }, $"round {round}: {r.Status} {r.Exception?.InnerException?.Message}"));
        }
    }

    // Reads the batcher's queue-depth gauge until it shows depth, for up to 30 s.
    private static async Task QueueDepthReaches(TinyBatcher batcher, int depth)
    {
        var seen = -1;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Name == "pix2pix.queue.depth" && instrument.Meter.Scope == batcher.Meters) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => Volatile.Write(ref seen, value));
        listener.Start();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            listener.RecordObservableInstruments();
            if (Volatile.Read(ref seen) == depth) return;
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"the queue depth stayed at {Volatile.Read(ref seen)}, not {depth}");
            await Task.Delay(10);
        }
    }

    /// <summary>The tiny test model's session pool and a batcher draining into it, with their own meters.</summary>
    private sealed class TinyBatcher : IAsyncDisposable
    {
        private readonly ServiceProvider meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        private readonly SessionPool pool;

        public TinyBatcher(InferenceOptions options)
        {
            pool = SessionPool.Open("tiny", File.ReadAllBytes(TestModels.Tiny), options, NullLogger.Instance);
            Queue = new Batcher("tiny", pool, options, new Pix2PixTelemetry(Meters), NullLogger.Instance);
        }

        public System.Diagnostics.Metrics.IMeterFactory Meters => meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        public Batcher Queue { get; }

        public async ValueTask DisposeAsync()
        {
            await Queue.DisposeAsync();
            pool.Dispose();
            await meters.DisposeAsync();
        }
    }
}
