using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Data;

/// <summary>Finding and reading the image files of a dataset folder, with errors a user can act on.</summary>
public static class ImageFiles
{
    // What ImageSharp reads; anything else in a dataset folder is not an image of it.
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".tga"];

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

    public static Image<Rgb24> Load(string path)
    {
        try
        {
            return Image.Load<Rgb24>(path);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or NotSupportedException or IOException)
        {
            throw new UserInputException($"cannot read image {path}: {e.Message}", e);
        }
    }
}
