using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Contracts;

/// <summary>The colour a person would name for a fill: one of six hue bands, or grey for the unsaturated.</summary>
public enum ColourFamily { Grey, Red, Orange, Yellow, Green, Blue, Purple }

/// <summary>
/// Names colours by hue. Used to balance the OpenMoji training set by colour and to check that a sketch's fill comes
/// out in its expected colour. Bands (degrees of HSV hue): red 345–15, orange 15–45, yellow 45–70, green 70–165,
/// blue 165–255, purple 255–345; saturation below 0.3 or value below 0.35 is grey.
/// </summary>
public static class ColourNames
{
    public const double MinSaturation = 0.3;
    public const double MinValue = 0.35;

    public static ColourFamily Of(Rgb24 pixel)
    {
        var (hue, saturation, value) = Hsv(pixel);
        if (saturation < MinSaturation || value < MinValue) return ColourFamily.Grey;
        return hue switch
        {
            < 15 or >= 345 => ColourFamily.Red,
            < 45 => ColourFamily.Orange,
            < 70 => ColourFamily.Yellow,
            < 165 => ColourFamily.Green,
            < 255 => ColourFamily.Blue,
            _ => ColourFamily.Purple,
        };
    }

    /// <summary>
    /// The family of a fill: among the pixels that are neither background white nor outline black, the most common
    /// hue family, or grey when fewer than a quarter of them are saturated. The share is that family's part of them.
    /// </summary>
    public static (ColourFamily Family, double Share) Dominant(IEnumerable<Rgb24> pixels)
    {
        var counts = new int[Enum.GetValues<ColourFamily>().Length];
        var ink = 0;
        foreach (var pixel in pixels)
        {
            var (_, saturation, value) = Hsv(pixel);
            if (value < 0.25 || (value > 0.94 && saturation < 0.06)) continue; // outline or background
            ink++;
            counts[(int)Of(pixel)]++;
        }

        if (ink == 0) return (ColourFamily.Grey, 0);
        var chromatic = ink - counts[(int)ColourFamily.Grey];
        if (chromatic < ink / 4.0) return (ColourFamily.Grey, counts[(int)ColourFamily.Grey] / (double)ink);
        var best = Enumerable.Range(1, counts.Length - 1).MaxBy(i => counts[i]);
        return ((ColourFamily)best, counts[best] / (double)ink);
    }

    /// <summary>The colour a sketch named COLOUR-OBJECT (red-heart, blue-water-drop) should come out in, if its name starts with one.</summary>
    public static bool TryParseSketchName(string name, out ColourFamily expected)
    {
        var dash = name.IndexOf('-');
        expected = default;
        return dash > 0 && Enum.TryParse(name[..dash], ignoreCase: true, out expected);
    }

    /// <summary>HSV with hue in degrees [0, 360), saturation and value in [0, 1].</summary>
    public static (double Hue, double Saturation, double Value) Hsv(Rgb24 pixel)
    {
        var (r, g, b) = (pixel.R / 255.0, pixel.G / 255.0, pixel.B / 255.0);
        var max = Math.Max(r, Math.Max(g, b));
        var min = Math.Min(r, Math.Min(g, b));
        var delta = max - min;
        var saturation = max == 0 ? 0 : delta / max;
        if (delta == 0) return (0, saturation, max);
        var hue = max == r ? 60 * ((g - b) / delta % 6) : max == g ? 60 * ((b - r) / delta + 2) : 60 * ((r - g) / delta + 4);
        return (hue < 0 ? hue + 360 : hue, saturation, max);
    }
}
