using System.CommandLine;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Training.Commands;

/// <summary>The architecture options, named as in the reference (--netG, --ngf, --norm, ...).</summary>
internal sealed class NetworkArguments
{
    private static readonly NetworkOptions Defaults = new();

    private readonly Option<string> netG = new("--netG") { Description = "generator: unet_256 | unet_128", DefaultValueFactory = _ => Defaults.NetG };
    private readonly Option<string> netD = new("--netD") { Description = "discriminator: basic (70x70 PatchGAN) | n_layers | pixel (1x1)", DefaultValueFactory = _ => Defaults.NetD };
    private readonly Option<int> ngf = new("--ngf") { Description = "generator filters in the last conv layer", DefaultValueFactory = _ => Defaults.Ngf };
    private readonly Option<int> ndf = new("--ndf") { Description = "discriminator filters in the first conv layer", DefaultValueFactory = _ => Defaults.Ndf };
    private readonly Option<int> nLayersD = new("--n_layers_D") { Description = "layers of the n_layers discriminator", DefaultValueFactory = _ => Defaults.NLayersD };
    private readonly Option<string> norm = new("--norm") { Description = "batch | instance | none", DefaultValueFactory = _ => "batch" };
    private readonly Option<int> inputNc = new("--input_nc") { Description = "input channels: 3 (RGB) or 1 (grey)", DefaultValueFactory = _ => Defaults.InputNc };
    private readonly Option<int> outputNc = new("--output_nc") { Description = "output channels: 3 (RGB) or 1 (grey)", DefaultValueFactory = _ => Defaults.OutputNc };
    private readonly Option<bool> noDropout = new("--no_dropout") { Description = "no dropout in the generator" };
    private readonly Option<int> unnormalisedLevels = new("--unnormalised_levels") { Description = "U-Net levels, innermost first, without normalisation (0: the reference's network)", DefaultValueFactory = _ => Defaults.UnnormalisedLevels };

    public NetworkArguments(Command command, bool withDiscriminator = true)
    {
        netG.AcceptOnlyFromAmong([.. NetworkOptions.Generators]);
        netD.AcceptOnlyFromAmong([.. NetworkOptions.Discriminators]);
        norm.AcceptOnlyFromAmong("batch", "instance", "none");
        command.Options.Add(netG);
        command.Options.Add(ngf);
        command.Options.Add(norm);
        command.Options.Add(inputNc);
        command.Options.Add(outputNc);
        command.Options.Add(noDropout);
        command.Options.Add(unnormalisedLevels);
        if (!withDiscriminator) return;
        command.Options.Add(netD);
        command.Options.Add(ndf);
        command.Options.Add(nLayersD);
    }

    public NetworkOptions Bind(ParseResult result)
    {
        var options = new NetworkOptions
        {
            NetG = result.GetValue(netG)!,
            NetD = result.GetValue(netD) ?? Defaults.NetD,
            Ngf = result.GetValue(ngf),
            // The defaults only for commands without a discriminator: a value given is checked by Validate, not replaced.
            Ndf = result.GetResult(ndf) is null ? Defaults.Ndf : result.GetValue(ndf),
            NLayersD = result.GetResult(nLayersD) is null ? Defaults.NLayersD : result.GetValue(nLayersD),
            Norm = ParseNorm(result.GetValue(norm)!),
            InputNc = result.GetValue(inputNc),
            OutputNc = result.GetValue(outputNc),
            NoDropout = result.GetValue(noDropout),
            UnnormalisedLevels = result.GetValue(unnormalisedLevels),
        };
        options.Validate();
        return options;
    }

    public static NormKind ParseNorm(string value) => value switch
    {
        "batch" => NormKind.Batch,
        "instance" => NormKind.Instance,
        "none" => NormKind.None,
        _ => throw new UserInputException($"unknown --norm '{value}' (expected batch, instance or none)"),
    };
}
