using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// Runs a few translations through the whole request path (PNG header, pixel budget, decode, letterbox, batcher, session,
/// restore, encode) before the service says it is ready, so the first users do not pay for the JIT, the tiering of the
/// hot methods and the first allocations of the buffers. Inference:WarmUpRequests per model (0: only the session's own).
/// Kestrel, routing and the endpoint are not on this path: .NET tiers their methods up while the first few hundred real
/// requests arrive (README, "Measured").
/// </summary>
public sealed class RequestPathWarmUp(ImageTranslator translator, IOptions<InferenceOptions> options, ILogger<RequestPathWarmUp> logger)
{
    public async Task RunAsync(GeneratorModel model, CancellationToken cancellation)
    {
        var rounds = options.Value.WarmUpRequests;
        if (rounds <= 0 || model.Card is not { } card) return;
        var png = Sketch(2 * card.NativeSize);
        var started = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0; i < rounds; i++) await translator.TranslateAsync(png, model, cancellation, warmUp: true);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            // Limits set below a sketch of the native size (a tiny pixel budget, a 1 ms decode deadline), or anything else
            // the warm-up ran into: the model serves unwarmed rather than not at all.
            logger.LogWarning("Model {Model}: the request path was not warmed up ({Reason}); the first requests will be slower", model.Name, e.Message);
            return;
        }

        logger.LogInformation("Model {Model}: the request path warmed up with {Rounds} translations in {Milliseconds:F0} ms",
            model.Name, rounds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    // A line drawing (a framed circle) of the size users send most, as a PNG.
    internal static byte[] Sketch(int size)
    {
        using var image = new Image<Rgb24>(size, size, new Rgb24(255, 255, 255));
        var (centre, radius) = (size / 2.0, size / 3.0);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var distance = Math.Sqrt((x - centre) * (x - centre) + (y - centre) * (y - centre));
                    if (Math.Abs(distance - radius) < 2 || x < 3 || y < 3 || x >= size - 3 || y >= size - 3) row[x] = new Rgb24(0, 0, 0);
                }
            }
        });
        return PngWriter.Encode(image);
    }
}
