namespace Pix2Pix.Api.Imaging;

/// <summary>What an upload may be (configuration section "Uploads").</summary>
public sealed record UploadOptions
{
    public const string Section = "Uploads";

    /// <summary>Largest request body accepted; larger ones get 413 before being read in full.</summary>
    public long MaxBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Largest width or height accepted, read from the PNG header before decoding.</summary>
    public int MaxSide { get; init; } = 4096;
}
