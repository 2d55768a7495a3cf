using System.Text.Json;
using Pix2Pix.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The checkpoints of one run: per label ("latest" or an epoch number) the generator, the discriminator,
/// both optimisers, the RNG state and the training state, each written atomically.
/// </summary>
public sealed class CheckpointStore(string runDirectory)
{
    public const string Latest = "latest";

    public string RunDirectory => runDirectory;

    public string GeneratorPath(string label) => Path.Combine(runDirectory, $"{label}_net_G.dat");

    private string FilePath(string label, string part) => Path.Combine(runDirectory, $"{label}_{part}");

    public bool Has(string label) => File.Exists(FilePath(label, "state.json"));

    public void Save(string label, Pix2PixModel model, TrainingState state)
    {
        Directory.CreateDirectory(runDirectory);
        AtomicFile.Write(GeneratorPath(label), p => model.Generator.save(p));
        AtomicFile.Write(FilePath(label, "net_D.dat"), p => model.Discriminator.save(p));
        AtomicFile.Write(FilePath(label, "optimizer_G.dat"), p => model.OptimizerG.save_state_dict(p));
        AtomicFile.Write(FilePath(label, "optimizer_D.dat"), p => model.OptimizerD.save_state_dict(p));
        using (var rng = get_rng_state()) AtomicFile.Write(FilePath(label, "rng.dat"), p => File.WriteAllBytes(p, rng.data<byte>().ToArray()));
        SavePool(label, model.Pool);
        // The state file goes last: its presence says the label is complete.
        AtomicFile.WriteAllText(FilePath(label, "state.json"), JsonSerializer.Serialize(state, RunRecord.Json));
    }

    /// <summary>The epoch a checkpoint was saved at: a number label is its own; "latest" is read from its state ("7", or
    /// "7 + 1200 steps" when saved inside epoch 8; kept as "latest" for an imported run, which has none).</summary>
    public string EpochOf(string label) => label == Latest && Has(label) ? State(label).Describe() : label;

    /// <summary>Restores everything <see cref="Save"/> wrote, so training continues as if never stopped.</summary>
    public TrainingState Restore(string label, Pix2PixModel model)
    {
        if (!Has(label)) throw new UserInputException($"no '{label}' checkpoint in {runDirectory} to continue from");
        var state = State(label);
        LoadWeights(model.Generator, GeneratorPath(label), "generator");
        LoadWeights(model.Discriminator, FilePath(label, "net_D.dat"), "discriminator");
        model.OptimizerG.load_state_dict(FilePath(label, "optimizer_G.dat"));
        model.OptimizerD.load_state_dict(FilePath(label, "optimizer_D.dat"));
        using (var rng = tensor(File.ReadAllBytes(FilePath(label, "rng.dat")), dtype: ScalarType.Byte)) set_rng_state(rng);
        RestorePool(FilePath(label, "pool.dat"), model);
        return state;
    }

    // The image pool's fakes (a count, then each image), so a resumed run shows D what an uninterrupted one would; no file
    // while the pool is empty.
    private void SavePool(string label, ImagePool pool)
    {
        var path = FilePath(label, "pool.dat");
        if (pool.Images.Count == 0)
        {
            File.Delete(path);
            return;
        }

        AtomicFile.Write(path, p =>
        {
            using var writer = new BinaryWriter(File.Create(p));
            writer.Write(pool.Images.Count);
            foreach (var image in pool.Images) image.Save(writer);
        });
    }

    private static void RestorePool(string path, Pix2PixModel model)
    {
        var saved = new List<Tensor>();
        try
        {
            if (File.Exists(path))
            {
                using var reader = new BinaryReader(File.OpenRead(path));
                for (var count = reader.ReadInt32(); count > 0; count--)
                {
                    var image = Tensor.Load(reader);
                    var placed = model.Device.Put(image);
                    if (!ReferenceEquals(placed, image)) image.Dispose();
                    saved.Add(placed);
                }
            }

            model.Pool.Restore(saved);
        }
        finally
        {
            foreach (var image in saved) image.Dispose();
        }
    }

    private TrainingState State(string label) =>
        JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(FilePath(label, "state.json")), RunRecord.Json)!;

    /// <summary>Loads a generator's weights, saying which checkpoint does not fit which architecture instead of dumping keys.</summary>
    public static void LoadWeights(nn.Module module, string path, string what)
    {
        if (!File.Exists(path)) throw new UserInputException($"{what} checkpoint not found: {path}");
        try
        {
            module.load(path, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException or FormatException)
        {
            throw new UserInputException($"{path} does not fit this {what}'s architecture ({FirstLine(e.Message)})", e);
        }
    }

    public GeneratorNetwork LoadGenerator(RunRecord run, string label)
    {
        var generator = Networks.CreateGenerator(run.Network, initialise: false);
        LoadWeights(generator, GeneratorPath(label), "generator");
        return generator;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
