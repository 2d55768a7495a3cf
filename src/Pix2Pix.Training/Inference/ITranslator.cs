using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Inference;

/// <summary>A trained generator as users see it: a picture in, a picture of the same size out.</summary>
public interface ITranslator : IDisposable
{
    int NativeSize { get; }

    Image<Rgb24> Translate(Image<Rgb24> input);

    /// <summary>Runs <paramref name="translate"/> on the image resized to <paramref name="nativeSize"/>² and brings the answer back to the input's size.</summary>
    static Image<Rgb24> AtNativeSize(Image<Rgb24> input, int nativeSize, Func<Image<Rgb24>, Image<Rgb24>> translate)
    {
        using var native = input.Width == nativeSize && input.Height == nativeSize
            ? input.Clone()
            : input.Clone(c => c.Resize(nativeSize, nativeSize, KnownResamplers.Bicubic));
        var output = translate(native);
        if (output.Size() != input.Size()) output.Mutate(c => c.Resize(input.Width, input.Height, KnownResamplers.Bicubic));
        return output;
    }
}
