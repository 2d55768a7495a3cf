using System.Text.Json;
using System.Text.Json.Serialization;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Training.Training;

/// <summary>What a run was started with (the reference's train_opt.txt), saved beside its checkpoints as JSON.</summary>
public sealed record RunRecord(NetworkOptions Network, DataOptions? Data, TrainOptions? Train, string Dataset)
{
    public const string FileName = "train_options.json";

    /// <summary>The pairs the training split held when the run last started (null in runs recorded before it was kept).</summary>
    public int? Pairs { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// The side test, translate, evaluate and export work at: the crop the run trained at. A run recorded with one its
    /// generator cannot take (trained before train checked it) is refused in one line, not inside the network.
    /// </summary>
    public int WorkingSize()
    {
        var size = Data?.CropSize ?? Network.MinimumSide;
        if (!Network.TakesSide(size))
        {
            throw new UserInputException($"the run's --crop_size {size}, at which it is tested and exported, is not a side {Network.NetG} takes ({Network.SideRule}); "
                + (Train is null ? "import it again with --crop_size" : $"set \"crop_size\" in {PathIn("RUN")} to one it takes"));
        }

        return size;
    }

    public static string PathIn(string runDirectory) => System.IO.Path.Combine(runDirectory, FileName);

    public void Save(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        AtomicFile.WriteAllText(PathIn(runDirectory), JsonSerializer.Serialize(this, Json));
    }

    public static RunRecord Load(string runDirectory)
    {
        var path = PathIn(runDirectory);
        if (!File.Exists(path))
        {
            throw new UserInputException(Directory.Exists(runDirectory)
                ? $"{runDirectory} holds no {FileName}; it is not a run of this tool (import reference checkpoints with 'import')"
                : $"no run found at {runDirectory} (check --checkpoints_dir and --name)");
        }

        try
        {
            return JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), Json)
                ?? throw new UserInputException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path} is not a valid run record: {e.Message}", e);
        }
    }
}
