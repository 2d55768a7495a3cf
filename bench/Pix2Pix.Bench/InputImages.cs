using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Bench;

/// <summary>Generator inputs from a folder of images: the A half of A|B pairs (or the whole image), resized to the side, as CHW in [-1, 1].</summary>
public static class InputImages
{
    public static List<float[]> Load(string folder, int side, int count) =>
        Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".png", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).Take(count).Select(file =>
            {
                using var image = Image.Load<Rgb24>(file);
                if (image.Width == 2 * image.Height) image.Mutate(c => c.Crop(new Rectangle(0, 0, image.Height, image.Height)));
                image.Mutate(c => c.Resize(side, side, KnownResamplers.Bicubic));
                return PixelConventions.ToPlanar(image);
            }).ToList();
}
