using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;
using Svg.Skia;

namespace Pix2Pix.Training.Data;

/// <summary>Renders an SVG (its view box scaled to fill) on white at a square size, with Svg.Skia.</summary>
public static class SvgRasterizer
{
    public static Image<Rgb24> Render(string svgText, int size)
    {
        using var svg = new SKSvg();
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(svgText));
        var picture = svg.Load(stream) ?? throw new FormatException("the SVG could not be parsed");
        var bounds = picture.CullRect;
        if (bounds.Width <= 0 || bounds.Height <= 0) throw new FormatException("the SVG has an empty view box");

        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info) ?? throw new InvalidOperationException("Skia could not create a surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        var scale = Math.Min(size / bounds.Width, size / bounds.Height);
        canvas.Translate((size - bounds.Width * scale) / 2, (size - bounds.Height * scale) / 2);
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
}
