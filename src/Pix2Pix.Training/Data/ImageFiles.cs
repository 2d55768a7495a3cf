using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Data;

/// <summary>Finding and reading the image files of a dataset folder, with errors a user can act on.</summary>
public static class ImageFiles
{
    // What ImageSharp reads; anything else in a dataset folder is not an image of it.
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".pbm", ".webp", ".tif", ".tiff", ".gif", ".tga"];

    /// <summary>The file types read as images, for messages.</summary>
    public static string Kinds => string.Join(", ", Extensions);

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The images directly in <paramref name="folder"/>, sorted by name as the reference's make_dataset does.</summary>
    public static IReadOnlyList<string> In(string folder)
    {
        if (!Directory.Exists(folder)) throw new UserInputException($"folder not found: {folder}");
        return Directory.EnumerateFiles(folder).Where(IsImage).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The images of DATAROOT/SPLIT; a split that is missing or holds none is a user error.</summary>
    public static IReadOnlyList<string> InSplit(string dataroot, string split)
    {
        var folder = Path.Combine(dataroot, split);
        var files = In(folder);
        return files.Count > 0 ? files : throw new UserInputException($"no images in {folder}");
    }

    /// <summary>
    /// The image as RGB; transparency is composited on white, as the service composites its uploads, so what is trained,
    /// tested and scored from a file is what the service makes of the same file.
    /// </summary>
    public static Image<Rgb24> Load(string path)
    {
        try
        {
            if (InterlacedPng(path)) return LoadWithLibpng(path);
            var image = Image.Load(path);
            if (image is Image<Rgb24> rgb) return rgb;   // most datasets' files: as decoded, no copy
            using (image)
            {
                // Decoded without an alpha channel (greys, 16-bit colour): converted; anything else is checked for transparency.
                if (image is Image<L8> or Image<L16> or Image<Rgb48> or Image<Bgr24>) return image.CloneAs<Rgb24>();
                using var rgba = image.CloneAs<Rgba32>();
                return PixelConventions.OnWhite(rgba, Configuration.Default);
            }
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException or IOException)
        {
            throw new UnreadableImageException($"cannot read image {path}: {e.Message}", e);
        }
    }

    // ImageSharp 2.1's PNG decoder never returns on some valid narrow Adam7 images (the service's HostileInputTests), so
    // interlaced PNGs are read by libpng, through Skia, as the service reads every upload.
    private static bool InterlacedPng(string path)
    {
        Span<byte> header = stackalloc byte[29];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
            && header[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            && header[12..16].SequenceEqual("IHDR"u8)
            && header[28] == 1;
    }

    // The largest picture read this way: 16,384² (1 GiB of RGBA), far past any dataset's, short of an int's byte count.
    private const long MaxPixels = 16384L * 16384;

    private static Image<Rgb24> LoadWithLibpng(string path)
    {
        using var codec = SkiaSharp.SKCodec.Create(path, out var opened) ?? throw new InvalidImageContentException($"libpng could not open it ({opened})");
        if ((long)codec.Info.Width * codec.Info.Height > MaxPixels) throw new InvalidImageContentException($"{codec.Info.Width}×{codec.Info.Height} is more than {MaxPixels:N0} pixels");
        var info = new SkiaSharp.SKImageInfo(codec.Info.Width, codec.Info.Height, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul);
        var pixels = new byte[info.BytesSize];
        var result = codec.GetPixels(info, pixels);
        if (result != SkiaSharp.SKCodecResult.Success) throw new InvalidImageContentException($"libpng could not decode it ({result})");
        using var rgba = Image.LoadPixelData<Rgba32>(pixels, info.Width, info.Height);
        return PixelConventions.OnWhite(rgba, Configuration.Default);
    }
}
