using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Contracts;

/// <summary>
/// A line drawing's regions: its strokes (dark pixels), the background (white pixels connected to the border)
/// and the inside of closed shapes (white pixels the border cannot reach). Background and inside keep a margin
/// from the strokes, where any renderer blends.
/// </summary>
public sealed class SketchRegions
{
    private SketchRegions(bool[] outline, bool[] background, bool[] inside, int width)
    {
        (Outline, Background, Inside, Width) = (outline, background, inside, width);
    }

    public bool[] Outline { get; }
    public bool[] Background { get; }
    public bool[] Inside { get; }
    private int Width { get; }

    public static SketchRegions Of(Image<Rgb24> drawing, int margin = 4)
    {
        var (w, h) = (drawing.Width, drawing.Height);
        var ink = new bool[w * h];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++) ink[y * w + x] = drawing[x, y].R + drawing[x, y].G + drawing[x, y].B < 3 * 128;

        var outside = new bool[w * h];
        var stack = new Stack<int>();
        for (var x = 0; x < w; x++) { stack.Push(x); stack.Push((h - 1) * w + x); }
        for (var y = 0; y < h; y++) { stack.Push(y * w); stack.Push(y * w + w - 1); }
        while (stack.Count > 0)
        {
            var i = stack.Pop();
            if (outside[i] || ink[i]) continue;
            outside[i] = true;
            var (x, y) = (i % w, i / w);
            if (x > 0) stack.Push(i - 1);
            if (x < w - 1) stack.Push(i + 1);
            if (y > 0) stack.Push(i - w);
            if (y < h - 1) stack.Push(i + w);
        }

        var nearInk = new bool[w * h];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            if (!ink[y * w + x]) continue;
            for (var dy = -margin; dy <= margin; dy++)
            for (var dx = -margin; dx <= margin; dx++)
            {
                var (nx, ny) = (x + dx, y + dy);
                if (nx >= 0 && ny >= 0 && nx < w && ny < h) nearInk[ny * w + nx] = true;
            }
        }

        var background = outside.Select((o, i) => o && !nearInk[i]).ToArray();
        var inside = ink.Select((k, i) => !k && !outside[i] && !nearInk[i]).ToArray();
        return new SketchRegions(ink, background, inside, w);
    }

    /// <summary>The pixels of <paramref name="picture"/> (the drawing's translation, same size) inside its closed shapes.</summary>
    public IEnumerable<Rgb24> InsidePixels(Image<Rgb24> picture)
    {
        for (var i = 0; i < Inside.Length; i++)
        {
            if (Inside[i]) yield return picture[i % Width, i / Width];
        }
    }

    /// <summary>The colour family of the fill a translation gave the drawing's closed shapes (<see cref="ColourNames.Dominant"/>).</summary>
    public (ColourFamily Family, double Share) Fill(Image<Rgb24> picture) => ColourNames.Dominant(InsidePixels(picture));

    public double Mean(Image<Rgb24> picture, bool[] region, Func<Rgb24, double> measure)
    {
        double sum = 0;
        var count = 0;
        for (var i = 0; i < region.Length; i++)
        {
            if (!region[i]) continue;
            sum += measure(picture[i % Width, i / Width]);
            count++;
        }

        return count == 0 ? double.NaN : sum / count;
    }
}
