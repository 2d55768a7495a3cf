using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>Joins two folders of same-named images into A|B pairs, split by split (the reference's combine_A_and_B.py).</summary>
public static class PairCombiner
{
    public sealed record SplitReport(string Name, int Written, int MissingB, int Resized);

    public sealed record Report(IReadOnlyList<SplitReport> Splits);

    public static Report Combine(string foldA, string foldB, string foldAB)
    {
        if (!Directory.Exists(foldA)) throw new UserInputException($"--fold_A not found: {foldA}");
        if (!Directory.Exists(foldB)) throw new UserInputException($"--fold_B not found: {foldB}");
        RefuseOverlap(foldA, foldB, foldAB);

        var splits = Directory.GetDirectories(foldA).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (splits.Length == 0) throw new UserInputException($"--fold_A {foldA} has no split folders (train/, val/, test/)");
        return new Report(splits.Select(split => CombineSplit(Path.Combine(foldA, split!), Path.Combine(foldB, split!), Path.Combine(foldAB, split!), split!)).ToArray());
    }

    /// <summary>The pairs go into --fold_AB under the inputs' own names: in an input, or a folder inside one, they would
    /// replace the images they are made of. Around the inputs is fine, the reference's own layout (--fold_AB data with
    /// data/A and data/B).</summary>
    private static void RefuseOverlap(string foldA, string foldB, string foldAB)
    {
        if (FolderPaths.Within(foldAB, foldA) || FolderPaths.Within(foldAB, foldB))
        {
            throw new UserInputException("--fold_AB must not be --fold_A, --fold_B or a folder inside them (the pairs, named as their inputs, would replace them)");
        }
    }

    private static SplitReport CombineSplit(string folderA, string folderB, string folderAB, string name)
    {
        Directory.CreateDirectory(folderAB);
        int written = 0, missing = 0, resized = 0;
        foreach (var pathA in ImageFiles.In(folderA))
        {
            var pathB = Path.Combine(folderB, Path.GetFileName(pathA));
            if (!File.Exists(pathB))
            {
                missing++;
                continue;
            }

            using var a = ImageFiles.Load(pathA);
            using var b = ImageFiles.Load(pathB);
            if (b.Size() != a.Size())
            {
                b.Mutate(c => c.Resize(a.Width, a.Height, KnownResamplers.Bicubic));
                resized++;
            }

            using var ab = new Image<Rgb24>(a.Width * 2, a.Height);
            ab.Mutate(c => c.DrawImage(a, new Point(0, 0), 1f).DrawImage(b, new Point(a.Width, 0), 1f));
            ab.Save(Path.Combine(folderAB, Path.GetFileName(pathA)));
            written++;
        }

        return new SplitReport(name, written, missing, resized);
    }
}
