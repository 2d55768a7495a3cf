using System.CommandLine;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>`train`: the paper's training on aligned A|B pairs, with checkpoints, samples and loss curves in the run folder.</summary>
internal static class TrainCommand
{
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
            using var cancellation = new CancellationTokenSource();
            ConsoleCancelEventHandler stop = (_, e) =>
            {
                e.Cancel = true;
                cancellation.Cancel();
            };
            Console.CancelKeyPress += stop;
            try
            {
                var outcome = trainer.Run(cancellation.Token);
                output.WriteLine($"trained {outcome.Steps} steps at {outcome.ImagesPerSecond:F2} img/s; last complete epoch {outcome.LastCompletedEpoch}");
                return 0;
            }
            finally
            {
                Console.CancelKeyPress -= stop;
            }
        });
        return command;
    }
}
