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

    /// <summary>
    /// The largest pixel buffer ImageSharp may allocate for one image once libpng has decoded it (its RGB copy, 3 bytes a
    /// pixel): at least MaxSide² × 3 bytes.
    /// </summary>
    public int MaxDecodeBufferMegabytes { get; init; } = 256;

    /// <summary>The bytes all uploads together may hold while they are received and translated; more than twice MaxBodyBytes.</summary>
    public int UploadBufferMegabytes { get; init; } = 256;

    /// <summary>The largest side <see cref="MaxSide"/> may be: a decoded 16,384² RGBA frame is 1 GiB, still within an array.</summary>
    public const int LargestSide = 16384;

    /// <summary>What is wrong with these settings, one line each; empty when they can be used.</summary>
    public IEnumerable<string> Problems()
    {
        const double MiB = 1024 * 1024;
        if (MaxBodyBytes < 1) yield return "Uploads:MaxBodyBytes must be at least 1";
        if (MaxSide is < 1 or > LargestSide) yield return $"Uploads:MaxSide must be 1 to {LargestSide}";
        if (DecodeTimeoutMilliseconds < 1) yield return "Uploads:DecodeTimeoutMilliseconds must be at least 1";
        if (MaxConcurrentDecodes < 0) yield return "Uploads:MaxConcurrentDecodes must be 0 (one per core) or more";
        if (!(PixelBudgetMegapixels > 0) || double.IsInfinity(PixelBudgetMegapixels)) yield return "Uploads:PixelBudgetMegapixels must be a positive number";
        if (PixelBudgetWaitMilliseconds < 0) yield return "Uploads:PixelBudgetWaitMilliseconds must be 0 or more";
        var rgb = (double)Math.Clamp(MaxSide, 1, LargestSide) * Math.Clamp(MaxSide, 1, LargestSide) * 3;
        if (MaxDecodeBufferMegabytes < rgb / MiB) yield return $"Uploads:MaxDecodeBufferMegabytes must be at least {Math.Ceiling(rgb / MiB)} (an image of Uploads:MaxSide {MaxSide}, 3 bytes a pixel)";
        // One body of MaxBodyBytes in chunks and in its copy, and the byte past it that shows a body of unknown length is over.
        if (UploadBufferMegabytes * MiB <= 2.0 * MaxBodyBytes) yield return $"Uploads:UploadBufferMegabytes must be at least {Math.Floor(2 * MaxBodyBytes / MiB) + 1} (more than twice Uploads:MaxBodyBytes: an upload is held in chunks while it is copied into one array)";
    }
}
