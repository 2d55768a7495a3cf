using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Pix2Pix.Api.Inference;
using Xunit.Abstractions;

namespace Pix2Pix.Api.Tests;

/// <summary>Models added, replaced and removed in the models folder while the service serves, without a restart.</summary>
public class ReloadTests(ITestOutputHelper output)
{
    private static readonly byte[] VersionA = File.ReadAllBytes(TestModels.Tiny);
    private static readonly byte[] VersionB = TestModels.TinyWith("pix2pix.dataset", "d128", "e128");
    private static readonly byte[] VersionC = TestModels.TinyWith("pix2pix.dataset", "d128", "f128");

    [Fact]
    public async Task Models_replaced_and_added_under_concurrent_load_are_swapped_in_without_one_failed_request()
    {
        using var folder = new TemporaryModels(("tiny", VersionA));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0.1" });
        var client = await factory.ReadyClientAsync();
        var png = Pngs.Rgb(96, 64);
        using var stop = new CancellationTokenSource();
        var served = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var secondArrived = false;
        var servedBySecond = 0;
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var model = worker % 2 == 1 && Volatile.Read(ref secondArrived) ? "second" : "tiny";
                var response = await client.PostAsync($"/translate?model={model}", TranslateTests.Raw(png));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref served);
                    if (model == "second") Interlocked.Increment(ref servedBySecond);
                }

                else failures.Enqueue($"{model}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        })).ToArray();

        var replaced = await SwapAsync(client, "tiny", GeneratorModel.VersionOf(VersionB), () => Install(folder, "tiny", VersionB));
        var rewritten = await SwapAsync(client, "tiny", GeneratorModel.VersionOf(VersionC), () =>
        {
            var path = Path.Combine(folder.Path, "tiny.onnx");
            File.WriteAllBytes(path, VersionC);   // as long as B: only the time tells (set plainly, for file systems of coarse times)
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        });
        var added = await SwapAsync(client, "second", GeneratorModel.VersionOf(VersionA), () => Install(folder, "second", VersionA));
        Volatile.Write(ref secondArrived, true);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && Volatile.Read(ref servedBySecond) < 4 && failures.IsEmpty;) await Task.Delay(20);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        output.WriteLine($"{served} requests served, {failures.Count} failed; swapped in after {replaced:F2} s (renamed), {rewritten:F2} s (written in place), added after {added:F2} s; polling every 0.1 s");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.True(servedBySecond >= 4, $"the added model served {servedBySecond} requests");
        Assert.All([replaced, rewritten, added], seconds => Assert.InRange(seconds, 0, 30));
        Assert.Equal(3, ReloadEvents(factory, "replaced") + ReloadEvents(factory, "added"));
        Assert.Contains("pix2pix_model_reloads_total{", await ScrapeAsync(client, "outcome=\"added\""));
    }

    [Fact]
    public async Task A_file_still_being_written_is_left_alone_until_it_holds_still_for_a_whole_poll()
    {
        using var folder = new TemporaryModels(("tiny", VersionA));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0" });
        var client = await factory.ReadyClientAsync();
        var watcher = Watcher(factory);
        var path = Path.Combine(folder.Path, "tiny.onnx");

        await using (var copy = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            foreach (var part in VersionB.Chunk(VersionB.Length / 4))
            {
                await copy.WriteAsync(part);
                await copy.FlushAsync();
                await watcher.PollAsync();   // a slow copy, looked at between its writes (the last look sees the whole file once)
                Assert.Equal(GeneratorModel.VersionOf(VersionA), await VersionAsync(client, "tiny"));
            }
        }

        await watcher.PollAsync();   // the same again: read and swapped in
        Assert.Equal(GeneratorModel.VersionOf(VersionB), await VersionAsync(client, "tiny"));
        Assert.DoesNotContain(factory.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_broken_new_file_leaves_the_old_version_serving_reported_in_models_the_log_and_the_metrics()
    {
        using var folder = new TemporaryModels(("tiny", VersionA));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0" });
        var client = await factory.ReadyClientAsync();
        var watcher = Watcher(factory);

        Install(folder, "tiny", "not a model at all"u8.ToArray());
        await watcher.PollAsync();
        await watcher.PollAsync();

        using (var tiny = JsonDocument.Parse(await client.GetStringAsync("/models/tiny")))
        {
            Assert.Equal("ready", tiny.RootElement.GetProperty("state").GetString());
            Assert.Equal(GeneratorModel.VersionOf(VersionA), tiny.RootElement.GetProperty("version").GetString());
            Assert.Contains("was not loaded", tiny.RootElement.GetProperty("reloadError").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(32, 32)))).StatusCode);
        Assert.Contains(factory.Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("the serving version sha256:"));
        Assert.Equal(1, ReloadEvents(factory, "failed"));

        Install(folder, "tiny", VersionB);
        await SettleAsync(watcher);
        Assert.Equal((GeneratorModel.VersionOf(VersionB), null), await ServingAsync(client, "tiny"));
    }

    [Fact]
    public async Task A_removed_model_stops_being_served_and_a_request_that_holds_it_finishes_on_it_before_it_is_unloaded()
    {
        using var folder = new TemporaryModels(("tiny", VersionA), ("second", VersionB));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0" });
        var client = await factory.ReadyClientAsync();
        var registry = factory.Services.GetRequiredService<ModelRegistry>();
        using var held = registry.Lease("second");   // a request on its way through the pipeline

        File.Delete(Path.Combine(folder.Path, "second.onnx"));
        await Watcher(factory).PollAsync();
        Assert.Contains("second", await client.GetStringAsync("/models"));   // missed once: it may be on its way back (rm, then cp)
        await Watcher(factory).PollAsync();

        await TranslateTests.AssertProblem(await client.PostAsync("/translate?model=second", TranslateTests.Raw(Pngs.Rgb(8, 8))), HttpStatusCode.NotFound, "'second'");
        Assert.DoesNotContain("second", await client.GetStringAsync("/models"));
        Assert.False(held.Model.Released.IsCompleted);
        Assert.Equal(3 * 128 * 128, (await held.Model.TranslateAsync(new float[3 * 128 * 128], CancellationToken.None)).Length);
        held.Dispose();
        await held.Model.Released.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, ReloadEvents(factory, "removed"));
    }

    [Fact]
    public async Task Model_files_that_cannot_be_looked_at_are_reported_as_such_until_removed_and_the_folder_goes_on_being_watched()
    {
        using var folder = new TemporaryModels(("tiny", VersionA));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0" });
        var client = await factory.ReadyClientAsync();
        var watcher = Watcher(factory);

        File.CreateSymbolicLink(Path.Combine(folder.Path, "loop.onnx"), "loop.onnx");   // a link to itself
        File.CreateSymbolicLink(Path.Combine(folder.Path, "dangling.onnx"), Path.Combine(folder.Path, "gone", "model.onnx"));
        // A named pipe would block a read until something wrote to it, and with it every later poll; an empty file is no model.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(folder.Path, "pipe.onnx"))) await mkfifo.WaitForExitAsync();
        await File.WriteAllBytesAsync(Path.Combine(folder.Path, "empty.onnx"), []);
        await SettleAsync(watcher).WaitAsync(TimeSpan.FromSeconds(30));

        foreach (var name in new[] { "loop", "dangling", "pipe", "empty" })
        {
            using var model = JsonDocument.Parse(await client.GetStringAsync($"/models/{name}"));
            Assert.Equal("failed", model.RootElement.GetProperty("state").GetString());
            Assert.Contains($"{name}.onnx could not be read: ", model.RootElement.GetProperty("error").GetString());
        }

        Assert.Contains("it is empty, or not a regular file", await client.GetStringAsync("/models/pipe"));

        Assert.DoesNotContain(folder.Path, await client.GetStringAsync("/models/dangling"));   // the server's paths stay in its log
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        Install(folder, "tiny", VersionB);
        await SettleAsync(watcher);
        Assert.Equal(GeneratorModel.VersionOf(VersionB), await VersionAsync(client, "tiny"));

        // Removed, they are no longer listed (they were never loaded, and used to stay "failed" until a restart).
        foreach (var name in new[] { "loop", "dangling", "pipe", "empty" }) File.Delete(Path.Combine(folder.Path, name + ".onnx"));
        await SettleAsync(watcher);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), ((await client.GetAsync("/models/loop")).StatusCode, (await client.GetAsync("/models/dangling")).StatusCode));
        Assert.Equal(GeneratorModel.VersionOf(VersionB), await VersionAsync(client, "tiny"));
    }

    [Fact]
    public async Task A_replacement_that_cannot_be_read_leaves_the_old_version_serving_and_putting_the_old_file_back_clears_the_report()
    {
        using var folder = new TemporaryModels(("tiny", VersionA));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0" });
        var client = await factory.ReadyClientAsync();
        var watcher = Watcher(factory);
        var path = Path.Combine(folder.Path, "tiny.onnx");

        File.Delete(path);
        File.CreateSymbolicLink(path, Path.Combine(folder.Path, "not-there.onnx"));
        await SettleAsync(watcher);

        var (version, reloadError) = await ServingAsync(client, "tiny");
        Assert.Equal(GeneratorModel.VersionOf(VersionA), version);
        Assert.Contains("could not be read", reloadError);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate?model=tiny", TranslateTests.Raw(Pngs.Rgb(32, 32)))).StatusCode);
        Assert.Equal(1, ReloadEvents(factory, "failed"));

        File.Delete(path);
        Install(folder, "tiny", VersionA);   // the operator puts the serving version's file back
        await SettleAsync(watcher);
        Assert.Equal((GeneratorModel.VersionOf(VersionA), null), await ServingAsync(client, "tiny"));
    }

    [Fact]
    public async Task A_model_linked_into_the_folder_is_reloaded_when_the_file_it_links_to_is_rewritten_in_place()
    {
        using var store = new TemporaryModels(("release", VersionA));
        using var folder = new TemporaryModels();
        var target = Path.Combine(store.Path, "release.onnx");
        File.CreateSymbolicLink(Path.Combine(folder.Path, "tiny.onnx"), target);
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:ReloadPollSeconds"] = "0" });
        var client = await factory.ReadyClientAsync();
        Assert.Equal(GeneratorModel.VersionOf(VersionA), await VersionAsync(client, "tiny"));

        File.WriteAllBytes(target, VersionB);   // the link itself does not change
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddSeconds(5));
        await SettleAsync(Watcher(factory));

        Assert.Equal(GeneratorModel.VersionOf(VersionB), await VersionAsync(client, "tiny"));
    }

    // Copies to a temporary name and renames into place, as an operator should (the rename is atomic).
    private static void Install(TemporaryModels folder, string name, byte[] onnx)
    {
        var part = Path.Combine(folder.Path, $".{name}.onnx.part");
        File.WriteAllBytes(part, onnx);
        File.Move(part, Path.Combine(folder.Path, name + ".onnx"), overwrite: true);
    }

    // Makes a change in the folder and returns how long the service took to serve the version expected.
    private static async Task<double> SwapAsync(HttpClient client, string model, string version, Action change)
    {
        var started = Stopwatch.GetTimestamp();
        change();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            if (await VersionAsync(client, model) == version) return Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        return double.PositiveInfinity;
    }

    // Two looks: the first sees the change, the second finds that it held still and loads it.
    private static async Task SettleAsync(ModelsFolderWatcher watcher)
    {
        await watcher.PollAsync();
        await watcher.PollAsync();
    }

    // GET /models/NAME: the version that serves, and why a newer file of it was not swapped in (null when nothing failed).
    private static async Task<(string? Version, string? ReloadError)> ServingAsync(HttpClient client, string model)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync($"/models/{model}"));
        var reloadError = json.RootElement.GetProperty("reloadError");
        return (json.RootElement.GetProperty("version").GetString(), reloadError.ValueKind == JsonValueKind.Null ? null : reloadError.GetString());
    }

    private static async Task<string?> VersionAsync(HttpClient client, string model)
    {
        var response = await client.GetAsync($"/models/{model}");
        if (!response.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("version").GetString();
    }

    // The Prometheus page once it shows a series with the label given (the exporter caches a scrape for a moment).
    private static async Task<string> ScrapeAsync(HttpClient client, string label)
    {
        var text = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline && !text.Contains(label); await Task.Delay(100))
        {
            text = await client.GetStringAsync("/metrics");
        }

        return text;
    }

    private static ModelsFolderWatcher Watcher(ServiceFactory factory) =>
        factory.Services.GetServices<IHostedService>().OfType<ModelsFolderWatcher>().Single();

    // The reload-event counter's total for one outcome, as last exported.
    private static long ReloadEvents(ServiceFactory factory, string outcome)
    {
        factory.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = factory.Metrics.LastOrDefault(m => m.Name == "pix2pix.model.reloads");
        if (metric is null) return 0;
        long total = 0;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            foreach (var tag in point.Tags)
            {
                if (tag.Key == "outcome" && Equals(tag.Value, outcome)) total += point.GetSumLong();
            }
        }

        return total;
    }
}
