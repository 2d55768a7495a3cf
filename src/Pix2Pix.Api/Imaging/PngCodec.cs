using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// PNG in and out. Uploads are decoded by libpng (through Skia): ImageSharp 2.1's decoder was measured
/// to hang on valid 1×1 Adam7 images and to reject valid 1-bit interlaced ones (HostileInputTests).
/// Pixels then go to an ImageSharp configuration that knows PNG only, with capped buffers, for the rest
/// of the pipeline (PngWriter encodes the answer). No decode is trusted to finish: each runs with a deadline, at most a
/// few at once, and one that overruns is abandoned with a 422. Any colour type and bit depth decodes;
/// alpha is composited on white.
/// </summary>
public sealed class PngCodec : IDisposable
{
    private readonly Configuration configuration;
    private readonly SemaphoreSlim decodes;
    private readonly ArrayPool<byte> pixels;
    private readonly TimeSpan timeout;

    public PngCodec(IOptions<UploadOptions> options)
    {
        var settings = options.Value;
        configuration = new Configuration(new PngConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                MaximumPoolSizeMegabytes = 64,
                AllocationLimitMegabytes = settings.MaxDecodeBufferMegabytes,
            }),
        };
        var slots = settings.MaxConcurrentDecodes > 0 ? settings.MaxConcurrentDecodes : Environment.ProcessorCount;
        decodes = new SemaphoreSlim(slots);
        // The decoder's own pool, as many buffers per size as decodes run at once (the shared pool keeps some per core
        // and thread, where 64 MiB frames would outlive their burst).
        pixels = ArrayPool<byte>.Create(settings.MaxSide * settings.MaxSide * 4, slots);
        timeout = TimeSpan.FromMilliseconds(Math.Max(1, settings.DecodeTimeoutMilliseconds));
    }

    public async Task<Image<Rgb24>> DecodeAsync(byte[] png, CancellationToken cancellation)
    {
        if (!await decodes.WaitAsync(timeout, cancellation))
        {
            throw new ServiceUnavailable("Server busy", "Too many images are being decoded at once; retry shortly.", 1);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        var started = Stopwatch.GetTimestamp();
        var decoding = Task.Run(() => Decode(png, token, started), CancellationToken.None);
        var abandoned = 0;
        // The slot is given back when the decode really ends, not when the request gives up on it; a picture
        // that arrives after the request gave up is disposed here (Image.Dispose is idempotent).
        // Both sides read the other's state after a full fence (Interlocked), so at least one of them disposes a late picture.
        _ = decoding.ContinueWith(finished =>
        {
            decodes.Release();
            if (finished.IsCompletedSuccessfully && Interlocked.CompareExchange(ref abandoned, 1, 1) == 1) finished.Result.Dispose();
        }, TaskScheduler.Default);

        try
        {
            return await decoding.WaitAsync(timeout + TimeSpan.FromMilliseconds(100), cancellation);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Given up on, by the deadline or by a client that left: a picture that arrives later is disposed.
            Interlocked.Exchange(ref abandoned, 1);
            if (decoding.IsCompletedSuccessfully) decoding.Result.Dispose();
            deadline.Cancel();
            if (cancellation.IsCancellationRequested) throw;
            throw UploadRejected.TooSlow(timeout);
        }
    }

    private Image<Rgb24> Decode(byte[] png, CancellationToken cancellation, long started)
    {
        // The deadline is checked against the clock as well as the token: the timer that cancels the token needs a free
        // thread-pool thread, and on a busy machine it can fire after a slow decode has already finished.
        void Check()
        {
            cancellation.ThrowIfCancellationRequested();
            if (Stopwatch.GetElapsedTime(started) > timeout) throw new OperationCanceledException("the decode overran its deadline");
        }

        using var stream = new SKMemoryStream(png);
        using var codec = SKCodec.Create(stream, out var opened)
            ?? throw UploadRejected.Malformed($"The PNG could not be decoded ({Describe(opened)}).");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        Check();
        // libpng writes into a pooled buffer (not a new frame per request), which ImageSharp then reads from.
        var bytes = pixels.Rent(info.BytesSize);
        var pinned = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            var result = codec.GetPixels(info, pinned.AddrOfPinnedObject());
            if (result != SKCodecResult.Success) throw UploadRejected.Malformed($"The PNG could not be decoded ({Describe(result)}).");
            Check();
            using var decoded = Image.WrapMemory<Rgba32>(configuration, bytes.AsMemory(0, info.BytesSize), info.Width, info.Height);
            return Contracts.PixelConventions.OnWhite(decoded, configuration);
        }
        finally
        {
            pinned.Free();
            pixels.Return(bytes);
        }
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "the data is truncated or corrupt",
        SKCodecResult.InvalidInput => "it is not a valid PNG",
        SKCodecResult.Unimplemented => "this PNG variant is not supported",
        _ => result.ToString(),
    };

    public byte[] Encode(Image<Rgb24> image) => PngWriter.Encode(image);

    public void Dispose() => decodes.Dispose();
}
