using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Inference;

/// <summary>
/// The reference's test loop: translate each A|B file's A, write input | output | target under
/// FOLDER/images and an index.html gallery. <c>inspect</c> sees every (A, output, B) before it is released.
/// <c>aspectRatio</c> is the reference's --aspect_ratio: saved images are widened (above 1) or heightened (below 1) by it.
/// </summary>
public static class TestRun
{
    public static void Write(ITranslator runner, IEnumerable<string> files, bool swap, string folder, string title,
        Action<Image<Rgb24>, Image<Rgb24>, Image<Rgb24>>? inspect = null, double aspectRatio = 1.0)
    {
        var images = Path.Combine(folder, "images");
        Directory.CreateDirectory(images);
        var rows = new List<Gallery.Row>();
        foreach (var file in files)
        {
            using var pair = AlignedImage.Load(file, swap);
            using var fake = runner.Translate(pair.A);
            inspect?.Invoke(pair.A, fake, pair.B);
            var stem = Path.GetFileNameWithoutExtension(file);
            foreach (var (image, suffix) in new[] { (pair.A, "_real_A.png"), (fake, "_fake_B.png"), (pair.B, "_real_B.png") })
            {
                if (aspectRatio != 1.0) image.Mutate(c => c.Resize(AtAspectRatio(image.Size(), aspectRatio), KnownResamplers.Bicubic, compand: false));
                image.SaveAsPng(Path.Combine(images, stem + suffix));
            }
            rows.Add(new Gallery.Row(stem, $"images/{stem}_real_A.png", $"images/{stem}_fake_B.png", $"images/{stem}_real_B.png"));
        }

        Gallery.Write(folder, title, rows);
    }

    /// <summary>The reference's save_image: width × ratio when it is above 1, height ÷ ratio when below.</summary>
    public static Size AtAspectRatio(Size size, double ratio) => ratio > 1.0
        ? new Size(Math.Max(1, (int)(size.Width * ratio)), size.Height)
        : new Size(size.Width, Math.Max(1, (int)(size.Height / ratio)));
}
