using System.CommandLine;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Inference;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace Pix2Pix.Training.Commands;

/// <summary>`test`: the generator over DATAROOT/test, images and an index.html gallery, as the reference's test.py.</summary>
internal static class TestCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("test", "Translate DATAROOT/test with a trained generator and write a gallery");
        var run = new RunArguments(command);
        var dataroot = new Option<string>("--dataroot") { Description = "folder holding the test/ A|B images", Required = true };
        var phase = new Option<string>("--phase") { Description = "which split to translate", DefaultValueFactory = _ => "test" };
        var direction = new Option<string>("--direction") { Description = "AtoB | BtoA (default: as trained)" };
        var resultsDir = new Option<string>("--results_dir") { Description = "where results go", DefaultValueFactory = _ => "results" };
        var numTest = new Option<int>("--num_test") { Description = "how many images to translate", DefaultValueFactory = _ => 50 };
        direction.AcceptOnlyFromAmong("AtoB", "BtoA");
        foreach (var option in new Option[] { dataroot, phase, direction, resultsDir, numTest }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var (record, runner) = run.OpenGenerator(result);
            using var _ = runner;
            var label = run.Epoch(result);
            var chosen = result.GetValue(direction);
            var trained = record.Data?.Direction ?? Direction.AtoB;
            var used = chosen is null ? trained : chosen == "BtoA" ? Direction.BtoA : Direction.AtoB;
            var swap = used == Direction.BtoA;
            var files = ImageFiles.InSplit(result.GetValue(dataroot)!, result.GetValue(phase)!).Take(Math.Max(1, result.GetValue(numTest))).ToArray();
            // A direction other than the trained one writes beside the usual results, never over them.
            var target = Path.Combine(result.GetValue(resultsDir)!, run.Name(result), $"{result.GetValue(phase)}_{label}{(used == trained ? "" : "_" + used)}");
            TestRun.Write(runner, files, swap, target, $"{run.Name(result)}: {result.GetValue(phase)} at epoch {label}");
            output.WriteLine($"translated {Counted.Of(files.Length, "image")} into {Path.Combine(target, "index.html")}");
            return 0;
        });
        return command;
    }
}
