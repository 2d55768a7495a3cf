using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Evaluation;

/// <summary>How much of each CIE Lab channel's distribution two sets of pictures share (1 = the same distribution).</summary>
public sealed record ColourIntersection(double L, double A, double B);

/// <summary>
/// The paper's colour measure (Isola et al., section 4.3): the marginal distributions of L, a and b over every pixel of a
/// split, for the outputs and for the targets, compared by histogram intersection, Σ min(p, q). L1 alone is known to
/// paint the average, grey-ish colour, so its a and b distributions are narrower than the targets'; a cGAN's should match.
/// sRGB (D65) to CIE Lab; L in bins of 1 over [0, 100], a and b in bins of 2 over [−128, 128).
/// </summary>
public sealed class LabHistograms
{
    private const int LBins = 101, AbBins = 128;
    private readonly long[] l = new long[LBins], a = new long[AbBins], b = new long[AbBins];
    private static readonly float[] Linear = Enumerable.Range(0, 256).Select(v => (float)ToLinear(v / 255.0)).ToArray();

    public long Pixels { get; private set; }

    public void Add(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        foreach (var pixel in pixels)
        {
            var (lightness, green, blue) = Lab(pixel);
            l[Math.Clamp((int)Math.Round(lightness), 0, LBins - 1)]++;
            a[Math.Clamp((int)Math.Floor((green + 128) / 2), 0, AbBins - 1)]++;
            b[Math.Clamp((int)Math.Floor((blue + 128) / 2), 0, AbBins - 1)]++;
        }

        Pixels += pixels.Length;
    }

    public ColourIntersection Intersect(LabHistograms other) =>
        new(Intersection(l, Pixels, other.l, other.Pixels), Intersection(a, Pixels, other.a, other.Pixels), Intersection(b, Pixels, other.b, other.Pixels));

    /// <summary>CIE L*a*b* of an sRGB pixel (D65 white).</summary>
    public static (double L, double A, double B) Lab(Rgb24 pixel)
    {
        double r = Linear[pixel.R], g = Linear[pixel.G], bl = Linear[pixel.B];
        var x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * bl) / 0.95047;
        var y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * bl;
        var z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * bl) / 1.08883;
        var (fx, fy, fz) = (F(x), F(y), F(z));
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    private static double F(double t) => t > 216.0 / 24389 ? Math.Cbrt(t) : (24389.0 / 27 * t + 16) / 116;

    private static double ToLinear(double c) => c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);

    private static double Intersection(long[] p, long pTotal, long[] q, long qTotal)
    {
        if (pTotal == 0 || qTotal == 0) return 0;
        return p.Zip(q).Sum(pair => Math.Min(pair.First / (double)pTotal, pair.Second / (double)qTotal));
    }
}
