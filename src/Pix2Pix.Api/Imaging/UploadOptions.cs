namespace Pix2Pix.Api.Imaging;

/// <summary>What an upload may be (configuration section "Uploads").</summary>
public sealed record UploadOptions
{
    public const string Section = "Uploads";

    /// <summary>Largest request body accepted; larger ones get 413 before being read in full.</summary>
    public long MaxBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Largest width or height accepted, read from the PNG header before decoding.</summary>
    public int MaxSide { get; init; } = 4096;

    /// <summary>A decode still running after this long is abandoned and the request answered with 422.</summary>
    public int DecodeTimeoutMilliseconds { get; init; } = 2000;

    /// <summary>Decodes running at once; 0 means one per CPU core. Bounds the memory decoding can hold.</summary>
    public int MaxConcurrentDecodes { get; init; }

    /// <summary>Pixels all requests together may hold from decode to encode, in millions (a 4096² image is 16.8).</summary>
    public double PixelBudgetMegapixels { get; init; } = 64;

    /// <summary>How long a request waits for pixels others hold before it gets 503.</summary>
    public int PixelBudgetWaitMilliseconds { get; init; } = 5000;

    /// <summary>The largest single buffer the decoder may allocate.</summary>
    public int MaxDecodeBufferMegabytes { get; init; } = 256;
}
