using Pix2Pix.Training.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>Where to crop and whether to flip: drawn once per pair so that A and B get the same.</summary>
public readonly record struct TransformParameters(int CropX, int CropY, bool Flip);

/// <summary>
/// The reference's get_params / get_transform: resize or scale to width (bicubic), crop, flip.
/// Sizes that the U-Net cannot take are refused with the reason rather than failing inside the network.
/// </summary>
public sealed class Preprocessing(DataOptions options, int sizeMultiple)
{
    public TransformParameters Draw(Size original, Random random)
    {
        var (width, height) = (original.Width, original.Height);
        if (options.Preprocess == Preprocess.ResizeAndCrop) (width, height) = (options.LoadSize, options.LoadSize);
        else if (options.Preprocess == Preprocess.ScaleWidthAndCrop) (width, height) = ScaledToWidth(original);
        var x = random.Next(0, Math.Max(0, width - options.CropSize) + 1);
        var y = random.Next(0, Math.Max(0, height - options.CropSize) + 1);
        var flip = random.NextDouble() > 0.5;
        return new TransformParameters(x, y, flip);
    }

    /// <summary>Applies the transform in place; <paramref name="source"/> names the file in error messages.</summary>
    public void Apply(Image<Rgb24> image, TransformParameters parameters, string source)
    {
        var bicubic = KnownResamplers.Bicubic;
        switch (options.Preprocess)
        {
            case Preprocess.ResizeAndCrop:
                image.Mutate(c => c.Resize(options.LoadSize, options.LoadSize, bicubic));
                break;
            case Preprocess.ScaleWidth or Preprocess.ScaleWidthAndCrop:
                var (w, h) = ScaledToWidth(image.Size());
                if ((w, h) != (image.Width, image.Height)) image.Mutate(c => c.Resize(w, h, bicubic));
                break;
            case Preprocess.None:
                var (pw, ph) = (RoundToMultiple(image.Width), RoundToMultiple(image.Height));
                if (pw == 0 || ph == 0)
                {
                    throw new UserInputException($"image {source} is {image.Width}x{image.Height}; with --preprocess none each side must be at least {sizeMultiple / 2} so it rounds to a multiple of {sizeMultiple}");
                }

                if ((pw, ph) != (image.Width, image.Height)) image.Mutate(c => c.Resize(pw, ph, bicubic));
                break;
        }

        if (options.Preprocess is Preprocess.ResizeAndCrop or Preprocess.Crop or Preprocess.ScaleWidthAndCrop)
        {
            var crop = options.CropSize;
            if (image.Width < crop || image.Height < crop)
            {
                throw new UserInputException($"image {source} is {image.Width}x{image.Height} after preprocessing, smaller than --crop_size {crop}");
            }

            image.Mutate(c => c.Crop(new Rectangle(parameters.CropX, parameters.CropY, crop, crop)));
        }

        if (!options.NoFlip && parameters.Flip) image.Mutate(c => c.Flip(FlipMode.Horizontal));

        if (image.Width % sizeMultiple != 0 || image.Height % sizeMultiple != 0)
        {
            throw new UserInputException(
                $"image {source} becomes {image.Width}x{image.Height} with --preprocess {DataOptions.Name(options.Preprocess)}, but this generator takes sides that are multiples of {sizeMultiple}; choose --crop_size or --preprocess accordingly");
        }
    }

    // The reference's __scale_width: width to load_size, height in proportion but never below crop_size.
    private (int Width, int Height) ScaledToWidth(Size original)
    {
        if (original.Width == options.LoadSize && original.Height >= options.CropSize) return (original.Width, original.Height);
        var height = (int)Math.Max(options.LoadSize * (double)original.Height / original.Width, options.CropSize);
        return (options.LoadSize, height);
    }

    private int RoundToMultiple(int side) => (int)Math.Round(side / (double)sizeMultiple, MidpointRounding.ToEven) * sizeMultiple;
}
