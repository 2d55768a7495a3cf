using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

/// <summary>Runs that are killed while saving, resumed with other options, or trained twice at once.</summary>
public class CheckpointTests
{
    private static readonly NetworkOptions Small = new() { NetG = "unet_128", Ngf = 8, Ndf = 8 };

    [Fact]
    public void Files_and_folders_are_synced_to_the_disk_and_a_folder_that_cannot_be_is_named()
    {
        using var temp = new TempFolder();
        var file = temp["run/state.json"];
        Directory.CreateDirectory(temp["run"]);

        AtomicFile.WriteAllText(file, "{}");   // written aside, synced, renamed, and the rename synced

        Assert.Equal("{}", File.ReadAllText(file));
        Assert.Empty(Directory.GetFiles(temp["run"], "*" + AtomicFile.TemporarySuffix));
        var missing = Assert.Throws<IOException>(() => DurableFile.SyncDirectory(temp["nowhere"]));
        Assert.Contains("nowhere", missing.Message);
        Assert.Contains("errno 2", missing.Message);   // ENOENT, from the C library's open
    }

    [Fact]
    public void A_save_killed_before_the_new_state_was_staged_leaves_the_previous_checkpoint_whole()
    {
        using var temp = new TempFolder();
        var (before, after) = TwoCheckpoints(temp);
        // Killed while writing: two parts of the new version are staged (one of them half written), the state is not.
        File.Copy(after.File("net_G.dat"), before.Staged("net_G.dat"));
        File.WriteAllBytes(before.Staged("net_D.dat"), File.ReadAllBytes(after.File("net_D.dat"))[..100]);

        using var model = new Pix2PixModel(Small, new TrainOptions { Name = "resumed" });
        var state = before.Store.Restore(CheckpointStore.Latest, model);

        Assert.Equal(10, state.Step);
        Assert.True(FirstWeight(model).allclose(before.FirstWeight, rtol: 0, atol: 0), "the weights are not the previous checkpoint's");
        Assert.Empty(Directory.GetFiles(before.Store.RunDirectory, "*" + CheckpointStore.StagedSuffix));
    }

    [Fact]
    public void A_save_killed_while_its_parts_replaced_the_old_ones_is_finished_when_the_run_resumes()
    {
        using var temp = new TempFolder();
        var (before, after) = TwoCheckpoints(temp);
        // Killed while replacing: the new state is staged, so every part of the new version was whole; two have replaced
        // their files, the others still wait beside theirs.
        foreach (var part in new[] { "net_G.dat", "net_D.dat" }) File.Copy(after.File(part), before.File(part), overwrite: true);
        foreach (var part in new[] { "optimizer_G.dat", "optimizer_D.dat", "rng.dat", "pool.dat", "state.json" }) File.Copy(after.File(part), before.Staged(part));

        using var model = new Pix2PixModel(Small, new TrainOptions { Name = "resumed" });
        var state = before.Store.Restore(CheckpointStore.Latest, model);

        Assert.Equal(20, state.Step);
        Assert.True(FirstWeight(model).allclose(after.FirstWeight, rtol: 0, atol: 0), "the weights are not the new checkpoint's");
        Assert.Equal(File.ReadAllBytes(after.File("optimizer_G.dat")), File.ReadAllBytes(before.File("optimizer_G.dat")));
        Assert.Empty(Directory.GetFiles(before.Store.RunDirectory, "*" + CheckpointStore.StagedSuffix));
    }

    [Fact]
    public void A_second_trainer_on_a_run_in_training_is_refused_and_the_first_one_is_not_disturbed()
    {
        using var temp = new TempFolder();
        var train = Options(temp, "busy");
        var data = Pairs(temp, 2);
        new Trainer(Small, data, train with { MaxSteps = 1 }, TextWriter.Null).Run();
        var before = Snapshot(train.RunDirectory);

        using (RunLock.Acquire(train.RunDirectory))   // what a trainer holds while it trains
        {
            var refused = Assert.Throws<UserInputException>(() => new Trainer(Small, data, train with { ContinueTrain = true }, TextWriter.Null).Run());
            Assert.Contains("being trained by another process", refused.Message);
        }

        Assert.Equal(before, Snapshot(train.RunDirectory));
        // Once the first trainer has let go, the run resumes.
        Assert.False(new Trainer(Small, data, train with { ContinueTrain = true }, TextWriter.Null).Run().Interrupted);
    }

