using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Imaging;
using Pix2Pix.Api.Telemetry;
using Pix2Pix.Contracts;
using SixLabors.ImageSharp;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// PNG bytes in, PNG bytes out: check the header, draw the image's pixels from the budget, decode, letterbox to the
/// model's native size, translate (batched with other requests), cut out the content and scale it back to the input's
/// size, encode.
/// </summary>
public sealed class ImageTranslator(PngCodec codec, PixelBudget pixels, IOptions<UploadOptions> uploads, Pix2PixTelemetry telemetry)
{
    /// <summary>
    /// Translates <paramref name="png"/> with <paramref name="model"/>, a version that serves (leased from the registry);
    /// <paramref name="warmUp"/> true: the service's own warm-up, left out of the metrics.
    /// </summary>
    public async Task<byte[]> TranslateAsync(byte[] png, GeneratorModel model, CancellationToken cancellation, bool warmUp = false)
    {
        var header = PngHeader.Read(png, uploads.Value.MaxSide);
        var card = model.Card ?? throw new InvalidOperationException($"model '{model.Name}' cannot serve: {model.Error}");
        using var drawn = await pixels.DrawAsync((long)header.Width * header.Height, cancellation);
        var started = Stopwatch.GetTimestamp();   // from decode to encode: a wait for the pixel budget is not the model's
        using var arrival = model.Announce();
        // The model's input and output come from a pool (each is C×S×S floats, 192 KiB at 128², which the runtime would
        // otherwise allocate on its large-object heap twice a request). Once queued they are the batcher's until it has
        // answered: they go back to the pool after a translation, a refusal, a failed batch or a stop that cancelled it in the
        // queue, and a request whose client has gone leaves them to the garbage collector, as the batcher may still be
        // reading or writing them.
        var (inputLength, outputLength) = (card.InputChannels * card.NativeSize * card.NativeSize, card.OutputChannels * card.NativeSize * card.NativeSize);
        var input = ArrayPool<float>.Shared.Rent(inputLength);
        Rectangle content;
        try
        {
            using var activity = Pix2PixTelemetry.Source.StartActivity("decode");
            activity?.SetTag("pix2pix.width", header.Width);
            activity?.SetTag("pix2pix.height", header.Height);
            using var image = await codec.DecodeAsync(png, cancellation);
            content = Letterbox.Fit(image, card.NativeSize, input.AsMemory(0, inputLength), card.InputChannels);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(input);
            throw;
        }

        var output = ArrayPool<float>.Shared.Rent(outputLength);
        try
        {
            await model.TranslateAsync(input.AsMemory(0, inputLength), output.AsMemory(0, outputLength), cancellation, arrival, counted: !warmUp);
        }
        catch (Exception e) when (e is ServiceUnavailable or InferenceFailed)
        {
            // Refused before it was queued (a full queue, or shutting down: 503), cancelled in the queue by the batcher's stop
            // (503), or failed with its batch: the batcher is done with both. Any other ending, the client's cancellation
            // included, leaves them to the garbage collector: the batcher may still hold them.
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(output);
            throw;
        }

        ArrayPool<float>.Shared.Return(input);
        try
        {
            using (Pix2PixTelemetry.Source.StartActivity("encode"))
            {
                using var restored = Letterbox.Restore(output.AsMemory(0, outputLength), card.OutputChannels, card.NativeSize, content, new Size(header.Width, header.Height));
                var result = codec.Encode(restored);
                if (!warmUp) telemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("model", model.Name));
                return result;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(output);
        }
    }
}
