using System.CommandLine;
using Pix2Pix.Contracts;

namespace Pix2Pix.Training.Commands;

/// <summary>Which run and which of its checkpoints (--checkpoints_dir, --name, --epoch), and test-time batch norm.</summary>
internal sealed class RunArguments
{
    private readonly Option<string> name;
    private readonly Option<string> checkpointsDir = new("--checkpoints_dir") { Description = "where runs are saved", DefaultValueFactory = _ => "checkpoints" };
    private readonly Option<string>? epoch;
    private readonly Option<string>? normAtTest;

    public RunArguments(Command command, bool withEpoch = true, bool nameRequired = true)
    {
        name = new Option<string>("--name") { Description = "name of the experiment (its folder under --checkpoints_dir)", Required = nameRequired };
        command.Options.Add(name);
        command.Options.Add(checkpointsDir);
        if (!withEpoch) return;
        epoch = new Option<string>("--epoch") { Description = "which checkpoint: latest or an epoch number", DefaultValueFactory = _ => "latest" };
        normAtTest = new Option<string>("--norm_at_test")
        {
            Description = "batch norm at test time: image (the paper: each image's own statistics) | running (running averages)",
            DefaultValueFactory = _ => "image",
        };
        normAtTest.AcceptOnlyFromAmong("image", "running");
        command.Options.Add(epoch);
        command.Options.Add(normAtTest);
    }

    public string Name(ParseResult result) => result.GetValue(name) ?? throw new UserInputException("--name is required");

    public bool HasName(ParseResult result) => result.GetValue(name) is not null;

    public string CheckpointsDir(ParseResult result) => result.GetValue(checkpointsDir)!;

    public string RunDirectory(ParseResult result) => Path.Combine(CheckpointsDir(result), Name(result));

    public string Epoch(ParseResult result)
    {
        var label = epoch is null ? "latest" : result.GetValue(epoch)!;
        if (label != "latest" && !(int.TryParse(label, out var n) && n > 0)) throw new UserInputException($"--epoch must be 'latest' or a positive epoch number, not '{label}'");
        return label;
    }

    /// <summary>The run's record and its generator at --epoch, ready to translate with --norm_at_test.</summary>
    public (Training.RunRecord Record, Inference.GeneratorRunner Runner) OpenGenerator(ParseResult result)
    {
        var record = Training.RunRecord.Load(RunDirectory(result));
        var generator = new Training.CheckpointStore(RunDirectory(result)).LoadGenerator(record, Epoch(result));
        return (record, new Inference.GeneratorRunner(generator, record.Network.InputNc, record.Data?.CropSize ?? record.Network.SizeMultiple, NormalizationAtTest(result)));
    }

    public NormalizationAtTest NormalizationAtTest(ParseResult result) =>
        normAtTest is not null && result.GetValue(normAtTest) == "running" ? Contracts.NormalizationAtTest.Running : Contracts.NormalizationAtTest.Image;
}