    [Theory]
    [InlineData("--batch_size")]
    [InlineData("--seed")]
    [InlineData("--serial_batches")]
    [InlineData("--rotate")]
    public void Resuming_inside_an_epoch_with_another_data_order_is_refused_and_leaves_the_run_as_it_was(string option)
    {
        using var temp = new TempFolder();
        var train = Options(temp, "order");
        var data = Pairs(temp, 4);
        new Trainer(Small, data, train with { MaxSteps = 1 }, TextWriter.Null).Run();   // 1 of 4 steps into epoch 1
        var before = Snapshot(train.RunDirectory);
        var (changedTrain, changedData) = option switch
        {
            "--batch_size" => (train with { BatchSize = 2 }, data),
            "--seed" => (train with { Seed = 12 }, data),
            "--rotate" => (train, data with { Rotate = 10 }),
            _ => (train, data with { SerialBatches = true }),
        };

        var refused = Assert.Throws<UserInputException>(() => new Trainer(Small, changedData, changedTrain with { ContinueTrain = true }, TextWriter.Null).Run());

        Assert.Contains($"inside epoch 1: {option} was ", refused.Message);
        Assert.Equal(before, Snapshot(train.RunDirectory));
        // At an epoch's end the same change is allowed: the next epoch is drawn afresh.
        new Trainer(Small, data, train with { ContinueTrain = true, MaxSteps = 3 }, TextWriter.Null).Run();
        Assert.Equal(1, new Trainer(Small, changedData, changedTrain with { ContinueTrain = true, MaxSteps = 1 }, TextWriter.Null).Run().Steps);
    }

