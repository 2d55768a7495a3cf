using System.CommandLine;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Training.Commands;

/// <summary>The dataset options, named as in the reference (--dataroot, --direction, --preprocess, ...).</summary>
internal sealed class DataArguments
{
    private readonly Option<string> dataroot = new("--dataroot") { Description = "folder with train/, val/, test/ of A|B images", Required = true };
    private readonly Option<string> direction = new("--direction") { Description = "AtoB | BtoA", DefaultValueFactory = _ => "AtoB" };
    private readonly Option<string> preprocess = new("--preprocess") { Description = "resize_and_crop | crop | scale_width | scale_width_and_crop | none", DefaultValueFactory = _ => "resize_and_crop" };
    private readonly Option<int> loadSize = new("--load_size") { Description = "scale images to this size", DefaultValueFactory = _ => 286 };
    private readonly Option<int> cropSize = new("--crop_size") { Description = "then crop to this size", DefaultValueFactory = _ => 256 };
    private readonly Option<bool> noFlip = new("--no_flip") { Description = "do not flip images for augmentation" };
    private readonly Option<bool> serialBatches = new("--serial_batches") { Description = "take images in order instead of shuffling" };
    private readonly Option<double> rotate = new("--rotate") { Description = "turn each pair by a random angle of up to this many degrees either way, A and B alike (line drawings: the corners are filled white)", DefaultValueFactory = _ => 0 };
    private readonly Option<double> shear = new("--shear") { Description = "shear each pair horizontally by up to this many degrees either way, A and B alike", DefaultValueFactory = _ => 0 };
    private readonly Option<int> maxDatasetSize = new("--max_dataset_size") { Description = "use at most this many images", DefaultValueFactory = _ => int.MaxValue };

    public DataArguments(Command command)
    {
        direction.AcceptOnlyFromAmong("AtoB", "BtoA");
        preprocess.AcceptOnlyFromAmong("resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none");
        foreach (var option in new Option[] { dataroot, direction, preprocess, loadSize, cropSize, noFlip, rotate, shear, serialBatches, maxDatasetSize })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Whether --direction was given (a resumed run otherwise keeps the direction it was trained in).</summary>
    public bool DirectionGiven(ParseResult result) => result.GetResult(direction) is { Implicit: false };

    public DataOptions Bind(ParseResult result, string phase)
    {
        var options = new DataOptions
        {
            Dataroot = result.GetValue(dataroot)!,
            Phase = phase,
            Direction = result.GetValue(direction) == "BtoA" ? Direction.BtoA : Direction.AtoB,
            Preprocess = DataOptions.ParsePreprocess(result.GetValue(preprocess)!),
            LoadSize = result.GetValue(loadSize),
            CropSize = result.GetValue(cropSize),
            NoFlip = result.GetValue(noFlip),
            SerialBatches = result.GetValue(serialBatches),
            MaxDatasetSize = result.GetValue(maxDatasetSize),
            Rotate = result.GetValue(rotate),
            Shear = result.GetValue(shear),
        };
        if (options.LoadSize < 1 || options.CropSize < 1) throw new UserInputException("--load_size and --crop_size must be positive");
        if (options.Preprocess == Preprocess.ResizeAndCrop && options.CropSize > options.LoadSize)
        {
            throw new UserInputException($"--crop_size {options.CropSize} is larger than --load_size {options.LoadSize}");
        }

        if (options.Rotate is < 0 or > DataOptions.MaxRotate or double.NaN) throw new UserInputException($"--rotate must be between 0 and {DataOptions.MaxRotate} degrees");
        if (options.Shear is < 0 or > DataOptions.MaxShear or double.NaN) throw new UserInputException($"--shear must be between 0 and {DataOptions.MaxShear} degrees");
        if (options.MaxDatasetSize < 1) throw new UserInputException("--max_dataset_size must be positive");
        return options;
    }
}
