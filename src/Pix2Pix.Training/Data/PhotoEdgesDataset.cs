using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>
/// edges2X pairs from any folder of photos, the way the reference made edges2shoes: each photo is resized and
/// centre-cropped to S×S, its edge map (black on white) goes left as A, the photo right as B, in
/// OUT/{train,val,test} by the name-hash split. Unreadable files are counted and skipped.
/// </summary>
public static class PhotoEdgesDataset
{
    public sealed record Report(int Written, IReadOnlyDictionary<string, int> PerSplit, int Unreadable);

    /// <summary>Pairs written into --input could replace photos, and would be read as photos next time. Checked by `prepare
    /// edges` on the user's --out: <see cref="Prepare"/> writes into a staging folder beside or inside it.</summary>
    public static void RefuseOverlap(string input, string output)
    {
        if (FolderPaths.Within(output, input))
            throw new UserInputException("--out must not be --input or a folder inside it (the pairs could replace photos, and would be read as photos next time)");
    }

    public static Report Prepare(string input, int size, string output, CannyEdges detector, TextWriter? progress = null)
    {
        if (size is < 8 or > OpenMojiOptions.MaxSide) throw new UserInputException($"--size must be between 8 and {OpenMojiOptions.MaxSide}");
        if (!Directory.Exists(input)) throw new UserInputException($"folder not found: {input}");
        var photos = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Where(ImageFiles.IsImage).Order(StringComparer.Ordinal).ToArray();
        if (photos.Length == 0) throw new UserInputException($"no .png, .jpg, .jpeg or .bmp files in {input}");

        var pairs = new SplitWriter(output);
        var unreadable = 0;
        for (var n = 0; n < photos.Length; n++)
        {
            if ((n + 1) % 500 == 0) progress?.WriteLine($"{n + 1}/{photos.Length} photos");
            Image<Rgb24> photo;
            try
            {
                photo = ImageFiles.Load(photos[n]);
            }
            catch (UserInputException)
            {
                unreadable++;
                continue;
            }

            using (photo)
            {
                photo.Mutate(c => c.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Crop, Sampler = KnownResamplers.Bicubic }));
                using var edges = detector.Draw(photo);
                var name = Path.GetFileNameWithoutExtension(Path.GetRelativePath(input, photos[n]).Replace(Path.DirectorySeparatorChar, '_'));
                pairs.Write(name, edges, photo);
            }
        }

        var report = new Report(pairs.Written, pairs.PerSplit, unreadable);
        File.WriteAllText(Path.Combine(output, "DATASET.md"), Describe(report, input, size, detector));
        return report;
    }

    private static string Describe(Report report, string input, int size, CannyEdges detector)
    {
        var text = new StringBuilder();
        text.AppendLine("# Edges → photo");
        text.AppendLine();
        text.AppendLine($"Aligned pairs (A = Canny edge map, black on white; B = the photo) at {size}×{size}, made from {Path.GetFullPath(input)}");
        text.AppendLine($"by `scripts/pix2pix prepare edges` (Gaussian σ {detector.Sigma}, high threshold at the {detector.HighPercentile:P0} percentile of");
        text.AppendLine($"gradient magnitudes, low threshold {detector.LowRatio} × high).");
        text.AppendLine();
        SplitWriter.AppendTable(text, report.PerSplit);
        text.AppendLine();
        text.AppendLine($"Skipped: {report.Unreadable} unreadable files. The split is 90/5/5 by a SHA-256 hash of each photo's name.");
        text.AppendLine("The photos' licence carries over to this dataset and to models trained on it.");
        return text.ToString();
    }
}
