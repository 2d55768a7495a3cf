using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// PNG in and out with an ImageSharp configuration that knows PNG only (no TIFF, ICC or other decoders)
/// and a bounded pool. Any colour type and bit depth decodes; alpha is composited on white.
/// </summary>
public sealed class PngCodec
{
    private static readonly PngEncoder Encoder = new() { CompressionLevel = PngCompressionLevel.BestSpeed, ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 };

    private readonly Configuration configuration;

    public PngCodec()
    {
        configuration = new Configuration(new PngConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 64 }),
        };
    }

    public Image<Rgb24> Decode(byte[] png)
    {
        Image<Rgba32> decoded;
        try
        {
            decoded = Image.Load<Rgba32>(configuration, png);
        }
        catch (Exception e) when (e is InvalidImageContentException or UnknownImageFormatException or NotSupportedException or ImageFormatException)
        {
            throw UploadRejected.Malformed($"The PNG could not be decoded: {e.Message}");
        }

        using (decoded)
        {
            var opaque = new Image<Rgb24>(configuration, decoded.Width, decoded.Height, new Rgb24(255, 255, 255));
            opaque.Mutate(c => c.DrawImage(decoded, 1f));
            return opaque;
        }
    }

    public byte[] Encode(Image<Rgb24> image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, Encoder);
        return stream.ToArray();
    }
}
