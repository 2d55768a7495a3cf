using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Inference;

/// <summary>A trained generator as users see it: a picture in, a picture of the same size out.</summary>
public interface ITranslator : IDisposable
{
    int NativeSize { get; }

    Image<Rgb24> Translate(Image<Rgb24> input);

    /// <summary>
    /// Runs <paramref name="translate"/> (the generator: planar values in, planar values out) on the image letterboxed to
    /// <paramref name="nativeSize"/>² and brings the answer back to the input's size: the service's <see cref="Letterbox"/>,
    /// so what is tested and scored is what is served.
    /// </summary>
    static Image<Rgb24> AtNativeSize(Image<Rgb24> input, int nativeSize, int inputChannels, Func<float[], float[]> translate)
    {
        var values = new float[inputChannels * nativeSize * nativeSize];
        var content = Letterbox.Fit(input, nativeSize, values, inputChannels);
        var translated = translate(values);
        return Letterbox.Restore(translated, translated.Length / (nativeSize * nativeSize), nativeSize, content, input.Size());
    }
}
