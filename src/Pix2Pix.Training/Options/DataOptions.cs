namespace Pix2Pix.Training.Options;

public enum Direction { AtoB, BtoA }

public enum Preprocess { ResizeAndCrop, Crop, ScaleWidth, ScaleWidthAndCrop, None }

/// <summary>Where the aligned A|B pairs are and how each is prepared, with the reference's defaults.</summary>
public sealed record DataOptions
{
    public required string Dataroot { get; init; }
    public string Phase { get; init; } = "train";
    public Direction Direction { get; init; } = Direction.AtoB;
    public Preprocess Preprocess { get; init; } = Preprocess.ResizeAndCrop;
    public int LoadSize { get; init; } = 286;
    public int CropSize { get; init; } = 256;
    public bool NoFlip { get; init; }
    public bool SerialBatches { get; init; }
    public int MaxDatasetSize { get; init; } = int.MaxValue;
    /// <summary>Turn each training pair by up to this many degrees either way (0, the reference's choice, turns none).</summary>
    public double Rotate { get; init; }
    /// <summary>Shear each training pair horizontally by up to this many degrees either way (0 shears none).</summary>
    public double Shear { get; init; }

    public const double MaxRotate = 45, MaxShear = 30;

    /// <summary>Whether pairs get a random rotation or shear besides the reference's crop and flip.</summary>
    public bool Warps => Rotate > 0 || Shear > 0;

    public static string Name(Preprocess preprocess) => preprocess switch
    {
        Preprocess.ResizeAndCrop => "resize_and_crop",
        Preprocess.Crop => "crop",
        Preprocess.ScaleWidth => "scale_width",
        Preprocess.ScaleWidthAndCrop => "scale_width_and_crop",
        _ => "none",
    };

    public static Preprocess ParsePreprocess(string value) => value switch
    {
        "resize_and_crop" => Preprocess.ResizeAndCrop,
        "crop" => Preprocess.Crop,
        "scale_width" => Preprocess.ScaleWidth,
        "scale_width_and_crop" => Preprocess.ScaleWidthAndCrop,
        "none" => Preprocess.None,
        _ => throw new UserInputException($"unknown --preprocess '{value}' (expected resize_and_crop, crop, scale_width, scale_width_and_crop or none)"),
    };
}
