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
        CommandAction.Set(command, error, result =>
        {
            var trainOptions = train.Bind(result, run.Name(result), run.CheckpointsDir(result));
            var trainer = new Trainer(network.Bind(result), data.Bind(result, "train"), trainOptions, output, interactive: !Console.IsOutputRedirected && output == Console.Out);
            // Ctrl+C (SIGINT) or SIGTERM (docker stop, a Kubernetes Job deleted): finish the current step, keep the last
            // complete epoch, and exit with the shell's code for an interrupted command.
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
}
