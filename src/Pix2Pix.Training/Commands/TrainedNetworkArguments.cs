using System.CommandLine;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>
/// The architecture options for a command that uses a trained run (test): the reference needs them again to rebuild the
/// networks, so its users pass the training line's --netG, --ngf, --no_dropout and the rest. Here the run folder knows
/// them: each one given must agree with the run, and one that does not is refused, naming what the run was trained with.
/// </summary>
internal sealed class TrainedNetworkArguments
{
    private readonly List<(Option Option, Func<ParseResult, string> Given, Func<NetworkOptions, string> Trained)> checks = [];

    public TrainedNetworkArguments(Command command)
    {
        Add(command, new Option<string>("--netG"), n => n.NetG);
        Add(command, new Option<int>("--ngf"), n => n.Ngf.ToString());
        Add(command, new Option<string>("--norm"), n => n.Norm.ToString().ToLowerInvariant());
        Add(command, new Option<int>("--input_nc"), n => n.InputNc.ToString());
        Add(command, new Option<int>("--output_nc"), n => n.OutputNc.ToString());
        Add(command, new Option<int>("--unnormalised_levels"), n => n.UnnormalisedLevels.ToString());
        // --no_dropout agrees with any run: the reference builds the generator without its dropout layers, which hold no
        // weights, and this test runs without dropout whatever the run was trained with.
        command.Options.Add(new Option<bool>("--no_dropout") { Description = "accepted: test runs the generator without dropout, however it was trained" });
        Add(command, new Option<string>("--netD"), n => n.NetD);
        Add(command, new Option<int>("--ndf"), n => n.Ndf.ToString());
        Add(command, new Option<int>("--n_layers_D"), n => n.NLayersD.ToString());
    }

    /// <summary>Refuses a given option the run was not trained with.</summary>
    public void Check(ParseResult result, RunRecord record)
    {
        foreach (var (option, given, trained) in checks)
        {
            if (result.GetResult(option) is not { Implicit: false }) continue;
            var (value, expected) = (given(result), trained(record.Network));
            if (value == expected) continue;
            throw new UserInputException(option is Option<bool>
                ? $"{option.Name}: the run was trained {(expected == bool.TrueString ? "with" : "without")} it"
                : $"{option.Name} {value}: the run was trained with {option.Name} {expected}");
        }
    }

    private void Add<T>(Command command, Option<T> option, Func<NetworkOptions, string> trained)
    {
        option.Description = "as the run was trained (checked against the run folder, which knows it)";
        command.Options.Add(option);
        checks.Add((option, result => Convert.ToString(result.GetValue(option), System.Globalization.CultureInfo.InvariantCulture)!, trained));
    }
}
