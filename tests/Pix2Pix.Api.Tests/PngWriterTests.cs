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
}
