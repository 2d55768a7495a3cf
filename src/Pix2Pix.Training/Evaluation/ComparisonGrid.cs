using Pix2Pix.Training.Data;
using Pix2Pix.Training.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Evaluation;

/// <summary>
/// Several generators side by side on the same inputs: for each chosen A|B file a set of cells
/// input | model 1 | … | model n | target, <c>setsPerRow</c> sets to a row with a white gap between sets.
/// Files are taken evenly spread over the split's name order, so the same models and split always give the
/// same picture.
/// </summary>
public static class ComparisonGrid
{
    public static IReadOnlyList<string> Pick(IReadOnlyList<string> files, int count) =>
        count >= files.Count ? files : Enumerable.Range(0, count).Select(i => files[(int)((long)i * files.Count / count)]).ToArray();

    public static Image<Rgb24> Draw(IReadOnlyList<string> files, IReadOnlyList<(ITranslator Model, bool Swap)> models, int setsPerRow, int cell = 0)
    {
        var sets = files.Select(file => Set(file, models)).ToArray();
        if (cell > 0)
        {
            foreach (var picture in sets.SelectMany(s => s)) picture.Mutate(c => c.Resize(cell, cell * picture.Height / picture.Width, KnownResamplers.Bicubic));
        }

        try
        {
            var (cellW, cellH) = (sets.Max(s => s.Max(c => c.Width)), sets.Max(s => s.Max(c => c.Height)));
            var cellsPerSet = models.Count + 2;
            var gap = Math.Max(4, cellW / 8);
            var setsAcross = Math.Min(setsPerRow, sets.Length);
            var rows = (sets.Length + setsPerRow - 1) / setsPerRow;
            var grid = new Image<Rgb24>(setsAcross * cellsPerSet * cellW + (setsAcross - 1) * gap, rows * cellH + (rows - 1) * gap, new Rgb24(255, 255, 255));
            grid.Mutate(c =>
            {
                for (var s = 0; s < sets.Length; s++)
                {
                    var (x0, y0) = (s % setsPerRow * (cellsPerSet * cellW + gap), s / setsPerRow * (cellH + gap));
                    for (var i = 0; i < sets[s].Length; i++) c.DrawImage(sets[s][i], new Point(x0 + i * cellW, y0), 1f);
                }
            });
            return grid;
        }
        finally
        {
            foreach (var picture in sets.SelectMany(s => s)) picture.Dispose();
        }
    }

    // Input and target in the first model's direction; each model translates the half its own direction takes.
    private static Image<Rgb24>[] Set(string file, IReadOnlyList<(ITranslator Model, bool Swap)> models)
    {
        using var pair = AlignedImage.Load(file, swap: false);
        Image<Rgb24> Half(bool right) => right ? pair.B : pair.A;
        var outputs = models.Select(m => m.Model.Translate(Half(right: m.Swap)));
        return [Half(right: models[0].Swap).Clone(), .. outputs, Half(right: !models[0].Swap).Clone()];
    }
}
