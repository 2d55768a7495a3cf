using System.CommandLine;
using System.Runtime.InteropServices;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>`train`: the paper's training on aligned A|B pairs, with checkpoints, samples and loss curves in the run folder.</summary>
internal static class TrainCommand
{
    /// <summary>The exit code of a run stopped by a signal: 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("train", "Train pix2pix on DATAROOT/train (A|B pairs)");
        var run = new RunArguments(command, withEpoch: false);
        var network = new NetworkArguments(command);
        var data = new DataArguments(command);
        var train = new TrainArguments(command);
        var reference = new ReferenceArguments(command);
        var phase = new Option<string>("--phase") { Description = "which folder of DATAROOT to train on", DefaultValueFactory = _ => "train" };
        var poolSize = new Option<int>("--pool_size") { Description = "the reference's pool of generated images for D: 0, as pix2pix trains (D sees the newest fakes); above 0, D sees fakes drawn from a history of that many", DefaultValueFactory = _ => 0 };
        var noHtml = new Option<bool>("--no_html") { Description = "do not write web/index.html (the per-epoch samples page)" };
        var saveByIter = new Option<bool>("--save_by_iter") { Description = "accepted and ignored: 'latest' is saved every --save_latest_freq images (no iteration checkpoints here)" };
        foreach (var option in new Option[] { phase, poolSize, noHtml, saveByIter }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var device = reference.Check(result, output);
            ReferenceArguments.NoticeIgnored(result, output, [saveByIter], "no iteration checkpoints are kept here: 'latest' is saved every --save_latest_freq images, epochs every --save_epoch_freq");
            if (result.GetValue(poolSize) < 0) throw new UserInputException($"--pool_size {result.GetValue(poolSize)}: the pool holds 0 or more images");
            var trainOptions = train.Bind(result, run.Name(result), run.CheckpointsDir(result)) with { WebPage = !result.GetValue(noHtml), PoolSize = result.GetValue(poolSize) };
            var networkOptions = network.Bind(result);
            var dataOptions = data.Bind(result, result.GetValue(phase)!);
            // A resumed run goes on in the direction it was trained in unless --direction says otherwise (and the trainer
            // refuses a different one).
            if (trainOptions.ContinueTrain && !data.DirectionGiven(result) && File.Exists(RunRecord.PathIn(trainOptions.RunDirectory))
                && RunRecord.Load(trainOptions.RunDirectory).Data is { } trained)
            {
                dataOptions = dataOptions with { Direction = trained.Direction };
            }

            CheckCrop(networkOptions, dataOptions, trainOptions);
            if (reference.Verbose(result)) SummaryCommand.WriteSizes(networkOptions, output).Dispose();
            var trainer = new Trainer(networkOptions, dataOptions, trainOptions, output, interactive: !Console.IsOutputRedirected && output == Console.Out, device);
            // Ctrl+C (SIGINT) or SIGTERM (docker stop, a Kubernetes Job deleted): finish the current step, save it as
            // 'latest', and exit with the shell's code for an interrupted command.
            using var cancellation = new CancellationTokenSource();
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                cancellation.Cancel();
            }

            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            var outcome = trainer.Run(cancellation.Token);
            output.WriteLine($"trained {outcome.Steps} steps at {outcome.ImagesPerSecond:F2} img/s; last complete epoch {outcome.LastCompletedEpoch}");
            return cancellation.IsCancellationRequested && outcome.Interrupted ? Interrupted : 0;
        });
        return command;
    }

    // A crop the networks cannot take, refused before anything is built. Whatever --preprocess does, the run is tested and
    // exported at its crop size, so the generator must take it; the discriminator must take it where training crops.
    private static void CheckCrop(Options.NetworkOptions network, Options.DataOptions data, Options.TrainOptions train)
    {
        if (!network.TakesSide(data.CropSize))
        {
            throw new UserInputException($"--crop_size {data.CropSize}: {network.NetG} takes sides that are {network.SideRule} (the run is tested and exported at its crop size)");
        }

        if (data.Preprocess is not (Options.Preprocess.ResizeAndCrop or Options.Preprocess.Crop or Options.Preprocess.ScaleWidthAndCrop)) return;
        if (train.GanMode != Options.GanMode.None) network.CheckDiscriminatorTakes(data.CropSize);
    }
}
