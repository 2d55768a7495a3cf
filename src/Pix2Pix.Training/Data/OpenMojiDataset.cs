using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Data;

/// <summary>
/// Writes the OpenMoji sketch → picture pairs in the reference layout (OUT/{train,val,test}/NAME.png,
/// line drawing left, colour right), skipping unusable pairs, with a DATASET.md that credits the source.
/// </summary>
public static class OpenMojiDataset
{
    public sealed record Report(int Written, IReadOnlyDictionary<string, int> PerSplit, int Empty, int Identical, int Unreadable, int Unpaired, string Version);

    public static Report Prepare(OpenMojiPackage package, int size, string output, TextWriter? progress = null)
    {
        if (size < 8) throw new UserInputException("--size must be at least 8");
        var pairs = new SplitWriter(output);
        int empty = 0, identical = 0, unreadable = 0, done = 0;
        foreach (var emoji in package.Emoji)
        {
            if (++done % 500 == 0) progress?.WriteLine($"{done}/{package.Emoji.Count} rendered");
            Image<Rgb24> a, b;
            try
            {
                a = SvgRasterizer.Render(emoji.LineDrawing, size);
                b = SvgRasterizer.Render(emoji.Colour, size);
            }
            catch (Exception e) when (e is FormatException or System.Xml.XmlException or InvalidOperationException or ArgumentException)
            {
                unreadable++;
                continue;
            }

            using (a)
            using (b)
            {
                if (IsBlank(a) || IsBlank(b)) { empty++; continue; }
                if (SameImage(a, b)) { identical++; continue; }
                pairs.Write(emoji.Name, a, b);
            }
        }

        var report = new Report(pairs.Written, pairs.PerSplit, empty, identical, unreadable, package.Unpaired, package.Version);
        File.WriteAllText(Path.Combine(output, "DATASET.md"), Describe(report, size));
        return report;
    }

    private static bool IsBlank(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels.All(p => p.R > 250 && p.G > 250 && p.B > 250);
    }

    private static bool SameImage(Image<Rgb24> a, Image<Rgb24> b)
    {
        var (x, y) = (new Rgb24[a.Width * a.Height], new Rgb24[b.Width * b.Height]);
        a.CopyPixelDataTo(x);
        b.CopyPixelDataTo(y);
        return x.AsSpan().SequenceEqual(y);
    }

    private static string Describe(Report report, int size)
    {
        var text = new StringBuilder();
        text.AppendLine("# OpenMoji sketch → picture");
        text.AppendLine();
        text.AppendLine($"Aligned pairs (A = black line drawing, B = colour emoji) rendered on white at {size}×{size} from the");
        text.AppendLine($"OpenMoji npm package, version {report.Version}, by `scripts/pix2pix prepare openmoji`.");
        text.AppendLine();
        SplitWriter.AppendTable(text, report.PerSplit);
        text.AppendLine();
        text.AppendLine($"Skipped: {report.Empty} with an empty drawing, {report.Identical} whose drawing equals its colour version, {report.Unreadable} that could not be rendered, {report.Unpaired} without a partner.");
        text.AppendLine("The split is 90/5/5 by a SHA-256 hash of each emoji's file name, so it never changes.");
        text.AppendLine();
        text.AppendLine("## Licence and attribution");
        text.AppendLine();
        text.AppendLine("All emojis designed by OpenMoji – the open-source emoji and icon project (https://openmoji.org).");
        text.AppendLine("License: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). These renderings, and models");
        text.AppendLine("trained on them, are shared under the same licence.");
        return text.ToString();
    }
}
