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

    /// <summary>The most pixels a grid may have (192 MiB as RGB; the cells it is drawn from take as much again).</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>
    /// The grid's size for these files, from their headers: checked before any model runs, as every cell is held in memory
    /// until the grid is drawn.
    /// </summary>
    public static Size Measure(IReadOnlyList<string> files, int models, int setsPerRow, int cell = 0)
    {
        var halves = files.Select(AlignedImage.HalfSize).ToArray();
        var (cellW, cellH) = cell > 0
            ? (cell, halves.Max(h => (int)Math.Min(int.MaxValue, (long)cell * h.Height / Math.Max(1, h.Width))))
            : (halves.Max(h => h.Width), halves.Max(h => h.Height));
        return GridSize(cellW, cellH, models + 2, Math.Min(setsPerRow, files.Count), (files.Count + setsPerRow - 1) / setsPerRow);
    }

    public static Image<Rgb24> Draw(IReadOnlyList<string> files, IReadOnlyList<(ITranslator Model, bool Swap)> models, int setsPerRow, int cell = 0)
    {
        var size = Measure(files, models.Count, setsPerRow, cell);
        if ((long)size.Width * size.Height > MaxPixels)
        {
            throw new UserInputException($"the grid would be {size.Width}×{size.Height} pixels, more than {MaxPixels / (1024 * 1024)} M; ask for fewer images (--count) or smaller cells (--cell)");
        }

        var sets = files.Select(file => Set(file, models)).ToArray();
        if (cell > 0)
        {
            foreach (var picture in sets.SelectMany(s => s)) picture.Mutate(c => c.Resize(cell, cell * picture.Height / picture.Width, KnownResamplers.Bicubic));
        }

        try
        {
            var (cellW, cellH) = (sets.Max(s => s.Max(c => c.Width)), sets.Max(s => s.Max(c => c.Height)));
            var cellsPerSet = models.Count + 2;
            var gap = Gap(cellW);
            var drawn = GridSize(cellW, cellH, cellsPerSet, Math.Min(setsPerRow, sets.Length), (sets.Length + setsPerRow - 1) / setsPerRow);
            var grid = new Image<Rgb24>(drawn.Width, drawn.Height, new Rgb24(255, 255, 255));
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

    private static int Gap(int cellWidth) => Math.Max(4, cellWidth / 8);

    // Sets across and rows of them, a white gap between sets; a side too large for an int reads as int.MaxValue.
    private static Size GridSize(int cellWidth, int cellHeight, int cellsPerSet, int setsAcross, int rows)
    {
        var width = setsAcross * ((long)cellsPerSet * cellWidth) + (setsAcross - 1L) * Gap(cellWidth);
        var height = rows * (long)cellHeight + (rows - 1L) * Gap(cellWidth);
        return new Size((int)Math.Min(int.MaxValue, width), (int)Math.Min(int.MaxValue, height));
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
