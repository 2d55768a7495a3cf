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
        var command = new Command("evaluate", "Score a trained generator (a run's checkpoint, or an exported .onnx) on DATAROOT/test against its targets");
        var run = new RunArguments(command, nameRequired: false);
        var model = new Option<string>("--model") { Description = "an exported generator (.onnx) to score instead of a run's checkpoint (--name)" };
        var dataroot = new Option<string>("--dataroot") { Description = "folder holding the test/ A|B images", Required = true };
        var phase = new Option<string>("--phase") { Description = "which split to score", DefaultValueFactory = _ => "test" };
        var resultsDir = new Option<string>("--results_dir") { Description = "where metrics.json and the gallery go", DefaultValueFactory = _ => "results" };
        var sketches = new Option<string>("--sketches") { Description = "also score colour by meaning on a folder of COLOUR-OBJECT.png sketches (e.g. tests/Pix2Pix.Api.Tests/Sketches/Colours)" };
        foreach (var option in new Option[] { model, dataroot, phase, resultsDir, sketches }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var modelPath = result.GetValue(model);
            if ((modelPath is null) == !run.HasName(result)) throw new UserInputException("give either --name (a run's checkpoint) or --model (an exported .onnx)");
            var split = result.GetValue(phase)!;
            var files = ImageFiles.InSplit(result.GetValue(dataroot)!, split);
            // An exported model is a file of its own: the options that pick a run's checkpoint and its batch norm do not apply.
            if (modelPath is not null) ReferenceArguments.NoticeIgnored(result, output, command.Options.Where(o => o.Name is "--epoch" or "--norm_at_test" or "--checkpoints_dir" or "--suffix"), "they choose a run's checkpoint; --model is an exported file");
            var (name, label, swap, runner) = modelPath is null ? OpenRun(run, result) : OpenExport(modelPath);
            using var _ = runner;
            var target = Path.Combine(result.GetValue(resultsDir)!, name, $"evaluate_{split}_{label}");
            var report = Evaluator.Run(runner, files, swap, name, split, target);
            const string identity = "identity (input as output)";
            var width = Math.Max(identity.Length, name.Length);
            output.WriteLine($"  {$"{Counted.Of(report.Images, "image")} of {split}".PadRight(width)}      L1    PSNR   SSIM sharpness colourfulness (target)  histogram ∩ L      a      b");
            output.WriteLine($"  {name.PadRight(width)} {report.Generator.L1,7:F4} {report.Generator.Psnr,7:F2} {report.Generator.Ssim,6:F3} {report.Generator.SharpnessRatio,9:F3} {report.Generator.Colourfulness,13:F1} {$"({report.Generator.TargetColourfulness:F1})",8} {report.GeneratorColours.L,14:F3} {report.GeneratorColours.A,6:F3} {report.GeneratorColours.B,6:F3}");
            output.WriteLine($"  {identity.PadRight(width)} {report.Identity.L1,7:F4} {report.Identity.Psnr,7:F2} {report.Identity.Ssim,6:F3} {report.Identity.SharpnessRatio,9:F3} {report.Identity.Colourfulness,13:F1}         {report.IdentityColours.L,14:F3} {report.IdentityColours.A,6:F3} {report.IdentityColours.B,6:F3}");
            if (result.GetValue(sketches) is { } folder)
            {
                var colours = SketchColourCheck.Run(runner, folder);
                foreach (var c in colours) output.WriteLine($"  {c.Sketch,-26} expected {c.Expected.ToString().ToLowerInvariant(),-7} got {c.Got.ToString().ToLowerInvariant(),-7} ({c.Share:P0} of the fill){(c.Right ? "" : "  ✗")}");
                var (colour, baseline) = SketchColourCheck.OneColourBaseline(colours);
                output.WriteLine($"  {colours.Count(c => c.Right)} of {Counted.Of(colours.Count, "sketch", "sketches")} in their colour, painted in {Counted.Of(SketchColourCheck.ColoursUsed(colours), "colour")} (one colour for every sketch would get {baseline}: {colour.ToString().ToLowerInvariant()})");
                SketchColourCheck.Write(colours, Path.Combine(target, "sketch_colours.json"));
            }

            output.WriteLine($"wrote {Path.Combine(target, "metrics.json")} and {Path.Combine(target, "index.html")}");
            return 0;
        });
        return command;
    }

    private static (string Name, string Label, bool Swap, ITranslator Runner) OpenRun(RunArguments run, ParseResult result)
    {
        var (record, runner) = run.OpenGenerator(result);
        return (run.Name(result), run.Epoch(result), record.Data?.Direction == Direction.BtoA, runner);
    }

    private static (string Name, string Label, bool Swap, ITranslator Runner) OpenExport(string path)
    {
        var runner = OnnxTranslator.Open(path);
        return (Path.GetFileNameWithoutExtension(path), "onnx", runner.SwapsHalves, runner);
    }
}
