using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Data;

/// <summary>
/// Outlines drawn from a flat colour picture, as OpenMoji draws its own: a pixel is on a line where its colour differs
/// from a neighbour's by more than <see cref="Threshold"/> (Euclidean, in RGB). The sketch (A) is those lines in black on
/// white; the picture (B) is the colour with the same lines drawn over it, so a pair from an emoji design without outlines
/// (Twemoji, Fluent, Noto) looks like an OpenMoji pair. Gradients change too slowly to draw lines; shapes and their
/// inner details do.
/// </summary>
public static class ColourOutlines
{
    public const int Threshold = 60;

    /// <summary>Line widths: thin (one side of each boundary), plain (both sides, about 2 px) and thick (plain, widened by a pixel).</summary>
    public enum Width { Thin, Plain, Thick }

    /// <summary>The width a render style's stroke scale stands for (OpenMoji's own strokes at 1).</summary>
    public static Width For(RenderStyle style) => style.StrokeScale < 0.7 ? Width.Thin : style.StrokeScale > 1.15 ? Width.Thick : Width.Plain;

    /// <summary>The sketch and the outlined picture of <paramref name="colour"/>.</summary>
    public static (Image<Rgb24> Sketch, Image<Rgb24> Picture) Draw(Image<Rgb24> colour, Width width = Width.Plain)
    {
        var (w, h) = (colour.Width, colour.Height);
        var pixels = new Rgb24[w * h];
        colour.CopyPixelDataTo(pixels);
        var lines = Lines(pixels, w, h, width);
        var sketch = new Rgb24[w * h];
        for (var i = 0; i < pixels.Length; i++)
        {
            sketch[i] = lines[i] ? default : new Rgb24(255, 255, 255);
            if (lines[i]) pixels[i] = default;
        }

        return (Image.LoadPixelData<Rgb24>(sketch, w, h), Image.LoadPixelData<Rgb24>(pixels, w, h));
    }

    /// <summary>How much two sketches' lines must overlap (intersection over union, each widened by a pixel) to count as one drawing.</summary>
    public const double SameDrawing = 0.7;

    /// <summary>
    /// The lines of a sketch widened by a pixel, to compare drawings: a red and a blue heart, whose anti-aliased edges differ by
    /// a pixel here and there, overlap almost wholly; two faces that share a round outline but not their features do not.
    /// </summary>
    public sealed class LineMask
    {
        private readonly ulong[] bits;
        private readonly int count;

        private LineMask(ulong[] bits)
        {
            this.bits = bits;
            count = bits.Sum(b => System.Numerics.BitOperations.PopCount(b));
        }

        public static LineMask Of(Image<Rgb24> sketch)
        {
            var (w, h) = (sketch.Width, sketch.Height);
            var pixels = new Rgb24[w * h];
            sketch.CopyPixelDataTo(pixels);
            var wide = Widen(pixels.Select(p => p.R < 128).ToArray(), w, h);
            var bits = new ulong[(wide.Length + 63) / 64];
            for (var i = 0; i < wide.Length; i++)
            {
                if (wide[i]) bits[i / 64] |= 1UL << (i % 64);
            }

            return new LineMask(bits);
        }

        /// <summary>Intersection over union of the two masks' lines (1 when both are empty).</summary>
        public double Overlap(LineMask other)
        {
            if (other.bits.Length != bits.Length) return 0;
            var common = 0;
            for (var i = 0; i < bits.Length; i++) common += System.Numerics.BitOperations.PopCount(bits[i] & other.bits[i]);
            var union = count + other.count - common;
            return union == 0 ? 1 : common / (double)union;
        }
    }

    private static bool[] Lines(Rgb24[] pixels, int w, int h, Width width)
    {
        var lines = new bool[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var c = pixels[y * w + x];
                for (var dy = width == Width.Thin ? 0 : -1; dy <= 1 && !lines[y * w + x]; dy++)
                {
                    for (var dx = width == Width.Thin ? 0 : -1; dx <= 1; dx++)
                    {
                        var (yy, xx) = (y + dy, x + dx);
                        if ((dx == 0 && dy == 0) || yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
                        if (Distance(c, pixels[yy * w + xx]) > Threshold * Threshold)
                        {
                            lines[y * w + x] = true;
                            break;
                        }
                    }
                }
            }
        }

        return width == Width.Thick ? Widen(lines, w, h) : lines;
    }

    private static bool[] Widen(bool[] lines, int w, int h)
    {
        var wide = new bool[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (!lines[y * w + x]) continue;
                for (var yy = Math.Max(0, y - 1); yy <= Math.Min(h - 1, y + 1); yy++)
                {
                    for (var xx = Math.Max(0, x - 1); xx <= Math.Min(w - 1, x + 1); xx++) wide[yy * w + xx] = true;
                }
            }
        }

        return wide;
    }

    private static int Distance(Rgb24 a, Rgb24 b)
    {
        var (r, g, bl) = (a.R - b.R, a.G - b.G, a.B - b.B);
        return r * r + g * g + bl * bl;
    }
}
