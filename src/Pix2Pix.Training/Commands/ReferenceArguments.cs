using System.CommandLine;
using System.CommandLine.Parsing;
using Pix2Pix.Training.Training;

namespace Pix2Pix.Training.Commands;

/// <summary>
/// The reference's options that say which implementation, device and display to use (--model, --dataset_mode,
/// --gpu_ids, --num_threads, visdom's --display_*, ...): accepted as they are, so its command lines run here. What
/// they choose must be what this implementation is (pix2pix, aligned); --gpu_ids chooses the device; what cannot mean
/// anything here is named once in a notice and ignored.
/// </summary>
internal sealed class ReferenceArguments
{
    private static readonly string[] DisplayOptions =
        ["--display_id", "--display_server", "--display_env", "--display_port", "--display_winsize", "--display_ncols",
         "--display_freq", "--update_html_freq", "--wandb_project_name"];

    private readonly Option<string> model = new("--model") { Description = "the reference's model: pix2pix (the only one here)", DefaultValueFactory = _ => "pix2pix" };
    private readonly Option<string> datasetMode = new("--dataset_mode") { Description = "the reference's dataset: aligned (A|B files; the only one here)", DefaultValueFactory = _ => "aligned" };
    private readonly Option<string> gpuIds = new("--gpu_ids") { Description = "the reference's device: -1 the CPU, 0 the first CUDA GPU (one GPU at a time)", DefaultValueFactory = _ => "-1" };
    private readonly Option<int> numThreads = new("--num_threads") { Description = "the reference's data-loading workers: accepted and ignored (data loads between steps here; LibTorch's threads follow OMP_NUM_THREADS)" };
    private readonly Option<int> loadIter = new("--load_iter") { Description = "the reference's iteration checkpoints: only 0 (checkpoints here are per epoch and 'latest')", DefaultValueFactory = _ => 0 };
    private readonly Option<bool> verbose = new("--verbose") { Description = "print the networks' sizes before starting" };
    private readonly Option<bool> useWandb = new("--use_wandb") { Description = "accepted and ignored (no Weights & Biases here)" };
    private readonly List<Option> display = [];

    public ReferenceArguments(Command command)
    {
        model.AcceptOnlyFromAmong("pix2pix");
        datasetMode.AcceptOnlyFromAmong("aligned");
        foreach (var option in new Option[] { model, datasetMode, gpuIds, numThreads, loadIter, verbose, useWandb }) command.Options.Add(option);
        foreach (var name in DisplayOptions)
        {
            var option = new Option<string>(name) { Description = "visdom/HTML display: accepted and ignored", Hidden = true };
            display.Add(option);
            command.Options.Add(option);
        }
    }

    public bool Verbose(ParseResult result) => result.GetValue(verbose);

    /// <summary>Refuses what this implementation is not; one notice line for what it ignores; the device --gpu_ids chose.</summary>
    public DeviceContext Check(ParseResult result, TextWriter output)
    {
        var device = DeviceContext.FromGpuIds(result.GetValue(gpuIds)!);
        if (result.GetValue(loadIter) != 0) throw new UserInputException("--load_iter: no iteration checkpoints are kept here; choose a checkpoint with --epoch (a number or latest)");
        NoticeIgnored(result, output, display.Append(useWandb).Append(numThreads), "the reference's display, logging and loader settings mean nothing here");
        return device;
    }

    /// <summary>One line naming those of <paramref name="options"/> the user gave, and why they change nothing.</summary>
    public static void NoticeIgnored(ParseResult result, TextWriter output, IEnumerable<Option> options, string why)
    {
        var given = options.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
        if (given.Length > 0) output.WriteLine($"ignored: {string.Join(", ", given)} ({why})");
    }
}
