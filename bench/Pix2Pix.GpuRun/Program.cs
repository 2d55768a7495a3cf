using System.Globalization;
using Microsoft.Extensions.Logging;
using Pix2Pix.Api.Inference;
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

// Written again after every table, so a run cut short still leaves what it measured.
void Save()
{
    Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
    File.WriteAllText(options.Output, string.Join('\n', lines) + "\n");
}

var models = Directory.GetFiles(options.Models, "*.onnx").Order(StringComparer.Ordinal).ToArray();
lines.Add("### Generators by batch");
lines.Add("");
lines.Add("ONNX Runtime through the service's `GeneratorSession` with the service's defaults (on CUDA: TF32, cuDNN's EXHAUSTIVE search, its largest workspace, pinned I/O buffers), at each model's native size; `_float16` models compute in float16 (float32 in and out). unet_256_ngf64 has the paper's random initialisation, each weight tensor's first 4,096 values repeated (nothing zero; it compresses to almost nothing). One untimed run per batch size, then the median of runs for " + F(options.EngineTime.TotalSeconds, 0) + " s.");
lines.Add("");
lines.Add("| model | device | batch | runs | ms / batch | ms / image | images/s |");
lines.Add("| --- | --- | --- | --- | --- | --- | --- |");
var measured = new Dictionary<string, (IReadOnlyList<EngineRow> Rows, float[] Answer)>();
foreach (var model in models)
{
    if (!TryMeasure(model, null, null, "", out var result)) continue;
    measured[Path.GetFileNameWithoutExtension(model)!] = result;
    foreach (var row in result.Rows)
    {
        lines.Add($"| {row.Model} | {row.Provider} ({row.Device}) | {row.Batch} | {row.Runs} | {F(row.MsPerBatch)} | {F(row.MsPerImage, 3)} | {F(row.ImagesPerSecond, 0)} |");
    }

    Save();
}

var engineRows = measured.Values.SelectMany(m => m.Rows).ToArray();

lines.Add("");
// A float16 twin (NAME_float16) against its float32 original on the same input: what float16 costs in fidelity.
foreach (var (name, half) in measured.Where(m => m.Key.EndsWith("_float16", StringComparison.Ordinal)))
{
    if (!measured.TryGetValue(name[..^"_float16".Length], out var full)) continue;
    lines.Add($"- {name} against its float32 original, same input: PSNR {F(EngineTimes.Psnr(full.Answer, half.Answer), 1)} dB.");
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

Save();
if (noCuda is null)
{
    // The CUDA provider's settings one at a time against the defaults, on the paper's generator: what each is worth here.
    lines.Add("");
    lines.Add("### CUDA settings against the defaults");
    lines.Add("");
    lines.Add("Each setting changed alone from the defaults above, in a session of its own; same timing.");
    lines.Add("");
    lines.Add("| model | setting | batch | runs | ms / batch | images/s | speed against the defaults (above 1: faster) |");
    lines.Add("| --- | --- | --- | --- | --- | --- | --- |");
    var settings = new (string Name, InferenceOptions Options)[]
    {
        ("cudnn_conv_use_max_workspace 0", EngineTimes.Defaults with { CudnnConvUseMaxWorkspace = false }),
        ("cudnn_conv_algo_search HEURISTIC", EngineTimes.Defaults with { CudnnConvAlgoSearch = "HEURISTIC" }),
        ("no pinned buffers (plain Run)", EngineTimes.Defaults with { PinnedBuffers = false }),
    };
    foreach (var model in models.Where(m => Path.GetFileName(m).StartsWith("unet_256_ngf64", StringComparison.Ordinal)))
    {
        foreach (var (setting, settingOptions) in settings)
        {
            if (!TryMeasure(model, settingOptions, RunOptions.SettingBatches, setting, out var result)) continue;
            foreach (var row in result.Rows)
            {
                var baseline = engineRows.FirstOrDefault(r => r.Model == row.Model && r.Batch == row.Batch)?.MsPerBatch ?? double.NaN;
                lines.Add($"| {row.Model} | {setting} | {row.Batch} | {row.Runs} | {F(row.MsPerBatch)} | {F(row.ImagesPerSecond, 0)} | {F(baseline / row.MsPerBatch)}× |");
            }

            Save();
        }
    }
}

var served = models.Select(Path.GetFileNameWithoutExtension).FirstOrDefault(m => m == "openmoji") ?? Path.GetFileNameWithoutExtension(models[0])!;
var png = File.ReadAllBytes(options.Png);
// The service gets the served model alone: every model it finds is opened and warmed up at every batch size, per session.
var servedFolder = Directory.CreateTempSubdirectory("pix2pix-gpu-run-models.").FullName;
File.Copy(models.First(m => Path.GetFileNameWithoutExtension(m) == served), Path.Combine(servedFolder, served + ".onnx"));
try
{
    await using (var service = await ServiceLoad.StartAsync(options, servedFolder, served))
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

            Save();
        }

        // What the service itself said (warnings and errors; its models' provider lines) goes to the log, not to RESULTS.
        Console.WriteLine("== the service's own log (its last lines)");
        Console.WriteLine(service.Output);
    }
}
finally
{
    Directory.Delete(servedFolder, recursive: true);
}

Save();
Console.WriteLine($"wrote {options.Output}");
return 0;

// One model measured, or its failure written as a row of its own, so that one model that cannot run costs only its rows.
bool TryMeasure(string model, InferenceOptions? with, IReadOnlyList<int>? batches, string setting, out (IReadOnlyList<EngineRow> Rows, float[] Answer) result)
{
    try
    {
        result = EngineTimes.Measure(model, options.EngineTime, logger, with, batches, setting);
        return true;
    }
    catch (Exception e)
    {
        var name = Path.GetFileNameWithoutExtension(model);
        logger.LogError(e, "{Model}{Setting} could not be measured", name, setting.Length > 0 ? $" ({setting})" : "");
        lines.Add($"| {name} | failed{(setting.Length > 0 ? $" ({setting})" : "")}: {e.GetType().Name}: {e.Message.Split('\n')[0].Replace('|', '/')} | | | | | |");
        Save();
        result = default;
        return false;
    }
}

static string F(double value, int decimals = 2) => double.IsNaN(value) ? "–" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);
