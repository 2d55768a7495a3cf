using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.GpuRun;

/// <summary>One generator's time per batch size through the service's own <see cref="GeneratorSession"/>.</summary>
public sealed record EngineRow(string Model, string Provider, string Device, int Batch, int Runs, double MsPerBatch, string Setting = "")
{
    public double MsPerImage => MsPerBatch / Batch;
    public double ImagesPerSecond => 1000 / MsPerImage;
}

/// <summary>
/// Opens each model as the service does, through its <see cref="SessionPool"/> (CUDA with the service's provider options
/// when its libraries load and a warm-up batch runs there, the CPU otherwise; the card checked against the graph), one
/// session with every core, then times batches of 1, 4, 16 and 64 at the native size: one untimed run per size (cuDNN's algorithm
/// search happens there), then runs for a fixed time; the median run counts.
/// </summary>
public static class EngineTimes
{
    /// <summary>
    /// The service's defaults, one session per model. Its warm-up runs batch 1 only: each batch size measured gets its own
    /// untimed run.
    /// </summary>
    public static readonly InferenceOptions Defaults = new() { UseCuda = true, SessionsPerModel = 1, MaxBatchSize = 1 };

    /// <summary>
    /// The rows by batch size (<see cref="RunOptions.Batches"/> unless <paramref name="batches"/> names others; with
    /// <paramref name="options"/> in place of <see cref="Defaults"/>, described by <paramref name="setting"/>), and the
    /// model's answer to the fixed input every model gets at the first batch size.
    /// </summary>
    public static (IReadOnlyList<EngineRow> Rows, float[] Answer) Measure(string modelPath, TimeSpan perBatch, ILogger logger,
        InferenceOptions? options = null, IReadOnlyList<int>? batches = null, string setting = "")
    {
        var name = Path.GetFileNameWithoutExtension(modelPath);
        options ??= Defaults;
        using var pool = SessionPool.Open(name, File.ReadAllBytes(modelPath), options, logger);
        var session = pool.Sessions[0];
        var (inputs, outputs, size) = (pool.Card.InputChannels, pool.Card.OutputChannels, pool.Card.NativeSize);
        var rows = new List<EngineRow>();
        float[]? answer = null;
        foreach (var batch in batches ?? RunOptions.Batches)
        {
            // As the batcher does: into the session's page-locked buffers where it has them.
            var (input, output) = session.BuffersFor(batch, inputs, outputs, size) ?? (new float[batch * inputs * size * size], new float[batch * outputs * size * size]);
            var pattern = input.Span;
            for (var i = 0; i < pattern.Length; i++) pattern[i] = (i % 7 - 3) / 3f;   // a fixed pattern in [-1, 1]
            void Run() => session.Run(input, output, batch, inputs, outputs, size);
            Run();
            answer ??= output.ToArray();
            var times = new Latencies();
            var clock = Stopwatch.StartNew();
            while (times.Count < 3 || clock.Elapsed < perBatch)
            {
                var started = Stopwatch.GetTimestamp();
                Run();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            rows.Add(new EngineRow(name, session.Provider, session.Pinned ? session.Device + ", pinned" : session.Device, batch, times.Count, times.At(0.5), setting));
            logger.LogInformation("{Model}{Setting} batch {Batch}: {Ms:F3} ms/image on {Device}", name, setting.Length > 0 ? $" ({setting})" : "", batch, rows[^1].MsPerImage, session.Device);
        }

        return (rows, answer!);
    }

    /// <summary>PSNR of one answer against another, both in [-1, 1], taken as images in [0, 1].</summary>
    public static double Psnr(float[] reference, float[] other)
    {
        var mse = reference.Zip(other, (r, o) => (r - o) * (double)(r - o) / 4).Average();
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(1 / mse);
    }
}
