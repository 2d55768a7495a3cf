using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>
/// Canny's edge detector (Gaussian smoothing, Sobel gradients, non-maximum suppression, hysteresis), drawn as
/// black lines on white: the "sketch" side of an edges2X pair. Thresholds follow the gradient distribution of
/// each photo (the high one is a percentile of the gradient magnitudes), so dark and bright photos both work.
/// </summary>
public sealed record CannyEdges(float Sigma = 1.4f, float HighPercentile = 0.9f, float LowRatio = 0.4f)
{
    public Image<Rgb24> Draw(Image<Rgb24> photo)
    {
        var (w, h) = (photo.Width, photo.Height);
        using var grey = photo.CloneAs<L8>();
        if (Sigma > 0) grey.Mutate(c => c.GaussianBlur(Sigma));
        var luma = new L8[w * h];
        grey.CopyPixelDataTo(luma);

        var (magnitude, direction) = Gradients(luma, w, h);
        var thin = Suppress(magnitude, direction, w, h);
        var edges = Hysteresis(thin, w, h);

        var sketch = new Image<Rgb24>(w, h);
        sketch.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < w; x++) row[x] = edges[y * w + x] ? new Rgb24(0, 0, 0) : new Rgb24(255, 255, 255);
            }
        });
        return sketch;
    }

    /// <summary>Sobel magnitude and the gradient direction quantised to 0°, 45°, 90°, 135° (0..3).</summary>
    private static (float[] Magnitude, byte[] Direction) Gradients(L8[] luma, int w, int h)
    {
        var magnitude = new float[w * h];
        var direction = new byte[w * h];
        float At(int x, int y) => luma[Math.Clamp(y, 0, h - 1) * w + Math.Clamp(x, 0, w - 1)].PackedValue;
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            var gx = At(x + 1, y - 1) + 2 * At(x + 1, y) + At(x + 1, y + 1) - At(x - 1, y - 1) - 2 * At(x - 1, y) - At(x - 1, y + 1);
            var gy = At(x - 1, y + 1) + 2 * At(x, y + 1) + At(x + 1, y + 1) - At(x - 1, y - 1) - 2 * At(x, y - 1) - At(x + 1, y - 1);
            magnitude[y * w + x] = MathF.Sqrt(gx * gx + gy * gy);
            var angle = MathF.Atan2(gy, gx) * 180f / MathF.PI;
            if (angle < 0) angle += 180f;
            direction[y * w + x] = (byte)((int)MathF.Round(angle / 45f) % 4);
        }

        return (magnitude, direction);
    }

    /// <summary>Keeps a pixel only where its magnitude is a maximum across the edge.</summary>
    private static float[] Suppress(float[] magnitude, byte[] direction, int w, int h)
    {
        var thin = new float[w * h];
        (int, int)[] across = [(1, 0), (1, 1), (0, 1), (-1, 1)];
        for (var y = 1; y < h - 1; y++)
        for (var x = 1; x < w - 1; x++)
        {
            var i = y * w + x;
            var (dx, dy) = across[direction[i]];
            var m = magnitude[i];
            if (m >= magnitude[(y + dy) * w + x + dx] && m >= magnitude[(y - dy) * w + x - dx]) thin[i] = m;
        }

        return thin;
    }

    /// <summary>Strong pixels are edges; weak ones only where connected (8-neighbourhood) to a strong one.</summary>
    private bool[] Hysteresis(float[] thin, int w, int h)
    {
        var candidates = thin.Where(m => m > 0).Order().ToArray();
        var edges = new bool[w * h];
        if (candidates.Length == 0) return edges;
        var high = Math.Max(candidates[(int)((candidates.Length - 1) * HighPercentile)], 1e-3f);
        var low = high * LowRatio;
        var stack = new Stack<int>();
        for (var i = 0; i < thin.Length; i++)
        {
            if (thin[i] < high || edges[i]) continue;
            edges[i] = true;
            stack.Push(i);
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                var (px, py) = (p % w, p / w);
                for (var dy = -1; dy <= 1; dy++)
                for (var dx = -1; dx <= 1; dx++)
                {
                    var (nx, ny) = (px + dx, py + dy);
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                    var n = ny * w + nx;
                    if (edges[n] || thin[n] < low) continue;
                    edges[n] = true;
                    stack.Push(n);
                }
            }
        }

        return edges;
    }
}
