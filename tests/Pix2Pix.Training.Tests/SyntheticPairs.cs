using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

/// <summary>
/// Small aligned datasets made on the spot: A is a picture of coloured blocks, B is the same picture
/// with a fixed colour mapping (channels rotated and inverted), which a generator can learn quickly.
/// </summary>
internal static class SyntheticPairs
{
    public static Rgb24 Map(Rgb24 p) => new((byte)(255 - p.B), p.R, p.G);

    public static string Write(string root, int count, int width, int height, string split = "train", int seed = 1, Func<Rgb24, Rgb24>? map = null)
    {
        var folder = Path.Combine(root, split);
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            using var a = Blocks(width, height, random);
            using var ab = new Image<Rgb24>(width * 2, height);
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    ab[x, y] = a[x, y];
                    ab[width + x, y] = (map ?? Map)(a[x, y]);
                }
            }

            ab.SaveAsPng(Path.Combine(folder, $"pair_{i:D3}.png"));
        }

        return root;
    }

    /// <summary>An image of random axis-aligned coloured blocks on a coloured background.</summary>
    public static Image<Rgb24> Blocks(int width, int height, Random random)
    {
        var image = new Image<Rgb24>(width, height, RandomColour(random));
        for (var k = 0; k < 6; k++)
        {
            var colour = RandomColour(random);
            int x0 = random.Next(width), y0 = random.Next(height);
            int w = random.Next(width / 8 + 1, width / 2 + 2), h = random.Next(height / 8 + 1, height / 2 + 2);
            for (var y = y0; y < Math.Min(height, y0 + h); y++)
            {
                for (var x = x0; x < Math.Min(width, x0 + w); x++) image[x, y] = colour;
            }
        }

        return image;
    }

    private static Rgb24 RandomColour(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
}
