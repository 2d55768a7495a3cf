using System.Globalization;
using Microsoft.Extensions.Logging;
using Pix2Pix.GpuRun;

// scripts/gpu-run's measurements, from a bundle made by scripts/gpu-bundle: the generators by batch through the service's
// own session class, then the real service under load; a markdown section to --out. On CUDA where it works, else the CPU.
RunOptions options;
try
{
    options = RunOptions.Parse(args);
}
catch (RunOptions.UsageException e)
{
    Console.Error.WriteLine($"gpu-run: {e.Message}");
    return 2;
}

using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var logger = logging.CreateLogger("gpu-run");
var noCuda = Machine.WhyNoCuda;
var lines = new List<string>
{
    noCuda is null ? "## GPU run" : "## CPU run (no usable GPU)",
    "",
    $"Written by `scripts/gpu-run` from a `scripts/gpu-bundle` bundle on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(options.Quick ? " (--quick: short rounds)" : "")}."
        + (noCuda is null ? "" : $" CUDA was not usable ({noCuda}), so everything below ran on the CPU and says nothing about a GPU."),
    "",
    "| | |",
    "| --- | --- |",
    $"| GPU | {Machine.Gpu()} |",
    $"| CPU | {Machine.Cpu()} |",
    $"| CUDA libraries | {Environment.GetEnvironmentVariable("PIX2PIX_CUDA_LIBS") ?? "not looked for"} |",
    $"| software | .NET {Environment.Version} (self-contained), ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version} |",
    "",
};

var models = Directory.GetFiles(options.Models, "*.onnx").Order(StringComparer.Ordinal).ToArray();
lines.Add("### Generators by batch");
lines.Add("");
lines.Add("ONNX Runtime through the service's `GeneratorSession` with the service's defaults (on CUDA: TF32, cuDNN's EXHAUSTIVE search, its largest workspace, pinned I/O buffers), at each model's native size; `_float16` models compute in float16 (float32 in and out). One untimed run per batch size, then the median of runs for " + F(options.EngineTime.TotalSeconds, 0) + " s.");
lines.Add("");
lines.Add("| model | device | batch | runs | ms / batch | ms / image | images/s |");
lines.Add("| --- | --- | --- | --- | --- | --- | --- |");
var measured = models.ToDictionary(m => Path.GetFileNameWithoutExtension(m)!, m => EngineTimes.Measure(m, options.EngineTime, logger));
var engineRows = measured.Values.SelectMany(m => m.Rows).ToArray();
foreach (var row in engineRows)
{
    lines.Add($"| {row.Model} | {row.Provider} ({row.Device}) | {row.Batch} | {row.Runs} | {F(row.MsPerBatch)} | {F(row.MsPerImage, 3)} | {F(row.ImagesPerSecond, 0)} |");
}

lines.Add("");
// A float16 twin (NAME_float16) against its float32 original on the same input: what float16 costs in fidelity.
foreach (var (name, half) in measured.Where(m => m.Key.EndsWith("_float16", StringComparison.Ordinal)))
{
    if (!measured.TryGetValue(name[..^"_float16".Length], out var full)) continue;
    var zeros = name.StartsWith("unet_256_ngf64", StringComparison.Ordinal) ? " (zero weights: both answer the same constant, so this only shows the graphs agree)" : "";
    lines.Add($"- {name} against its float32 original, same input: PSNR {F(EngineTimes.Psnr(full.Answer, half.Answer), 1)} dB{zeros}.");
}

// The issue's targets are for an H200; they are compared only on a GPU.
double At64(string model) => engineRows.FirstOrDefault(r => r.Model == model && r.Batch == 64)?.ImagesPerSecond ?? double.NaN;
if (noCuda is null)
{
    var (tf32, half) = (At64("unet_256_ngf64"), At64("unet_256_ngf64_float16"));
    lines.Add($"- Target, unet_256/ngf64 at batch 64 ≥ 6,000 images/s with TF32: {F(tf32, 0)}, {(tf32 >= 6000 ? "met" : "missed")}; ≥ 10,000 in float16: {F(half, 0)}, {(half >= 10000 ? "met" : "missed")}.");
}
else
{
    lines.Add("- The GPU targets (unet_256/ngf64 at batch 64 ≥ 6,000 images/s with TF32 and ≥ 10,000 in float16; the service ≥ 500 requests/s at concurrency 32) are not compared on the CPU, where ONNX Runtime computes float16 graphs through casts to float32.");
}

var served = models.Select(Path.GetFileNameWithoutExtension).FirstOrDefault(m => m == "openmoji") ?? Path.GetFileNameWithoutExtension(models[0])!;
var png = File.ReadAllBytes(options.Png);
await using (var service = await ServiceLoad.StartAsync(options, served))
{
    var loaded = await service.ModelsAsync();
    lines.Add("");
    lines.Add("### The service under load");
    lines.Add("");
    lines.Add($"The bundle's service (`Pix2Pix.Api`, its defaults apart from `Inference:QueueCapacity` 256), ready {F(service.StartToReadySeconds, 1)} s after its start; models: "
        + string.Join(", ", loaded.Select(m => $"{m.Name} {m.State} on {m.Provider ?? "-"} ({m.Device ?? "-"})"))
        + $". Closed-loop clients POST `/translate?model={served}` with {Path.GetFileName(options.Png)} ({png.Length:N0} bytes) for {F(options.LoadTime.TotalSeconds, 0)} s per level; errors are answers other than 200.");
    lines.Add("");
    lines.Add("| model | concurrency | requests | req/s | p50 ms | p99 ms | errors |");
    lines.Add("| --- | --- | --- | --- | --- | --- | --- |");
    foreach (var concurrency in RunOptions.Concurrencies)
    {
        var row = await service.LoadAsync(served, png, concurrency, options.LoadTime);
        logger.LogInformation("{Model} at concurrency {Concurrency}: {Rps:F1} req/s, p50 {P50:F1} ms, {Errors} errors", row.Model, row.Concurrency, row.RequestsPerSecond, row.P50, row.Errors);
        lines.Add($"| {row.Model} | {row.Concurrency} | {row.Requests} | {F(row.RequestsPerSecond, 1)} | {F(row.P50)} | {F(row.P99)} | {row.Errors}{(row.Errors > 0 ? $" ({row.ErrorKinds})" : "")} |");
        if (noCuda is null && concurrency == 32)
        {
            lines.Add("");
            lines.Add($"- Target, ≥ 500 requests/s at concurrency 32 with no errors: {F(row.RequestsPerSecond, 1)} requests/s, {row.Errors} errors, {(row.RequestsPerSecond >= 500 && row.Errors == 0 ? "met" : "missed")}.");
        }
    }
}

Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
File.WriteAllText(options.Output, string.Join('\n', lines) + "\n");
Console.WriteLine($"wrote {options.Output}");
return 0;

static string F(double value, int decimals = 2) => double.IsNaN(value) ? "–" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);
