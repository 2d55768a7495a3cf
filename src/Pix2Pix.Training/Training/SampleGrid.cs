using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>Per-epoch picture of progress: input | output | target for up to four images of the last batch.</summary>
public static class SampleGrid
{
    public const int MaxRows = 4;

    public static string Save(string runDirectory, int epoch, Tensor realA, Tensor fakeB, Tensor realB)
    {
        var folder = Path.Combine(runDirectory, "samples");
        Directory.CreateDirectory(folder);
        var columns = new[] { realA, fakeB, realB }.Select(t => TensorImages.ToImages(t).Take(MaxRows).ToArray()).ToArray();
        try
        {
            var rows = Enumerable.Range(0, columns[0].Length).Select(i => (IReadOnlyList<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>)columns.Select(c => c[i]).ToArray()).ToArray();
            using var grid = TensorImages.Grid(rows);
            var path = Path.Combine(folder, $"epoch_{epoch:D3}.png");
            AtomicFile.Write(path, p => grid.SaveAsPng(p));
            return path;
        }
        finally
        {
            foreach (var image in columns.SelectMany(c => c)) image.Dispose();
        }
    }
}
