using System.CommandLine;
using Pix2Pix.Training.Data;

namespace Pix2Pix.Training.Commands;

/// <summary>`prepare`: building aligned A|B datasets (`prepare combine` as the reference's combine_A_and_B.py).</summary>
internal static class PrepareCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("prepare", "Build aligned A|B datasets");
        command.Subcommands.Add(Combine(output, error));
        return command;
    }

    private static Command Combine(TextWriter output, TextWriter error)
    {
        var command = new Command("combine", "Join same-named images of FOLD_A/SPLIT and FOLD_B/SPLIT into FOLD_AB/SPLIT as A|B");
        var foldA = new Option<string>("--fold_A") { Description = "folder with train/, val/, test/ of A images", Required = true };
        var foldB = new Option<string>("--fold_B") { Description = "folder with the same splits of B images, same file names", Required = true };
        var foldAB = new Option<string>("--fold_AB") { Description = "where the A|B images go", Required = true };
        command.Options.Add(foldA);
        command.Options.Add(foldB);
        command.Options.Add(foldAB);
        CommandAction.Set(command, error, result =>
        {
            var report = PairCombiner.Combine(result.GetValue(foldA)!, result.GetValue(foldB)!, result.GetValue(foldAB)!);
            foreach (var split in report.Splits) output.WriteLine($"{split.Name}: {split.Written} pairs written, {split.MissingB} without a B image, {split.Resized} B images resized to their A");
            return 0;
        });
        return command;
    }
}
