namespace Pix2Pix.Training.Options;

public enum NormKind { Batch, Instance, None }

/// <summary>The two networks' architecture, with the reference's defaults (unet_256, basic 70×70 PatchGAN, batch norm).</summary>
public sealed record NetworkOptions
{
    public string NetG { get; init; } = "unet_256";
    public string NetD { get; init; } = "basic";
    public int Ngf { get; init; } = 64;
    public int Ndf { get; init; } = 64;
    public int NLayersD { get; init; } = 3;
    public NormKind Norm { get; init; } = NormKind.Batch;
    public int InputNc { get; init; } = 3;
    public int OutputNc { get; init; } = 3;
    public bool NoDropout { get; init; }

    /// <summary>
    /// How many of the U-Net's innermost levels have no normalisation; 0 is the reference's network, where only the
    /// innermost down-convolution has none (a norm would zero its 1×1 output). Normalised per image, a 2×2 or 4×4 map
    /// keeps each channel's pattern but not its level, so what the bottleneck says of the whole drawing reaches the
    /// decoder weakened.
    /// </summary>
    public int UnnormalisedLevels { get; init; }

    public static readonly IReadOnlyList<string> Generators = ["unet_256", "unet_128", "resnet_9blocks", "resnet_6blocks"];
    public static readonly IReadOnlyList<string> Discriminators = ["basic", "n_layers", "pixel"];

    /// <summary>How many times the generator halves its input: 8 for unet_256, 7 for unet_128, 2 for the ResNets.</summary>
    public int Downsamplings => NetG switch
    {
        "unet_256" => 8,
        "unet_128" => 7,
        "resnet_9blocks" or "resnet_6blocks" => 2,
        _ => throw new UserInputException($"unknown --netG '{NetG}' (expected {string.Join(", ", Generators)})"),
    };

    /// <summary>The residual blocks of a ResNet generator (9 or 6), or null for a U-Net.</summary>
    public int? ResnetBlocks => NetG switch
    {
        "resnet_9blocks" => 9,
        "resnet_6blocks" => 6,
        _ => null,
    };

    /// <summary>Image sides the generator takes must be multiples of this.</summary>
    public int SizeMultiple => 1 << Downsamplings;

    /// <summary>
    /// The smallest side the generator takes: one multiple for a U-Net; 8 for a ResNet, whose blocks' reflection padding
    /// needs 2×2 after its two halvings.
    /// </summary>
    public int MinimumSide => ResnetBlocks is null ? SizeMultiple : Math.Max(8, SizeMultiple);

    /// <summary>Whether the generator takes images of <paramref name="side"/>: a multiple of its size multiple, at least its smallest side.</summary>
    public bool TakesSide(int side) => side >= MinimumSide && side % SizeMultiple == 0;

    /// <summary>The sides the generator takes, as messages say it.</summary>
    public string SideRule => $"a multiple of {SizeMultiple}, at least {MinimumSide}";

    /// <summary>Refuses a crop the discriminator scores no patch of.</summary>
    public void CheckDiscriminatorTakes(int crop)
    {
        if (crop < DiscriminatorMinimumSide) throw new UserInputException($"--crop_size {crop} is smaller than the {NetD} discriminator's smallest input, {DiscriminatorMinimumSide}");
    }

    /// <summary>
    /// The smallest side the discriminator scores at least one patch of (24 for the basic PatchGAN, 1 for pixel): its
    /// 4×4 convolutions with padding 1 take a side s to (s − 2) / stride + 1, so the last two (stride 1) need 3 to give
    /// one score and each of the n before them (stride 2) doubles that: 3 · 2ⁿ.
    /// </summary>
    public int DiscriminatorMinimumSide => NetD == "pixel" ? 1 : 3 << (NetD == "basic" ? 3 : Math.Clamp(NLayersD, 1, MaxLayersD));

    /// <summary>The most layers an n_layers discriminator may have: its smallest input is then 3 · 2²⁰ pixels across.</summary>
    public const int MaxLayersD = 20;

    public void Validate()
    {
        _ = Downsamplings;
        if (!Discriminators.Contains(NetD)) throw new UserInputException($"unknown --netD '{NetD}' (expected {string.Join(", ", Discriminators)})");
        if (Ngf < 1 || Ndf < 1) throw new UserInputException("--ngf and --ndf must be positive");
        if (NLayersD is < 1 or > MaxLayersD) throw new UserInputException($"--n_layers_D must be 1 to {MaxLayersD}");
        if (InputNc is not (1 or 3) || OutputNc is not (1 or 3)) throw new UserInputException("--input_nc and --output_nc must be 1 or 3");
        if (UnnormalisedLevels < 0) throw new UserInputException($"--unnormalised_levels must be 0 or more (given: {UnnormalisedLevels})");
        if (UnnormalisedLevels > 0 && ResnetBlocks is not null) throw new UserInputException($"--unnormalised_levels is for the U-Net generators, not {NetG}");
        if (UnnormalisedLevels > Downsamplings - 1) throw new UserInputException($"--unnormalised_levels {UnnormalisedLevels}: {NetG} has {Downsamplings - 1} levels inside its outermost (which has no normalisation)");
    }

    /// <summary>The generator's normalisation as summary and the exported card say it: "batch", or "batch, none in the 3 innermost levels".</summary>
    public string DescribeGeneratorNorm() =>
        Norm.ToString().ToLowerInvariant() + (UnnormalisedLevels > 0 ? $", none in the {UnnormalisedLevels} innermost levels" : "");

    /// <summary>Says which architecture setting differs from <paramref name="other"/>, or null when they build the same networks.</summary>
    public string? DescribeMismatch(NetworkOptions other)
    {
        var theirs = other with { NoDropout = NoDropout };
        if (this == theirs) return null;
        var differences = new List<string>();
        if (NetG != other.NetG) differences.Add($"netG {other.NetG} vs {NetG}");
        if (NetD != other.NetD) differences.Add($"netD {other.NetD} vs {NetD}");
        if (Ngf != other.Ngf) differences.Add($"ngf {other.Ngf} vs {Ngf}");
        if (Ndf != other.Ndf) differences.Add($"ndf {other.Ndf} vs {Ndf}");
        if (NLayersD != other.NLayersD) differences.Add($"n_layers_D {other.NLayersD} vs {NLayersD}");
        if (UnnormalisedLevels != other.UnnormalisedLevels) differences.Add($"unnormalised_levels {other.UnnormalisedLevels} vs {UnnormalisedLevels}");
        if (Norm != other.Norm) differences.Add($"norm {other.Norm.ToString().ToLowerInvariant()} vs {Norm.ToString().ToLowerInvariant()}");
        if (InputNc != other.InputNc) differences.Add($"input_nc {other.InputNc} vs {InputNc}");
        if (OutputNc != other.OutputNc) differences.Add($"output_nc {other.OutputNc} vs {OutputNc}");
        return string.Join(", ", differences);
    }
}
