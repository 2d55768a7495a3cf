using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>The two halves of an aligned A|B image (A left, B right), swapped for --direction BtoA.</summary>
public sealed class AlignedImage : IDisposable
{
    private AlignedImage(Image<Rgb24> a, Image<Rgb24> b)
    {
        A = a;
        B = b;
    }

    public Image<Rgb24> A { get; }
    public Image<Rgb24> B { get; }

    public static AlignedImage Load(string path, bool swap)
    {
        using var ab = ImageFiles.Load(path);
        return Split(ab, path, swap);
    }

    /// <summary>The size of each half, from the file's header where ImageSharp can read it alone.</summary>
    public static Size HalfSize(string path)
    {
        var info = Image.Identify(path);
        if (info is not null) return new Size(info.Width / 2, info.Height);
        using var pair = Load(path, swap: false);
        return pair.A.Size();
    }

    public static AlignedImage Split(Image<Rgb24> ab, string path, bool swap)
    {
        var half = ab.Width / 2;
        if (half < 1) throw new UserInputException($"image {path} is too narrow to hold A|B halves");
        var left = ab.Clone(c => c.Crop(new Rectangle(0, 0, half, ab.Height)));
        var right = ab.Clone(c => c.Crop(new Rectangle(half, 0, half, ab.Height)));
        return swap ? new AlignedImage(right, left) : new AlignedImage(left, right);
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
