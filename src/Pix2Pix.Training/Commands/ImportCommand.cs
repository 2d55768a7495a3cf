using System.CommandLine;
using Pix2Pix.Training.Export;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>`import`: the reference's latest_net_G.pth as a run folder that `export`, `translate` and `test` take.</summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("import", "Import a generator trained by the reference PyTorch implementation (latest_net_G.pth)");
        var pth = new Option<string>("--pth") { Description = "the reference's generator state dict", Required = true };
        var target = new Option<string>("--output") { Description = "run folder to create (use its parent as --checkpoints_dir and its name as --name)", Required = true };
        var direction = new Option<string>("--direction") { Description = "AtoB | BtoA, as the model was trained", DefaultValueFactory = _ => "AtoB" };
        var cropSize = new Option<int?>("--crop_size") { Description = "the size it was trained at (default: 128 for unet_128, else 256, the reference's)" };
        direction.AcceptOnlyFromAmong("AtoB", "BtoA");
        var network = new NetworkArguments(command, withDiscriminator: false);
        foreach (var option in new System.CommandLine.Option[] { pth, target, direction, cropSize }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var options = network.Bind(result);
            var runDirectory = result.GetValue(target)!;
            if (File.Exists(RunRecord.PathIn(runDirectory))) throw new UserInputException($"{runDirectory} already holds a run; choose a new folder");
            var path = result.GetValue(pth)!;
            if (result.GetValue(cropSize) is { } crop && !options.TakesSide(crop))
            {
                throw new UserInputException($"--crop_size {crop}: {options.NetG} translates images whose side is {options.SideRule}");
            }

            using var generator = ReferenceImport.Load(path, options);
            var data = new Options.DataOptions
            {
                Dataroot = "",
                Direction = result.GetValue(direction) == "BtoA" ? Options.Direction.BtoA : Options.Direction.AtoB,
                CropSize = result.GetValue(cropSize) ?? (options.NetG == "unet_128" ? 128 : 256),
            };
            Directory.CreateDirectory(runDirectory);
            var store = new CheckpointStore(runDirectory);
            AtomicFile.Write(store.GeneratorPath(CheckpointStore.Latest), p => generator.save(p));
            new RunRecord(options, data, null, Path.GetFileNameWithoutExtension(path)).Save(runDirectory);
            output.WriteLine($"imported {path} into {runDirectory} ({Models.Networks.CountParameters(generator):N0} generator parameters)");
            return 0;
        });
        return command;
    }
}
