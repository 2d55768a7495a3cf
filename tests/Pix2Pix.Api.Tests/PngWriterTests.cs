using Pix2Pix.Api.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace Pix2Pix.Api.Tests;

/// <summary>The service's PNG encoder, read back by two independent decoders (ImageSharp's and libpng through Skia).</summary>
public class PngWriterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(257, 13)]   // rows longer than a vector, with a remainder
    [InlineData(256, 256)]
    public void What_it_writes_decodes_to_the_same_pixels_in_ImageSharp_and_in_libpng(int width, int height)
    {
        var random = new Random(width * 1000 + height);
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            image[x, y] = new Rgb24((byte)random.Next(256), (byte)(x * 7 + y), (byte)(y * 3));
        }

        var png = PngWriter.Encode(image);

        using var sharp = Image.Load<Rgb24>(png);
        using var skia = SKBitmap.Decode(png);
        Assert.Equal((width, height), (sharp.Width, sharp.Height));
        Assert.Equal((width, height), (skia.Width, skia.Height));
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            var expected = image[x, y];
            Assert.Equal(expected, sharp[x, y]);
            var c = skia.GetPixel(x, y);
            Assert.Equal(expected, new Rgb24(c.Red, c.Green, c.Blue));
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(300, 200)]
    [InlineData(1300, 1100)]   // a buffer over the encoder's pooled 4 MiB, its own
    public void Pure_noise_which_deflate_cannot_shrink_still_fits_its_buffer_and_reads_back(int width, int height)
    {
        // The encoder deflates into a buffer sized by zlib's worst case: noise is as close to it as pictures come.
        var random = new Random(width + height);
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        }

        var png = PngWriter.Encode(image);

        Assert.True(png.Length > 3 * width * height, $"{png.Length} bytes: noise should not have compressed");
        using var decoded = Image.Load<Rgb24>(png);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
        {
            Assert.Equal(image[x, y], decoded[x, y]);
        }
    }
}
