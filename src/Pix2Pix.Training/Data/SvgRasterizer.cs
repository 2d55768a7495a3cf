using System.Globalization;
using System.Text.RegularExpressions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;
using Svg.Skia;

namespace Pix2Pix.Training.Data;

/// <summary>
/// How to draw an SVG: its strokes <paramref name="StrokeScale"/> times as wide, the drawing scaled by <paramref name="Zoom"/>
/// about the centre and shifted by a fraction of the image side. Applied alike to a line drawing and its colour version,
/// the two stay aligned.
/// </summary>
public sealed record RenderStyle(double StrokeScale = 1, double Zoom = 1, double ShiftX = 0, double ShiftY = 0)
{
    public static readonly RenderStyle Plain = new();
}

/// <summary>Renders an SVG (its view box scaled to fill) on white at a square size, with Svg.Skia.</summary>
public static partial class SvgRasterizer
{
    public static Image<Rgb24> Render(string svgText, int size, RenderStyle? style = null)
    {
        style ??= RenderStyle.Plain;
        using var svg = new SKSvg();
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(WithStrokeScale(svgText, style.StrokeScale)));
        var picture = svg.Load(stream) ?? throw new FormatException("the SVG could not be parsed");
        var bounds = picture.CullRect;
        if (bounds.Width <= 0 || bounds.Height <= 0) throw new FormatException("the SVG has an empty view box");

        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        var scale = Math.Min(size / bounds.Width, size / bounds.Height) * (float)style.Zoom;
        canvas.Translate((size - bounds.Width * scale) / 2 + (float)(style.ShiftX * size), (size - bounds.Height * scale) / 2 + (float)(style.ShiftY * size));
        canvas.Scale(scale);
        canvas.Translate(-bounds.Left, -bounds.Top);
        canvas.DrawPicture(picture);
        canvas.Flush();

        using var snapshot = surface.Snapshot();
        using var pixels = snapshot.PeekPixels();
        var bytes = pixels.GetPixelSpan().ToArray();
        using var rgba = Image.LoadPixelData<Rgba32>(bytes, size, size);
        return rgba.CloneAs<Rgb24>(); // opaque: drawn over white
    }

    /// <summary>Every stroke-width (attribute or style property) multiplied by <paramref name="factor"/>.</summary>
    public static string WithStrokeScale(string svgText, double factor) =>
        factor == 1 ? svgText : StrokeWidth().Replace(svgText, m =>
            m.Groups["head"].Value + (double.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture) * factor).ToString("0.###", CultureInfo.InvariantCulture));

    [GeneratedRegex(@"(?<head>stroke-width\s*(=\s*[""']|:)\s*)(?<width>\d+(\.\d+)?|\.\d+)")]
    private static partial Regex StrokeWidth();
}
