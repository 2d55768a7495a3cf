using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Contracts;

/// <summary>
/// Brings an image of any size to the model's square native size without distorting it: scaled to fit,
/// centred, and padded with the image's own background colour (the median of its border); afterwards
/// the content region is cut out of the translation and scaled back to the original size. The service does this
/// to every request and `evaluate --model` to every image it scores, so a score is of what the service serves.
/// </summary>
public static class Letterbox
{
    public static (Image<Rgb24> Canvas, Rectangle Content) Fit(Image<Rgb24> image, int size)
    {
        var scale = (double)size / Math.Max(image.Width, image.Height);
        var width = Math.Clamp((int)Math.Round(image.Width * scale), 1, size);
        var height = Math.Clamp((int)Math.Round(image.Height * scale), 1, size);
        var content = new Rectangle((size - width) / 2, (size - height) / 2, width, height);
        var resized = image.Width == width && image.Height == height ? image.Clone() : image.Clone(c => c.Resize(width, height, KnownResamplers.Bicubic));
        if (width == size && height == size) return (resized, content);   // a square image fills the canvas: no border to pad
        using (resized)
        {
            var canvas = new Image<Rgb24>(size, size, Background(image));
            canvas.Mutate(c => c.DrawImage(resized, content.Location, 1f));
            return (canvas, content);
        }
    }

    public static Image<Rgb24> Restore(Image<Rgb24> translated, Rectangle content, Size original)
    {
        var whole = content.Location == Point.Empty && content.Size == translated.Size();
        if (whole) return translated.Size() == original ? translated.Clone() : translated.Clone(c => c.Resize(original.Width, original.Height, KnownResamplers.Bicubic));
        var result = translated.Clone(c => c.Crop(content));
        if (result.Size() != original) result.Mutate(c => c.Resize(original.Width, original.Height, KnownResamplers.Bicubic));
        return result;
    }

    /// <summary>The per-channel median of the border pixels: white for a sketch on paper, black for a night photo.</summary>
    public static Rgb24 Background(Image<Rgb24> image)
    {
        var border = new List<Rgb24>(2 * (image.Width + image.Height));
        for (var x = 0; x < image.Width; x++)
        {
            border.Add(image[x, 0]);
            border.Add(image[x, image.Height - 1]);
        }

        for (var y = 0; y < image.Height; y++)
        {
            border.Add(image[0, y]);
            border.Add(image[image.Width - 1, y]);
        }

        static byte Median(IEnumerable<byte> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }

        return new Rgb24(Median(border.Select(p => p.R)), Median(border.Select(p => p.G)), Median(border.Select(p => p.B)));
    }
}
