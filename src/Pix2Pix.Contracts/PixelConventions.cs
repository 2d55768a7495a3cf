using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Contracts;

/// <summary>
/// How an 8-bit RGB image becomes a generator input and how an output becomes pixels again:
/// planar CHW float32 in [-1, 1] (x / 127.5 − 1), as the reference normalises with mean = std = 0.5.
/// </summary>
public static class PixelConventions
{
    /// <summary>Writes the image as C×H×W values in [-1, 1]; <paramref name="channels"/> 1 takes the luminance.</summary>
    public static void ToPlanar(Image<Rgb24> image, Span<float> destination, int channels = 3)
    {
        int width = image.Width, height = image.Height, plane = width * height;
        CheckChannels(channels);
        if (destination.Length < channels * plane) throw new ArgumentException("destination is too small", nameof(destination));
        var pixels = new Rgb24[plane];
        image.CopyPixelDataTo(pixels);
        for (var i = 0; i < plane; i++)
        {
            var p = pixels[i];
            if (channels == 1)
            {
                destination[i] = ToValue(Luminance(p));
            }
            else
            {
                destination[i] = ToValue(p.R);
                destination[plane + i] = ToValue(p.G);
                destination[2 * plane + i] = ToValue(p.B);
            }
        }
    }

    public static float[] ToPlanar(Image<Rgb24> image, int channels = 3)
    {
        var values = new float[channels * image.Width * image.Height];
        ToPlanar(image, values, channels);
        return values;
    }

    /// <summary>Turns C×H×W values in [-1, 1] back into an RGB image (one channel becomes grey).</summary>
    public static Image<Rgb24> FromPlanar(ReadOnlySpan<float> values, int channels, int width, int height)
    {
        CheckChannels(channels);
        var plane = width * height;
        if (values.Length < channels * plane) throw new ArgumentException("too few values for the image size", nameof(values));
        var pixels = new Rgb24[plane];
        for (var i = 0; i < plane; i++)
        {
            pixels[i] = channels == 1
                ? new Rgb24(ToByte(values[i]), ToByte(values[i]), ToByte(values[i]))
                : new Rgb24(ToByte(values[i]), ToByte(values[plane + i]), ToByte(values[2 * plane + i]));
        }

        return Image.LoadPixelData<Rgb24>(pixels, width, height);
    }

    /// <summary>
    /// <paramref name="rgba"/> as RGB on white: composited where any pixel is less than opaque, else converted as it is
    /// (a browser canvas, for one, sends RGBA with every pixel opaque, and compositing costs more than a decode). The
    /// service does this to every upload and the CLI to every file it reads, so both see the same picture;
    /// <paramref name="configuration"/> is where the RGB image's memory comes from.
    /// </summary>
    public static Image<Rgb24> OnWhite(Image<Rgba32> rgba, Configuration configuration)
    {
        var opaque = true;
        rgba.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height && opaque; y++) opaque = !HasTransparency(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.GetRowSpan(y)));
        });
        if (opaque) return rgba.CloneAs<Rgb24>(configuration);
        var white = new Image<Rgb24>(configuration, rgba.Width, rgba.Height, new Rgb24(255, 255, 255));
        white.Mutate(c => c.DrawImage(rgba, 1f));
        return white;
    }

    // Whether any pixel of RGBA bytes (alpha last) is less than opaque.
    private static bool HasTransparency(ReadOnlySpan<byte> rgba)
    {
        // Alpha is the high byte of each pixel read as a little-endian word, checked a vector at a time.
        if (BitConverter.IsLittleEndian) return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(rgba).ContainsAnyExceptInRange(0xFF000000u, 0xFFFFFFFFu);
        for (var i = 3; i < rgba.Length; i += 4)
        {
            if (rgba[i] != 0xFF) return true;
        }

        return false;
    }

    /// <summary>A level in [0, 255], a pixel's or a resampled one that need not be whole, as a value in [-1, 1].</summary>
    public static float ToValue(float level) => level / 127.5f - 1f;

    /// <summary>Rounds to the nearest level; values outside [-1, 1] are clamped.</summary>
    public static byte ToByte(float value)
    {
        var level = (value + 1f) * 127.5f;
        return (byte)Math.Clamp(MathF.Round(level), 0f, 255f);
    }

    internal static void CheckChannels(int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), "channels must be 1 or 3");
    }

    /// <summary>ITU-R 601 luma of levels that need not be whole.</summary>
    internal static float Luminance(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    // ITU-R 601 luma, as PIL's convert('L') computes it.
    private static byte Luminance(Rgb24 p) => (byte)((p.R * 299 + p.G * 587 + p.B * 114 + 500) / 1000);
}
