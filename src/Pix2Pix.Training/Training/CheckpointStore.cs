using System.Text.Json;
using Pix2Pix.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// The checkpoints of one run: per label ("latest" or an epoch number) the generator, the discriminator, both optimisers,
/// the RNG state, the image pool and the training state. A label is saved in two phases, so that a kill at any moment
/// leaves either the previous label whole or the new one whole, never a mix: every part is first written beside its
/// file as PART.staged, then the state, written aside and renamed, marks the new label complete; only then do the parts
/// replace their files, the state last. The next save or resume finishes an interrupted replacement (the staged state is
/// there) or discards an interrupted write (it is not).
/// </summary>
public sealed class CheckpointStore(string runDirectory)
{
    public const string Latest = "latest";

    /// <summary>Beside a part's file, the new version of it while a save is in progress.</summary>
    public const string StagedSuffix = ".staged";

    private static readonly string[] Parts = ["net_G.dat", "net_D.dat", "optimizer_G.dat", "optimizer_D.dat", "rng.dat", "pool.dat"];
    private const string StatePart = "state.json";

    public string RunDirectory => runDirectory;

    public string GeneratorPath(string label) => Path.Combine(runDirectory, $"{label}_net_G.dat");

    private string FilePath(string label, string part) => Path.Combine(runDirectory, $"{label}_{part}");

    private string StagedPath(string label, string part) => FilePath(label, part) + StagedSuffix;

    public bool Has(string label) => File.Exists(FilePath(label, StatePart)) || File.Exists(StagedPath(label, StatePart));

    public void Save(string label, Pix2PixModel model, TrainingState state)
    {
        if (!model.IsFinite())
        {
            throw new TrainingDivergedException($"the weights stopped being numbers (NaN or infinite) by step {state.Step}, so '{label}' was not saved over and the checkpoints in {runDirectory} are as they were; train again from one of them with a lower --lr, or with --no_fast_step");
        }

        Directory.CreateDirectory(runDirectory);
        Settle(label);
        Stage(label, "net_G.dat", p => model.Generator.save(p));
        Stage(label, "net_D.dat", p => model.Discriminator.save(p));
        Stage(label, "optimizer_G.dat", p => model.OptimizerG.save_state_dict(p));
        Stage(label, "optimizer_D.dat", p => model.OptimizerD.save_state_dict(p));
        using (var rng = get_rng_state()) Stage(label, "rng.dat", p => File.WriteAllBytes(p, rng.data<byte>().ToArray()));
        Stage(label, "pool.dat", p => WritePool(p, model.Pool));
        // The commit point: the staged state appears whole (written aside, then renamed), after every other part is on the
        // disk with its name.
        DurableFile.SyncDirectory(runDirectory);
        AtomicFile.WriteAllText(StagedPath(label, StatePart), JsonSerializer.Serialize(state, RunRecord.Json));
        Settle(label);
    }

    private void Stage(string label, string part, Action<string> write)
    {
        write(StagedPath(label, part));
        DurableFile.Sync(StagedPath(label, part));
    }

    /// <summary>
    /// Brings <paramref name="label"/> to a whole version after an interrupted save: with the staged state present, the
    /// staged parts replace their files and the state goes last (a replacement interrupted again is finished next time);
    /// without it, the staged parts are an unfinished write and are deleted, leaving the previous version as it was.
    /// Only the run's trainer calls this, from <see cref="Save"/> and <see cref="Restore"/>.
    /// </summary>
    private void Settle(string label)
    {
        if (!Directory.Exists(runDirectory)) return;
        var state = StagedPath(label, StatePart);
        if (File.Exists(state))
        {
            foreach (var part in Parts)
            {
                if (File.Exists(StagedPath(label, part))) File.Move(StagedPath(label, part), FilePath(label, part), overwrite: true);
            }

            File.Move(state, FilePath(label, StatePart), overwrite: true);
            DurableFile.SyncDirectory(runDirectory);
            return;
        }

        foreach (var part in Parts.Append(StatePart))
        {
            File.Delete(StagedPath(label, part));
            File.Delete(StagedPath(label, part) + AtomicFile.TemporarySuffix);
        }
    }

    /// <summary>The epoch a checkpoint was saved at: a number label is its own; "latest" is read from its state ("7", or
    /// "7 + 1200 steps" when saved inside epoch 8; kept as "latest" for an imported run, which has none).</summary>
    public string EpochOf(string label) => label == Latest && Has(label) ? State(label).Describe() : label;

    /// <summary>Restores everything <see cref="Save"/> wrote, so training continues as if never stopped.</summary>
    public TrainingState Restore(string label, Pix2PixModel model)
    {
        if (!Has(label)) throw new UserInputException($"no '{label}' checkpoint in {runDirectory} to continue from");
        Settle(label);
        var state = State(label);
        LoadWeights(model.Generator, GeneratorPath(label), "generator");
        LoadWeights(model.Discriminator, FilePath(label, "net_D.dat"), "discriminator");
        model.OptimizerG.load_state_dict(FilePath(label, "optimizer_G.dat"));
        model.OptimizerD.load_state_dict(FilePath(label, "optimizer_D.dat"));
        using (var rng = tensor(File.ReadAllBytes(FilePath(label, "rng.dat")), dtype: ScalarType.Byte)) set_rng_state(rng);
        RestorePool(FilePath(label, "pool.dat"), model);
        return state;
    }

    // The image pool's fakes (a count, then each image), so a resumed run shows D what an uninterrupted one would; a count
    // of 0 while the pool is empty.
    private static void WritePool(string path, ImagePool pool)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(pool.Images.Count);
        foreach (var image in pool.Images) image.Save(writer);
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

    private TrainingState State(string label)
    {
        var path = FilePath(label, StatePart);
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), RunRecord.Json) ?? throw new JsonException("it holds null");
        }
        catch (JsonException e)
        {
            throw new UserInputException($"{path} is not a training state this program wrote ({e.Message.Split('\n')[0]})", e);
        }
    }

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