    [Fact]
    public void A_resumed_run_keeps_the_first_epoch_it_started_with_so_its_learning_rate_schedule_does_not_shift()
    {
        using var temp = new TempFolder();
        // The step policy counts from the first epoch (×0.1 each epoch here), as the reference's scheduler does.
        var train = Options(temp, "schedule") with { EpochCount = 3, NEpochs = 3, NEpochsDecay = 3, LrPolicy = LearningRatePolicy.Step, LrDecayIters = 1 };
        var data = Pairs(temp, 1);
        new Trainer(Small, data, train with { MaxSteps = 2 }, TextWriter.Null).Run();   // epochs 3 and 4

        // Resumed without --epoch_count (so 1): epoch 5 keeps the rate a run started at epoch 3 gives it.
        new Trainer(Small, data, train with { EpochCount = 1, ContinueTrain = true, MaxSteps = 1 }, TextWriter.Null).Run();

        var state = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(train.RunDirectory, "latest_state.json"))).RootElement;
        Assert.Equal(5, state.GetProperty("epoch").GetInt32());
        Assert.Equal(train.LearningRateAt(5), state.GetProperty("learning_rate").GetDouble(), 12);
        Assert.NotEqual(train.LearningRateAt(5), (train with { EpochCount = 1 }).LearningRateAt(5));
    }

    [Fact]
    public void Resuming_a_run_that_has_trained_every_epoch_says_there_is_nothing_to_train()
    {
        using var temp = new TempFolder();
        var train = Options(temp, "done") with { NEpochs = 1, NEpochsDecay = 0 };
        var data = Pairs(temp, 1);
        new Trainer(Small, data, train, TextWriter.Null).Run();
        using var output = new StringWriter();

        var outcome = new Trainer(Small, data, train with { ContinueTrain = true }, output).Run();

        Assert.Equal(0, outcome.Steps);
        Assert.Contains("nothing to train: ", output.ToString());
        Assert.Contains("has trained 1 epochs, --n_epochs + --n_epochs_decay is 1", output.ToString());
    }

    [Fact]
    public void A_run_whose_losses_stop_being_numbers_stops_saying_so_and_leaves_its_checkpoint_as_it_was()
    {
        using var temp = new TempFolder();
        var train = Options(temp, "diverging");
        var data = Pairs(temp, 4);
        new Trainer(Small, data, train with { MaxSteps = 1 }, TextWriter.Null).Run();
        var before = Checkpoint(train.RunDirectory);

        // Adam's first steps move each weight by about the learning rate: 1e38 takes the next forward pass out of float32.
        var diverged = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(Small, data, train with { ContinueTrain = true, Lr = 1e38, MaxSteps = 3 }, TextWriter.Null).Run());

        Assert.Contains("the losses stopped being numbers at step ", diverged.Message);
        Assert.Equal(before, Checkpoint(train.RunDirectory));
    }

    [Fact]
    public void Weights_that_are_not_numbers_are_not_saved_over_a_checkpoint()
    {
        using var temp = new TempFolder();
        using var model = new Pix2PixModel(Small, new TrainOptions { Name = "nan" });
        var store = new CheckpointStore(temp["run"]);
        store.Save(CheckpointStore.Latest, model, new TrainingState(1, 10, 0.0002, 1));
        var before = Snapshot(store.RunDirectory);
        using (no_grad()) model.Discriminator.parameters().Last().fill_(float.NaN);

        var refused = Assert.Throws<TrainingDivergedException>(() => store.Save(CheckpointStore.Latest, model, new TrainingState(1, 20, 0.0002, 1)));

        Assert.Contains("by step 20, so 'latest' was not saved over", refused.Message);
        Assert.Equal(before, Snapshot(store.RunDirectory));
    }

    // Writes that many synthetic 128² pairs, and the options that read them as they are.
    private static DataOptions Pairs(TempFolder temp, int pairs)
    {
        SyntheticPairs.Write(temp["data"], pairs, 128, 128);
        return new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None };
    }

    private static TrainOptions Options(TempFolder temp, string name) =>
        new() { Name = name, CheckpointsDir = temp["checkpoints"], Seed = 11, PrintFreq = 1000, SaveLatestFreq = 0 };

    // Every file of a run folder and its bytes' hash, to show that nothing was touched.
    private static string Snapshot(string runDirectory) => string.Join("\n", Directory.GetFiles(runDirectory).Order()
        .Select(f => $"{Path.GetFileName(f)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}"));

    // The files of the run's 'latest' checkpoint and their hashes.
    private static string Checkpoint(string runDirectory) =>
        string.Join("\n", Snapshot(runDirectory).Split('\n').Where(line => line.StartsWith($"{CheckpointStore.Latest}_", StringComparison.Ordinal)));

    private static Tensor FirstWeight(Pix2PixModel model) => model.Generator.parameters().First();

    // The same run saved twice: 'latest' at step 10, and (in a folder of its own) with different weights at step 20.
    private static (Saved Before, Saved After) TwoCheckpoints(TempFolder temp)
    {
        using var model = new Pix2PixModel(Small, new TrainOptions { Name = "saved" });
        var before = new Saved(new CheckpointStore(temp["before"]), FirstWeight(model).clone());
        before.Store.Save(CheckpointStore.Latest, model, new TrainingState(1, 10, 0.0002, 1));
        using (no_grad()) FirstWeight(model).add_(1);
        var after = new Saved(new CheckpointStore(temp["after"]), FirstWeight(model).clone());
        after.Store.Save(CheckpointStore.Latest, model, new TrainingState(1, 20, 0.0002, 2));
        return (before, after);
    }

    private sealed record Saved(CheckpointStore Store, Tensor FirstWeight)
    {
        public string File(string part) => Path.Combine(Store.RunDirectory, $"{CheckpointStore.Latest}_{part}");

        public string Staged(string part) => File(part) + CheckpointStore.StagedSuffix;
    }
}
