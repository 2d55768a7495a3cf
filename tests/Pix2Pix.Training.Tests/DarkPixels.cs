using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

/// <summary>Where a square picture's lines are: its near-black pixels, read from an image at a horizontal offset (the A or B half of a pair).</summary>
internal static class DarkPixels
{
    public static HashSet<(int, int)> Of(Image<Rgb24> image, int offset = 0)
    {
        var dark = new HashSet<(int, int)>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Height; x++)
            {
                var p = image[offset + x, y];
                if (p.R < 80 && p.G < 80 && p.B < 80) dark.Add((x, y));
            }
        }

        return dark;
    }
}
