using System.CommandLine;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Commands;

/// <summary>`summary`: parameter counts of G and D, D's score map size for --crop_size and its receptive field.</summary>
internal static class SummaryCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("summary", "Print the networks' parameter counts, the discriminator's output size and receptive field");
        var network = new NetworkArguments(command);
        var cropSize = new Option<int>("--crop_size") { Description = "image size the networks see", DefaultValueFactory = _ => 256 };
        command.Options.Add(cropSize);
        CommandAction.Set(command, error, result => Run(network.Bind(result), result.GetValue(cropSize), output));
        return command;
    }

    public static int Run(NetworkOptions network, int cropSize, TextWriter output)
    {
        if (!network.TakesSide(cropSize)) throw new UserInputException($"--crop_size {cropSize}: {network.NetG} takes sides that are {network.SideRule}");
        network.CheckDiscriminatorTakes(cropSize);

        using var discriminator = WriteSizes(network, output);
        discriminator.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var scores = discriminator.forward(zeros(1, network.InputNc + network.OutputNc, cropSize, cropSize));
        var field = discriminator is PatchDiscriminator patch ? patch.ReceptiveField : 1;
        output.WriteLine($"discriminator output for {cropSize}x{cropSize} input: {scores.shape[2]}x{scores.shape[3]}");
        output.WriteLine($"receptive field of each output: {field}x{field}");
        return 0;
    }

    /// <summary>Both networks' parameter counts (train --verbose prints them too); returns the discriminator.</summary>
    public static nn.Module<Tensor, Tensor> WriteSizes(NetworkOptions network, TextWriter output)
    {
        using var generator = Networks.CreateGenerator(network);
        var discriminator = Networks.CreateDiscriminator(network);
        var norm = network.Norm.ToString().ToLowerInvariant();
        output.WriteLine($"generator {network.NetG} (ngf {network.Ngf}, {network.DescribeGeneratorNorm()} norm): {Networks.CountParameters(generator):N0} parameters");
        output.WriteLine($"discriminator {network.NetD} (ndf {network.Ndf}, {norm} norm): {Networks.CountParameters(discriminator):N0} parameters");
        return discriminator;
    }
}
