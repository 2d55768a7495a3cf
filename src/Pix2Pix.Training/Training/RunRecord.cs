using System.Text.Json;
using System.Text.Json.Serialization;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Training.Training;

/// <summary>What a run was started with (the reference's train_opt.txt), saved beside its checkpoints as JSON.</summary>
public sealed record RunRecord(NetworkOptions Network, DataOptions? Data, TrainOptions? Train, string Dataset)
{
    public const string FileName = "train_options.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

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
