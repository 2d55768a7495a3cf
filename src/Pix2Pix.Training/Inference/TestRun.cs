using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Inference;

/// <summary>
/// The reference's test loop: translate each A|B file's A, write input | output | target under
/// FOLDER/images and an index.html gallery. <c>inspect</c> sees every (A, output, B) before it is released.
/// </summary>
public static class TestRun
{
    public static void Write(ITranslator runner, IEnumerable<string> files, bool swap, string folder, string title,
        Action<Image<Rgb24>, Image<Rgb24>, Image<Rgb24>>? inspect = null)
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
            pair.A.SaveAsPng(Path.Combine(images, stem + "_real_A.png"));
            fake.SaveAsPng(Path.Combine(images, stem + "_fake_B.png"));
            pair.B.SaveAsPng(Path.Combine(images, stem + "_real_B.png"));
            rows.Add(new Gallery.Row(stem, $"images/{stem}_real_A.png", $"images/{stem}_fake_B.png", $"images/{stem}_real_B.png"));
        }

        Gallery.Write(folder, title, rows);
    }
}
