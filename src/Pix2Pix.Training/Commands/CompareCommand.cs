using System.CommandLine;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Evaluation;
using Pix2Pix.Training.Inference;
using SixLabors.ImageSharp;

namespace Pix2Pix.Training.Commands;

/// <summary>`compare`: exported generators side by side on the same test images (input | model … | target) in one PNG.</summary>
internal static class CompareCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("compare", "Draw exported generators side by side on a split: input | each --model | target");
        var models = new Option<string[]>("--model") { Description = "an exported generator (.onnx); repeat for each column", Required = true, AllowMultipleArgumentsPerToken = false };
        var dataroot = new Option<string>("--dataroot") { Description = "folder holding the split's A|B images", Required = true };
        var phase = new Option<string>("--phase") { Description = "which split", DefaultValueFactory = _ => "test" };
        var count = new Option<int>("--count") { Description = "how many images, spread evenly over the split", DefaultValueFactory = _ => 12 };
        var perRow = new Option<int>("--per_row") { Description = "image sets per row of the grid", DefaultValueFactory = _ => 3 };
        var cell = new Option<int>("--cell") { Description = "side of each picture in the grid (0: as the images are)", DefaultValueFactory = _ => 0 };
        var target = new Option<string>("--out") { Description = "the grid (.png)", Required = true };
        foreach (var option in new Option[] { models, dataroot, phase, count, perRow, cell, target }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var (n, across, side, path, paths) = (result.GetValue(count), result.GetValue(perRow), result.GetValue(cell), result.GetValue(target)!, result.GetValue(models)!);
            if (n < 1 || across < 1) throw new UserInputException("--count and --per_row must be at least 1");
            if (side is < 0 or > 4096) throw new UserInputException("--cell must be between 0 and 4096");
            if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new UserInputException("--out must name a .png file");
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (new[] { result.GetValue(phase)!, "train", "val", "test" }.Any(split => FolderPaths.Within(folder, Path.Combine(result.GetValue(dataroot)!, split))))
            {
                throw new UserInputException($"--out {path} is inside the dataset's splits, where the grid would be read as a pair (or replace one); write it elsewhere");
            }

            var files = ImageFiles.InSplit(result.GetValue(dataroot)!, result.GetValue(phase)!);
            var opened = new List<OnnxTranslator>();
            try
            {
                foreach (var model in paths) opened.Add(OnnxTranslator.Open(model));
                var picked = ComparisonGrid.Pick(files, n);
                using var grid = ComparisonGrid.Draw(picked, opened.Select(m => ((ITranslator)m, m.SwapsHalves)).ToArray(), across, side);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                Training.AtomicFile.Write(path, p => grid.SaveAsPng(p));
                output.WriteLine($"wrote {path}: {Counted.Of(picked.Count, "image")}, columns input | {string.Join(" | ", paths.Select(Path.GetFileNameWithoutExtension))} | target");
                output.WriteLine($"images: {string.Join(' ', picked.Select(Path.GetFileNameWithoutExtension))}");
            }
            finally
            {
                foreach (var model in opened) model.Dispose();
            }

            return 0;
        });
        return command;
    }
}
