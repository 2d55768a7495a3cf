using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Tests;

/// <summary>PNG files of every kind, made on the spot.</summary>
internal static class Pngs
{
    public static byte[] Rgb(int width, int height, int seed = 1) => Encode(Sketch<Rgb24>(width, height, seed, (v, a) => new Rgb24(v, (byte)(255 - v), a)), PngColorType.Rgb, PngBitDepth.Bit8);

    public static byte[] Grey(int width, int height) => Encode(Sketch<L8>(width, height, 2, (v, _) => new L8(v)), PngColorType.Grayscale, PngBitDepth.Bit8);

    public static byte[] Rgb16(int width, int height) => Encode(Sketch<Rgb48>(width, height, 3, (v, a) => new Rgb48((ushort)(v * 257), (ushort)(a * 257), 1000)), PngColorType.Rgb, PngBitDepth.Bit16);

    public static byte[] Palette(int width, int height) => Encode(Sketch<Rgba32>(width, height, 4, (v, _) => v > 128 ? new Rgba32(255, 0, 0) : new Rgba32(0, 0, 255)), PngColorType.Palette, PngBitDepth.Bit8);

    public static byte[] Alpha(int width, int height) => Encode(Sketch<Rgba32>(width, height, 5, (v, a) => new Rgba32(0, 0, 0, v)), PngColorType.RgbWithAlpha, PngBitDepth.Bit8);

    public static byte[] Encode<T>(Image<T> image, PngColorType colorType, PngBitDepth depth) where T : unmanaged, IPixel<T>
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.SaveAsPng(stream, new PngEncoder { ColorType = colorType, BitDepth = depth });
            return stream.ToArray();
        }
    }

    public static Image<Rgb24> Decode(byte[] png) => Image.Load<Rgb24>(png);

    // Strokes and blobs, so the generator sees something with structure.
    private static Image<T> Sketch<T>(int width, int height, int seed, Func<byte, byte, T> pixel) where T : unmanaged, IPixel<T>
    {
        var random = new Random(seed);
        var image = new Image<T>(width, height);
        var (cx, cy, r) = (width / 2.0, height / 2.0, Math.Min(width, height) / 3.0);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                var v = (byte)(Math.Abs(d - r) < 2 ? 0 : 255);
                image[x, y] = pixel(v, (byte)random.Next(256));
            }
        }

        return image;
    }
}
