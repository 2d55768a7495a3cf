using System.CommandLine;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Evaluation;
using Pix2Pix.Training.Inference;
using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>`evaluate`: L1, PSNR, SSIM, sharpness and colourfulness on a split, next to the identity baseline; metrics.json and a gallery.</summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("evaluate", "Score a trained generator on DATAROOT/test against its targets");
        var run = new RunArguments(command);
        var dataroot = new Option<string>("--dataroot") { Description = "folder holding the test/ A|B images", Required = true };
        var phase = new Option<string>("--phase") { Description = "which split to score", DefaultValueFactory = _ => "test" };
        var resultsDir = new Option<string>("--results_dir") { Description = "where metrics.json and the gallery go", DefaultValueFactory = _ => "results" };
        foreach (var option in new Option[] { dataroot, phase, resultsDir }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var (record, runner) = run.OpenGenerator(result);
            using var _ = runner;
            var label = run.Epoch(result);
            var split = result.GetValue(phase)!;
            var files = ImageFiles.In(Path.Combine(result.GetValue(dataroot)!, split));
            if (files.Count == 0) throw new UserInputException($"no images in {Path.Combine(result.GetValue(dataroot)!, split)}");
            var target = Path.Combine(result.GetValue(resultsDir)!, run.Name(result), $"evaluate_{split}_{label}");
            var report = Evaluator.Run(runner, files, record.Data?.Direction == Direction.BtoA, run.Name(result), split, target);
            output.WriteLine($"{report.Images} images of {split}          L1      PSNR   SSIM   sharpness  colourfulness (target)");
            output.WriteLine($"  {run.Name(result),-24} {report.Generator.L1,7:F4} {report.Generator.Psnr,7:F2} {report.Generator.Ssim,6:F3} {report.Generator.SharpnessRatio,9:F3} {report.Generator.Colourfulness,8:F1} ({report.Generator.TargetColourfulness:F1})");
            output.WriteLine($"  {"identity (input as output)",-24} {report.Identity.L1,7:F4} {report.Identity.Psnr,7:F2} {report.Identity.Ssim,6:F3} {report.Identity.SharpnessRatio,9:F3} {report.Identity.Colourfulness,8:F1}");
            output.WriteLine($"wrote {Path.Combine(target, "metrics.json")} and {Path.Combine(target, "index.html")}");
            return 0;
        });
        return command;
    }
}
