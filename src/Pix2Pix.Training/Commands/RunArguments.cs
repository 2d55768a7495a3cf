using System.CommandLine;
using Pix2Pix.Contracts;

namespace Pix2Pix.Training.Commands;

/// <summary>Which run and which of its checkpoints (--checkpoints_dir, --name, --epoch), and test-time batch norm.</summary>
internal sealed class RunArguments
{
    private readonly Option<string> name;
    private readonly Option<string> checkpointsDir = new("--checkpoints_dir") { Description = "where runs are saved", DefaultValueFactory = _ => "checkpoints" };
    private readonly Option<string> suffix = new("--suffix") { Description = "appended to --name as _SUFFIX, with {option} replaced by its value (e.g. {netG}_size{load_size})", DefaultValueFactory = _ => "" };
    private readonly Command command;
    private readonly Option<string>? epoch;
    private readonly Option<string>? normAtTest;

    public RunArguments(Command command, bool withEpoch = true, bool nameRequired = true)
    {
        name = new Option<string>("--name") { Description = "name of the experiment (its folder under --checkpoints_dir)", Required = nameRequired };
        command.Options.Add(name);
        command.Options.Add(checkpointsDir);
        command.Options.Add(suffix);
        this.command = command;
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

    /// <summary>--name, and the reference's --suffix after it: "_" + the suffix with each {option} replaced by its value.</summary>
    public string Name(ParseResult result)
    {
        var given = result.GetValue(name) ?? throw new UserInputException("--name is required");
        var format = result.GetValue(suffix)!;
        return format.Length == 0 ? given : given + "_" + System.Text.RegularExpressions.Regex.Replace(format, @"\{(\w+)\}", m => ValueOf(result, m.Groups[1].Value));
    }

    private string ValueOf(ParseResult result, string key)
    {
        var option = command.Options.FirstOrDefault(o => o.Name == "--" + key) ?? throw new UserInputException($"--suffix names {{{key}}}, which is not an option of '{command.Name}'");
        var given = result.GetResult(option);
        if (given is { Implicit: false }) return given.Tokens.Count == 0 ? "True" : string.Join(",", given.Tokens.Select(t => t.Value));
        if (option.HasDefaultValue) return option.GetDefaultValue() switch { bool b => b ? "True" : "False", { } v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!, _ => "" };
        return ReferenceDefaults.GetValueOrDefault(key, "False");
    }

    // What the reference's options hold when not given, for the options that have no default here (test's architecture
    // and sizing options, which default to the run's own): the options' defaults, which are the reference's pix2pix's,
    // and test.py's load_size = crop_size.
    private static readonly Dictionary<string, string> ReferenceDefaults = Defaults(new Options.NetworkOptions(), new Options.DataOptions { Dataroot = "" });

    private static Dictionary<string, string> Defaults(Options.NetworkOptions network, Options.DataOptions data)
    {
        static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new()
        {
            ["netG"] = network.NetG, ["netD"] = network.NetD, ["ngf"] = Text(network.Ngf), ["ndf"] = Text(network.Ndf),
            ["n_layers_D"] = Text(network.NLayersD), ["norm"] = network.Norm.ToString().ToLowerInvariant(), ["input_nc"] = Text(network.InputNc),
            ["output_nc"] = Text(network.OutputNc), ["unnormalised_levels"] = Text(network.UnnormalisedLevels), ["direction"] = data.Direction.ToString(), ["preprocess"] = Options.DataOptions.Name(data.Preprocess),
            ["load_size"] = Text(data.CropSize), ["crop_size"] = Text(data.CropSize),
        };
    }

    public bool HasName(ParseResult result) => result.GetValue(name) is not null;

    public string CheckpointsDir(ParseResult result) => result.GetValue(checkpointsDir)!;

    public string RunDirectory(ParseResult result) => Path.Combine(CheckpointsDir(result), Name(result));

    public string Epoch(ParseResult result) => CheckpointLabel(epoch is null ? "latest" : result.GetValue(epoch)!);

    /// <summary>An --epoch value as a checkpoint's label: "latest" or a positive epoch number.</summary>
    public static string CheckpointLabel(string label) =>
        label == "latest" || (int.TryParse(label, out var n) && n > 0) ? label : throw new UserInputException($"--epoch must be 'latest' or a positive epoch number, not '{label}'");

    /// <summary>The run's record and its generator at --epoch, ready to translate with --norm_at_test.</summary>
    public (Training.RunRecord Record, Inference.GeneratorRunner Runner) OpenGenerator(ParseResult result, NormalizationAtTest? normalisation = null, Training.DeviceContext? device = null)
    {
        var record = Training.RunRecord.Load(RunDirectory(result));
        var generator = new Training.CheckpointStore(RunDirectory(result)).LoadGenerator(record, Epoch(result));
        return (record, new Inference.GeneratorRunner(generator, record.Network.InputNc, record.WorkingSize(), normalisation ?? NormalizationAtTest(result), device));
    }

    public bool NormalizationAtTestGiven(ParseResult result) => normAtTest is not null && result.GetResult(normAtTest) is { Implicit: false };

    public NormalizationAtTest NormalizationAtTest(ParseResult result) =>
        normAtTest is not null && result.GetValue(normAtTest) == "running" ? Contracts.NormalizationAtTest.Running : Contracts.NormalizationAtTest.Image;
}
