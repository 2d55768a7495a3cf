using System.CommandLine;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Inference;
using Pix2Pix.Training.Training;
using SixLabors.ImageSharp;

namespace Pix2Pix.Training.Commands;

/// <summary>`translate`: a checkpoint applied to any image or folder of images; each result has its input's size.</summary>
internal static class TranslateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("translate", "Translate an image (or a folder of images) with a trained generator");
        var run = new RunArguments(command);
        var input = new Option<string>("--input") { Description = "an image file or a folder of images", Required = true };
        var target = new Option<string>("--output") { Description = "the result file (.png) or folder", Required = true };
        command.Options.Add(input);
        command.Options.Add(target);
        CommandAction.Set(command, error, result =>
        {
            var jobs = Plan(result.GetValue(input)!, result.GetValue(target)!);
            using var runner = run.OpenGenerator(result).Runner;
            foreach (var (from, to) in jobs)
            {
                using var image = ImageFiles.Load(from);
                using var translated = runner.Translate(image);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
                // Written aside and moved into place: an interrupted run leaves an existing picture whole, not truncated. Not
                // synced to the disk (10 ms an image here): after a crash, running translate again makes any picture again.
                Training.AtomicFile.Write(to, partial => translated.SaveAsPng(partial), durable: false);
                output.WriteLine($"{from} -> {to}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Pairs each input with its output path; refuses anything that would overwrite an input.</summary>
    public static IReadOnlyList<(string From, string To)> Plan(string input, string output)
    {
        if (Directory.Exists(input))
        {
            if (File.Exists(output)) throw new UserInputException($"--input is a folder, so --output must be a folder too, but {output} is a file");
            var files = ImageFiles.In(input);
            if (files.Count == 0) throw new UserInputException($"no images in {input}");
            var jobs = files.Select(f => (f, Path.Combine(output, Path.GetFileNameWithoutExtension(f) + ".png"))).ToArray();
            if (jobs.Any(j => SamePath(j.f, j.Item2))) throw new UserInputException("--output would overwrite the input images; choose another folder");
            if (jobs.GroupBy(j => Path.GetFullPath(j.Item2)).FirstOrDefault(g => g.Count() > 1) is { } clash)
            {
                throw new UserInputException($"{string.Join(" and ", clash.Select(j => Path.GetFileName(j.f)))} would both be written to {clash.Key}; rename one of them");
            }

            return jobs;
        }

        if (!File.Exists(input)) throw new UserInputException($"--input not found: {input}");
        var to = Directory.Exists(output) ? Path.Combine(output, Path.GetFileNameWithoutExtension(input) + ".png") : output;
        if (!to.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) throw new UserInputException($"--output {output} must be a .png file or an existing folder");
        if (SamePath(input, to)) throw new UserInputException("--output would overwrite the input image; choose another path");
        return [(input, to)];
    }

    private static bool SamePath(string a, string b) => Path.GetFullPath(a) == Path.GetFullPath(b);
}
