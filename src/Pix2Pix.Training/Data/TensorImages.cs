using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Data;

/// <summary>Between images and N×C×H×W tensors in [-1, 1], by the shared <see cref="PixelConventions"/>.</summary>
public static class TensorImages
{
    public static Tensor FromImage(Image<Rgb24> image, int channels) =>
        tensor(PixelConventions.ToPlanar(image, channels), [1, channels, image.Height, image.Width]);

    /// <summary>A batch's values as float32 on the CPU, N×C×H×W in order.</summary>
    public static float[] ToValues(Tensor batch)
    {
        using var cpu = batch.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return cpu.data<float>().ToArray();
    }

    public static Image<Rgb24>[] ToImages(Tensor batch)
    {
        var (n, c, h, w) = ((int)batch.shape[0], (int)batch.shape[1], (int)batch.shape[2], (int)batch.shape[3]);
        var values = ToValues(batch);
        var per = c * h * w;
        return Enumerable.Range(0, n).Select(i => PixelConventions.FromPlanar(values.AsSpan(i * per, per), c, w, h)).ToArray();
    }

    /// <summary>Rows of images side by side (for input | output | target grids).</summary>
    public static Image<Rgb24> Grid(IReadOnlyList<IReadOnlyList<Image<Rgb24>>> rows)
    {
        var cellW = rows.SelectMany(r => r).Max(i => i.Width);
        var cellH = rows.SelectMany(r => r).Max(i => i.Height);
        var columns = rows.Max(r => r.Count);
        var grid = new Image<Rgb24>(cellW * columns, cellH * rows.Count, new Rgb24(255, 255, 255));
        grid.Mutate(c =>
        {
            for (var y = 0; y < rows.Count; y++)
            {
                for (var x = 0; x < rows[y].Count; x++) c.DrawImage(rows[y][x], new Point(x * cellW, y * cellH), 1f);
            }
        });
        return grid;
    }
}
