using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;

namespace Pix2Pix.Api.Tests;

public class ModelsAndHealthTests
{
    [Fact]
    public async Task Models_lists_the_model_with_its_card_provider_and_state()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        using var models = JsonDocument.Parse(await client.GetStringAsync("/models"));
        var tiny = Assert.Single(models.RootElement.EnumerateArray());
        Assert.Equal("tiny", tiny.GetProperty("name").GetString());
        Assert.True(tiny.GetProperty("isDefault").GetBoolean());
        Assert.Equal("ready", tiny.GetProperty("state").GetString());
        Assert.Equal("CPU", tiny.GetProperty("provider").GetString());
        var card = tiny.GetProperty("card");
        Assert.Equal("unet_128", card.GetProperty("architecture").GetString());
        Assert.Equal(128, card.GetProperty("nativeSize").GetInt32());
        Assert.Equal("image", card.GetProperty("normalizationAtTest").GetString());

        using var one = JsonDocument.Parse(await client.GetStringAsync("/models/tiny"));
        Assert.Equal("tiny", one.RootElement.GetProperty("name").GetString());
        await TranslateTests.AssertProblem(await client.GetAsync("/models/nope"), HttpStatusCode.NotFound, "'nope'");
    }

    [Fact]
    public async Task Live_and_ready_answer_once_the_models_are_warm()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("ready on CPU", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Before_it_says_ready_the_service_has_run_the_whole_request_path_and_the_metrics_do_not_count_it()
    {
        await using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Inference:WarmUpRequests"] = "5" });
        var client = await factory.ReadyClientAsync();

        Assert.Contains(factory.Logs.Entries, e => e.Message.Contains("Model tiny: the request path warmed up with 5 translations"));
        Assert.Contains(factory.Spans, s => s.DisplayName == "encode");   // decode to encode, through the batcher
        var metrics = await client.GetStringAsync("/metrics");
        Assert.DoesNotContain("pix2pix_translate_duration_milliseconds_count{", metrics);
        Assert.DoesNotContain("pix2pix_batch_size_count{", metrics);
    }

    [Fact]
    public async Task Swagger_is_served_in_Production_and_can_be_turned_off()
    {
        await using var on = new ServiceFactory(settings: new Dictionary<string, string?> { ["Environment"] = "Production" });
        await using var off = new ServiceFactory(settings: new Dictionary<string, string?> { ["Environment"] = "Production", ["Swagger:Enabled"] = "false" });

        Assert.Equal(HttpStatusCode.OK, (await (await on.ReadyClientAsync()).GetAsync("/swagger/v1/swagger.json")).StatusCode);
        Assert.Equal("Production", on.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>().EnvironmentName);
        var closed = await off.ReadyClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await closed.GetAsync("/swagger/v1/swagger.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await closed.GetAsync("/swagger/index.html")).StatusCode);
    }

    [Theory]
    [InlineData(false, "is missing")]
    [InlineData(true, "is a file, not a folder")]
    public async Task A_models_folder_that_is_missing_or_a_file_is_named_so_by_readiness_requests_and_the_log(bool aFile, string problem)
    {
        var path = aFile ? Path.GetTempFileName() : Path.Combine(Path.GetTempPath(), $"pix2pix-absent-{Guid.NewGuid():N}");
        try
        {
            await using var factory = new ServiceFactory(path);
            var client = await factory.ReadyClientAsync(requireReady: false);

            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var reason = await ready.Content.ReadAsStringAsync();
            Assert.Contains($"the models folder {problem}", reason);
            Assert.DoesNotContain(path, reason);   // clients are not told paths
            await TranslateTests.AssertProblem(await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(8, 8))), HttpStatusCode.ServiceUnavailable, $"The models folder {problem}");
            Assert.Contains(factory.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains($"The models folder {path} {problem}"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Without_models_the_service_starts_live_but_not_ready_and_says_why()
    {
        using var empty = new TemporaryModels();
        await using var factory = new ServiceFactory(empty.Path);
        var client = await factory.ReadyClientAsync(requireReady: false);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("no models", await ready.Content.ReadAsStringAsync());
        await TranslateTests.AssertProblem(await client.PostAsync("/translate", TranslateTests.Raw(Pngs.Rgb(8, 8))), HttpStatusCode.ServiceUnavailable, "No models");
    }

    [Fact]
    public async Task A_broken_model_file_is_reported_and_the_other_models_keep_working()
    {
        using var folder = new TemporaryModels(("good", File.ReadAllBytes(TestModels.Tiny)), ("broken", "this is not an ONNX model"u8.ToArray()));
        await using var factory = new ServiceFactory(folder.Path, new Dictionary<string, string?> { ["Inference:DefaultModel"] = "good" });
        var client = await factory.ReadyClientAsync();

        using var broken = JsonDocument.Parse(await client.GetStringAsync("/models/broken"));
        Assert.Equal("failed", broken.RootElement.GetProperty("state").GetString());
        var error = broken.RootElement.GetProperty("error").GetString()!;
        Assert.Contains("broken.onnx", error);                          // the client learns which file and why...
        var refused = await TranslateTests.AssertProblem(await client.PostAsync("/translate?model=broken", TranslateTests.Raw(Pngs.Rgb(8, 8))), HttpStatusCode.ServiceUnavailable, "failed to load");
        Assert.NotNull(refused);
        Assert.Contains("Retrying will not help", refused.Detail);
        Assert.Null((await client.PostAsync("/translate?model=broken", TranslateTests.Raw(Pngs.Rgb(8, 8)))).Headers.RetryAfter);   // no promise of recovery
        foreach (var told in new[] { error, refused.Detail ?? "", await client.GetStringAsync("/models"), await (await client.GetAsync("/health/ready")).Content.ReadAsStringAsync() })
        {
            Assert.DoesNotContain(folder.Path, told);                         // ...not where the server keeps it
        }

        Assert.Contains(factory.Logs.Entries, e => e.Message.Contains(Path.Combine(folder.Path, "broken.onnx")));   // the log does
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/translate?model=good", TranslateTests.Raw(Pngs.Rgb(8, 8)))).StatusCode);
    }

    [Fact]
    public async Task Swagger_documents_every_upload_form_the_answers_and_the_png()
    {
        await using var factory = new ServiceFactory();
        var client = factory.CreateClient();

        using var swagger = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));
        var translate = swagger.RootElement.GetProperty("paths").GetProperty("/translate").GetProperty("post");
        var body = translate.GetProperty("requestBody").GetProperty("content");
        Assert.Equal("binary", body.GetProperty("image/png").GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal("binary", body.GetProperty("application/octet-stream").GetProperty("schema").GetProperty("format").GetString());
        Assert.True(body.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").TryGetProperty("image", out _));
        Assert.True(translate.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _));
        Assert.All(new[] { "400", "404", "408", "413", "415", "422", "500", "503" }, status => Assert.True(translate.GetProperty("responses").TryGetProperty(status, out _), status));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/swagger/index.html")).StatusCode);
    }

    [Fact]
    public async Task Swagger_describes_the_model_parameter_and_lists_the_health_endpoints()
    {
        await using var factory = new ServiceFactory();
        var client = factory.CreateClient();

        using var swagger = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));
        var paths = swagger.RootElement.GetProperty("paths");
        var model = paths.GetProperty("/translate").GetProperty("post").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "model");
        var ready = paths.GetProperty("/health/ready").GetProperty("get");

        Assert.StartsWith("The model to translate with", model.GetProperty("description").GetString());
        Assert.True(paths.GetProperty("/health/live").TryGetProperty("get", out _));
        Assert.Equal(["200", "503"], ready.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray());
        Assert.Equal("Health", ready.GetProperty("tags")[0].GetString());
    }
}
