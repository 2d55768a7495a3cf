using System.Numerics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Contracts;

/// <summary>
/// Brings an image of any size to the model's square native size without distorting it: scaled to fit,
/// centred, and padded with the image's own background colour (the median of its border); afterwards
/// the content region is cut out of the translation and scaled back to the original size. The service does this
/// to every request and `evaluate --model` to every image it scores, so a score is of what the service serves.
/// Both directions go straight between 8-bit pixels and the generator's planar values (<see cref="PixelConventions"/>):
/// one bicubic pass per axis (<see cref="SeparableResize"/>), rounded to 8 bits once, at the end.
/// </summary>
public static class Letterbox
{
    /// <summary>Where an image of size <paramref name="image"/> goes on the <paramref name="size"/>² canvas: scaled to fit, centred.</summary>
    public static Rectangle ContentOf(Size image, int size)
    {
        var scale = (double)size / Math.Max(image.Width, image.Height);
        var width = Math.Clamp((int)Math.Round(image.Width * scale), 1, size);
        var height = Math.Clamp((int)Math.Round(image.Height * scale), 1, size);
        return new Rectangle((size - width) / 2, (size - height) / 2, width, height);
    }

    /// <summary>
    /// Writes <paramref name="image"/> as a generator input, C×<paramref name="size"/>×<paramref name="size"/> values in
    /// [-1, 1] (<paramref name="channels"/> 1 takes the luminance), and returns where on that canvas the image went.
    /// </summary>
    public static Rectangle Fit(Image<Rgb24> image, int size, Memory<float> destination, int channels = 3)
    {
        PixelConventions.CheckChannels(channels);
        var plane = size * size;
        if (destination.Length < channels * plane) throw new ArgumentException("destination is too small", nameof(destination));
        var content = ContentOf(image.Size(), size);
        if (content.Size != new Size(size, size)) Pad(destination.Span[..(channels * plane)], channels, Background(image));

        SeparableResize.Run(image.Size(), content.Size,
            (y, row) => PixelOperations<Rgb24>.Instance.ToVector4(Configuration.Default, image.DangerousGetPixelRowMemory(y).Span, row),
            (y, row) =>
            {
                var values = destination.Span;
                var start = (content.Y + y) * size + content.X;
                for (var x = 0; x < row.Length; x++)
                {
                    var level = Vector4.Clamp(row[x], Vector4.Zero, Vector4.One) * 255f;
                    if (channels == 1)
                    {
                        values[start + x] = PixelConventions.ToValue(PixelConventions.Luminance(level.X, level.Y, level.Z));
                        continue;
                    }

                    values[start + x] = PixelConventions.ToValue(level.X);
                    values[plane + start + x] = PixelConventions.ToValue(level.Y);
                    values[2 * plane + start + x] = PixelConventions.ToValue(level.Z);
                }
            });
        return content;
    }

    /// <summary>
    /// Turns a generator output (C×<paramref name="size"/>×<paramref name="size"/> values in [-1, 1]; one channel becomes
    /// grey) into the answer: <paramref name="content"/> cut out and scaled to <paramref name="original"/>.
    /// </summary>
    public static Image<Rgb24> Restore(ReadOnlyMemory<float> values, int channels, int size, Rectangle content, Size original)
    {
        PixelConventions.CheckChannels(channels);
        var plane = size * size;
        if (values.Length < channels * plane) throw new ArgumentException("too few values for the native size", nameof(values));
        if (content.IsEmpty || !new Rectangle(0, 0, size, size).Contains(content)) throw new ArgumentOutOfRangeException(nameof(content), "the content is not inside the canvas");

        var image = new Image<Rgb24>(original.Width, original.Height);
        SeparableResize.Run(content.Size, original,
            (y, row) =>
            {
                var output = values.Span;
                var start = (content.Y + y) * size + content.X;
                for (var x = 0; x < row.Length; x++)
                {
                    var i = start + x;
                    row[x] = channels == 1
                        ? new Vector4(Unit(output[i]), Unit(output[i]), Unit(output[i]), 1)
                        : new Vector4(Unit(output[i]), Unit(output[plane + i]), Unit(output[2 * plane + i]), 1);
                }
            },
            (y, row) => PixelOperations<Rgb24>.Instance.FromVector4Destructive(Configuration.Default, row, image.DangerousGetPixelRowMemory(y).Span));
        return image;
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

    private static void Pad(Span<float> canvas, int channels, Rgb24 background)
    {
        var plane = canvas.Length / channels;
        if (channels == 1)
        {
            canvas.Fill(PixelConventions.ToValue(PixelConventions.Luminance(background.R, background.G, background.B)));
            return;
        }

        canvas[..plane].Fill(PixelConventions.ToValue(background.R));
        canvas.Slice(plane, plane).Fill(PixelConventions.ToValue(background.G));
        canvas.Slice(2 * plane, plane).Fill(PixelConventions.ToValue(background.B));
    }

    // A value in [-1, 1] in ImageSharp's unit range, [0, 1].
    private static float Unit(float value) => (value + 1f) * 0.5f;
}
