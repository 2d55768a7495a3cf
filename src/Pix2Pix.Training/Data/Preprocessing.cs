using System.Numerics;
using Pix2Pix.Training.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Data;

/// <summary>Where to crop, whether to flip, and how far to turn and shear (degrees): drawn once per pair so that A and B get the same.</summary>
public readonly record struct TransformParameters(int CropX, int CropY, bool Flip, double Rotation = 0, double Shear = 0);

/// <summary>
/// The reference's get_params / get_transform: resize or scale to width (bicubic), crop, flip; then, beyond the
/// reference and only when asked (--rotate, --shear), a turn and a shear about the centre.
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
        if (!options.Warps) return new TransformParameters(x, y, flip);   // the reference's draws, nothing more: runs stay as they were
        var rotation = (random.NextDouble() * 2 - 1) * options.Rotate;
        var shear = (random.NextDouble() * 2 - 1) * options.Shear;
        return new TransformParameters(x, y, flip, rotation, shear);
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
        if (parameters.Rotation != 0 || parameters.Shear != 0) Warp(image, parameters.Rotation, parameters.Shear);

        if (image.Width % sizeMultiple != 0 || image.Height % sizeMultiple != 0)
        {
            throw new UserInputException(
                $"image {source} becomes {image.Width}x{image.Height} with --preprocess {DataOptions.Name(options.Preprocess)}, but this generator takes sides that are multiples of {sizeMultiple}; choose --crop_size or --preprocess accordingly");
        }
    }

    private static readonly Configuration OneThread = OneThreaded();

    private static Configuration OneThreaded()
    {
        var configuration = Configuration.Default.Clone();
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }

    /// <summary>
    /// Turns and shears <paramref name="image"/> about its centre, keeping its size; what comes in from outside is white,
    /// the paper of a line drawing and the background of its picture. Bilinear on one thread: ImageSharp's bicubic
    /// transform on its parallel path took 6–10 ms a 128² image beside a training step's threads, bilinear on one 0.8 ms.
    /// </summary>
    public static void Warp(Image<Rgb24> image, double rotationDegrees, double shearDegrees)
    {
        var centre = new Vector2(image.Width / 2f, image.Height / 2f);
        var matrix = Matrix3x2.CreateTranslation(-centre)
            * Matrix3x2.CreateSkew((float)(shearDegrees * Math.PI / 180), 0)
            * Matrix3x2.CreateRotation((float)(rotationDegrees * Math.PI / 180))
            * Matrix3x2.CreateTranslation(centre);
        using var warped = image.CloneAs<Rgba32>(OneThread);
        warped.Mutate(c => c.Transform(new Rectangle(0, 0, image.Width, image.Height), matrix, image.Size(), KnownResamplers.Triangle)
            .BackgroundColor(Color.White));
        warped.ProcessPixelRows(image, (from, to) =>
        {
            for (var y = 0; y < from.Height; y++) PixelOperations<Rgba32>.Instance.ToRgb24(OneThread, from.GetRowSpan(y), to.GetRowSpan(y));
        });
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
