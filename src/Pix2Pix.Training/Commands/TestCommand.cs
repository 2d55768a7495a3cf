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
        var eval = new Option<bool>("--eval") { Description = "the reference's eval mode: batch norm's running averages, no dropout (same as --norm_at_test running)" };
        var aspectRatio = new Option<double>("--aspect_ratio") { Description = "save images this much wider (above 1) or taller (below 1)", DefaultValueFactory = _ => 1.0 };
        var maxDatasetSize = new Option<int>("--max_dataset_size") { Description = "translate at most this many images (as --num_test)", DefaultValueFactory = _ => int.MaxValue };
        var network = new TrainedNetworkArguments(command);
        // The reference resizes and crops test images as in training; here every image is translated whole, as the service
        // does: fitted into the run's crop size with its aspect kept, translated there, and scaled back to its own size.
        var sizing = new Option[] { new Option<int>("--load_size"), new Option<int>("--crop_size"), new Option<string>("--preprocess") };
        foreach (var option in sizing) option.Description = "accepted and ignored: each image is translated whole, fitted into the run's crop size (aspect kept) and scaled back to its own size";
        // The reference's test.py sets these itself: one image at a time, in order, unflipped; as here.
        var loading = new Option[] { new Option<int>("--batch_size"), new Option<bool>("--serial_batches"), new Option<bool>("--no_flip") };
        foreach (var option in loading) option.Description = "accepted and ignored: test translates one image at a time, in order, unflipped (as the reference's test.py)";
        // Base options of the reference that test.py accepts too: a trained run's weights are loaded, not initialised.
        var initialisation = new Option[] { new Option<string>("--init_type"), new Option<double>("--init_gain") };
        foreach (var option in initialisation) option.Description = "accepted and ignored: test loads the run's weights";
        var reference = new ReferenceArguments(command);
        direction.AcceptOnlyFromAmong("AtoB", "BtoA");
        foreach (var option in (Option[])[dataroot, phase, direction, resultsDir, numTest, maxDatasetSize, eval, aspectRatio, .. sizing, .. loading, .. initialisation]) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var device = reference.Check(result, output);
            if (result.GetValue(eval) && run.NormalizationAtTestGiven(result) && run.NormalizationAtTest(result) != Contracts.NormalizationAtTest.Running)
            {
                throw new UserInputException("--eval uses batch norm's running averages; drop --norm_at_test image or --eval");
            }

            if (!(result.GetValue(aspectRatio) > 0)) throw new UserInputException("--aspect_ratio must be positive");
            if (result.GetValue(numTest) < 1 || result.GetValue(maxDatasetSize) < 1) throw new UserInputException("--num_test and --max_dataset_size must be at least 1");
            ReferenceArguments.NoticeIgnored(result, output, sizing, "test translates each image whole, fitted into the run's crop size with its aspect kept, and gives it back at its own size");
            ReferenceArguments.NoticeIgnored(result, output, loading, "test translates one image at a time, in order, unflipped, as the reference's test.py does");
            ReferenceArguments.NoticeIgnored(result, output, initialisation, "test loads the run's weights");
            var (record, runner) = run.OpenGenerator(result, result.GetValue(eval) ? Contracts.NormalizationAtTest.Running : null, device);
            using var _ = runner;
            network.Check(result, record);
            var label = run.Epoch(result);
            var chosen = result.GetValue(direction);
            var trained = record.Data?.Direction ?? Direction.AtoB;
            var used = chosen is null ? trained : chosen == "BtoA" ? Direction.BtoA : Direction.AtoB;
            var swap = used == Direction.BtoA;
            var files = ImageFiles.InSplit(result.GetValue(dataroot)!, result.GetValue(phase)!).Take(Math.Min(result.GetValue(numTest), result.GetValue(maxDatasetSize))).ToArray();
            // A direction other than the trained one writes beside the usual results, never over them.
            var target = Path.Combine(result.GetValue(resultsDir)!, run.Name(result), $"{result.GetValue(phase)}_{label}{(used == trained ? "" : "_" + used)}");
            TestRun.Write(runner, files, swap, target, $"{run.Name(result)}: {result.GetValue(phase)} at epoch {label}", aspectRatio: result.GetValue(aspectRatio));
            output.WriteLine($"translated {Counted.Of(files.Length, "image")} into {Path.Combine(target, "index.html")}");
            return 0;
        });
        return command;
    }
}
