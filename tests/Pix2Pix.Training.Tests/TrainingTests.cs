using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using TorchSharp;

namespace Pix2Pix.Training.Tests;

public class TrainingTests
{
    private static readonly NetworkOptions Small = new() { NetG = "unet_128", Ngf = 16, Ndf = 16 };

    [Fact]
    public void The_model_learns_a_fixed_colour_mapping_L1_falls_by_more_than_half()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 8, 128, 128);
        var train = Train(temp, "learn") with { NEpochs = 30, NEpochsDecay = 0, SaveEpochFreq = 100 };
        var data = new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None, NoFlip = true };

        var outcome = new Trainer(Small, data, train, TextWriter.Null).Run();

        var l1 = outcome.Losses.Select(l => l.GL1).ToArray();
        var first = l1.Take(8).Average();
        var last = l1.TakeLast(8).Average();
        Assert.Equal(240, outcome.Steps);
        Assert.True(last <= 0.5 * first, $"mean λ·L1 went from {first:F2} to {last:F2}");
    }

    [Theory]
    [InlineData(3, "1", "", 0)]                                        // stopped at the end of epoch 1
    [InlineData(4, "1 + 1 steps", " (from step 2 of epoch 2)", 0)]     // stopped one step into epoch 2: saved there
    [InlineData(4, "1 + 1 steps", " (from step 2 of epoch 2)", 2)]     // with a full image pool, whose fakes are saved too
    [InlineData(3, "1 + 1 steps", " (from step 2 of epoch 2)", 0, 2)]  // batches of 2 and 1 over 2 replicas
    public void A_stopped_run_resumes_and_ends_where_an_uninterrupted_run_ends(int stopAfter, string saved, string resumedFrom, int poolSize, int replicas = 1)
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 3, 140, 140);
        var data = new DataOptions { Dataroot = temp["data"], LoadSize = 140, CropSize = 128 }; // random crops and flips
        var network = replicas > 1 ? Small with { NoDropout = true } : Small;
        var whole = Train(temp, "whole") with { NEpochs = 2, NEpochsDecay = 1, PoolSize = poolSize, BatchSize = replicas, Replicas = replicas };
        var split = Train(temp, "split") with { NEpochs = 2, NEpochsDecay = 1, PoolSize = poolSize, BatchSize = replicas, Replicas = replicas };

        var uninterrupted = new Trainer(network, data, whole, TextWriter.Null).Run();
        var firstPart = new Trainer(network, data, split with { MaxSteps = stopAfter }, TextWriter.Null).Run();
        var label = new CheckpointStore(split.RunDirectory).EpochOf(CheckpointStore.Latest);
        using var output = new StringWriter();
        var resumed = new Trainer(network, data, split with { ContinueTrain = true }, output).Run();

        Assert.Equal((true, 1, saved), (firstPart.Interrupted, firstPart.LastCompletedEpoch, label));
        Assert.Equal(2, resumed.FirstEpoch);
        Assert.Contains($"epochs 2..3{resumedFrom}, ", output.ToString());
        // LibTorch's generator (dropout, the pool's swaps) made the same draws: it ends in the same state, bit for bit.
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.RunDirectory, "latest_rng.dat")), File.ReadAllBytes(Path.Combine(split.RunDirectory, "latest_rng.dat")));
        // Both runs end with the same networks, optimiser steps and pooled fakes, up to floating-point noise (below).
        using (var ended = Restored(whole.RunDirectory, poolSize, network))
        using (var resumedEnd = Restored(split.RunDirectory, poolSize, network))
        {
            Assert.Equal(AdamSteps(ended), AdamSteps(resumedEnd));
            Assert.Equal(ended.Pool.Images.Count, resumedEnd.Pool.Images.Count);
            var pairs = Tensors(ended).Zip(Tensors(resumedEnd)).ToArray();
            Assert.All(pairs, pair => Assert.True(
                pair.First.is_floating_point() ? pair.First.allclose(pair.Second, rtol: 0, atol: 1e-2) : pair.First.eq(pair.Second).all().item<bool>(),
                $"a {pair.First.dtype} tensor differs: {string.Join(", ", pair.First.shape)}"));
        }

        // The losses agree to LibTorch's floating-point noise: about 1 in 10 runs of this test, two identically seeded
        // runs in one process differed in the 3rd-4th digit before any resume (2 % here). Crops and flips come from
        // System.Random seeded by (seed, epoch) (AlignedPairDatasetTests); another batch moves the losses by more.
        var expected = uninterrupted.Losses.Skip(stopAfter).SelectMany(l => l.Values).ToArray();
        var actual = resumed.Losses.SelectMany(l => l.Values).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 0.02 * Math.Abs(pair.First) + 1e-4, $"loss {pair.Second} where the uninterrupted run had {pair.First}"));
        Assert.Equal(3 * (3 + replicas - 1) / replicas, File.ReadLines(Path.Combine(split.RunDirectory, LossHistory.CsvName)).Count() - 1);
    }

    [Fact]
    public void Continue_train_from_an_epoch_checkpoint_goes_on_from_that_epochs_end_as_the_run_first_did()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 2, 140, 140);
        var data = new DataOptions { Dataroot = temp["data"], LoadSize = 140, CropSize = 128 };
        var options = Train(temp, "run") with { NEpochs = 2, NEpochsDecay = 1, SaveEpochFreq = 1 };

        new Trainer(Small, data, options, TextWriter.Null).Run();
        var firstEnd = File.ReadAllBytes(Path.Combine(options.RunDirectory, "latest_rng.dat"));
        long[] firstSteps;
        using (var ended = Restored(options.RunDirectory, 0, Small)) firstSteps = AdamSteps(ended);
        using var output = new StringWriter();
        var again = new Trainer(Small, data, options with { ContinueTrain = true, ContinueFrom = "1" }, output).Run();

        // From the end of epoch 1, not from 'latest' (the end of epoch 3, which has nothing left to train).
        Assert.Equal(2, again.FirstEpoch);
        Assert.Contains("epochs 2..3, ", output.ToString());
        Assert.Equal(firstEnd, File.ReadAllBytes(Path.Combine(options.RunDirectory, "latest_rng.dat")));
        using var resumedEnd = Restored(options.RunDirectory, 0, Small);
        Assert.Equal(firstSteps, AdamSteps(resumedEnd));
    }

    // A model holding everything a run's latest checkpoint saved.
    private static Pix2PixModel Restored(string runDirectory, int poolSize, NetworkOptions network)
    {
        var model = new Pix2PixModel(network, new TrainOptions { Name = "restored", PoolSize = poolSize });
        new CheckpointStore(runDirectory).Restore(CheckpointStore.Latest, model);
        return model;
    }

    // The step count of each parameter's Adam state, generator then discriminator.
    private static long[] AdamSteps(Pix2PixModel model) =>
        new[] { model.OptimizerG, model.OptimizerD }.SelectMany(o => o.state_dict().State.Cast<TorchSharp.Modules.Adam.State>().Select(state => state.step)).ToArray();

    // Both networks' parameters and buffers, then the pool's fakes.
    private static IEnumerable<TorchSharp.torch.Tensor> Tensors(Pix2PixModel model) =>
        new TorchSharp.torch.nn.Module[] { model.Generator, model.Discriminator }.SelectMany(m => m.parameters().Concat(m.buffers())).Concat(model.Pool.Images);

    [Fact]
    public void Latest_is_also_saved_inside_an_epoch_each_time_the_images_seen_pass_save_latest_freq()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 5, 128, 128);
        var data = new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None };
        var train = Train(temp, "frequent") with { NEpochs = 2, NEpochsDecay = 0, SaveLatestFreq = 2 };
        using var output = new StringWriter();

        new Trainer(Small, data, train, output).Run();

        // Five steps an epoch, counted across epochs as the reference does; the ends of epochs (steps 5 and 10) save anyway.
        var saves = output.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.StartsWith("saved 'latest'", StringComparison.Ordinal));
        Assert.Equal(["saved 'latest' at step 2 (2 of epoch 1)", "saved 'latest' at step 4 (4 of epoch 1)",
                      "saved 'latest' at step 6 (1 of epoch 2)", "saved 'latest' at step 8 (3 of epoch 2)"], saves.ToArray());
    }

    [Fact]
    public void Before_gan_start_epoch_a_run_takes_the_L1_only_ablations_steps_and_leaves_D_as_initialised_then_trains_D()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 3, 140, 140);
        var data = new DataOptions { Dataroot = temp["data"], LoadSize = 140, CropSize = 128 }; // random crops and flips
        var ablation = Train(temp, "ablation") with { NEpochs = 2, NEpochsDecay = 1, SaveEpochFreq = 1, GanMode = GanMode.None };
        var warmStarted = Train(temp, "warm") with { NEpochs = 2, NEpochsDecay = 1, SaveEpochFreq = 1, GanStartEpoch = 3 };

        var l1Only = new Trainer(Small, data, ablation, TextWriter.Null).Run();
        using var output = new StringWriter();
        var run = new Trainer(Small, data, warmStarted, output).Run();

        Assert.Equal(9, run.Steps);
        Assert.Equal(l1Only.Losses.Take(6).Select(l => l.GL1), run.Losses.Take(6).Select(l => l.GL1));
        Assert.All(run.Losses.Take(6), l => Assert.Equal((0.0, 0.0, 0.0), (l.GGan, l.DReal, l.DFake)));
        Assert.All(run.Losses.Skip(6), l => Assert.True(l.GGan > 0 && l.DReal > 0 && l.DFake > 0, $"epoch 3's losses {l}"));
        byte[] Discriminator(TrainOptions options, int epoch) => File.ReadAllBytes(Path.Combine(options.RunDirectory, $"{epoch}_net_D.dat"));
        Assert.Equal(Discriminator(ablation, 3), Discriminator(warmStarted, 2));   // the ablation never trains its D
        Assert.NotEqual(Discriminator(warmStarted, 2), Discriminator(warmStarted, 3));
        Assert.Contains("λ·L1 alone until the cGAN joins in epoch 3", output.ToString());
    }

    [Fact]
    public void The_learning_rate_is_constant_then_decays_linearly_as_in_the_reference()
    {
        var options = new TrainOptions { Name = "x", NEpochs = 100, NEpochsDecay = 100 };

        Assert.Equal(0.0002, options.LearningRateAt(1), 12);
        Assert.Equal(0.0002, options.LearningRateAt(100), 12);
        Assert.Equal(0.0002 * (1 - 1 / 101.0), options.LearningRateAt(101), 12);
        Assert.Equal(0.0002 / 101, options.LearningRateAt(200), 12);
    }

    [Fact]
    public void A_run_leaves_checkpoints_samples_a_loss_log_and_a_loss_curve()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 2, 128, 128);
        var train = Train(temp, "artifacts") with { NEpochs = 2, NEpochsDecay = 0, SaveEpochFreq = 1 };
        var output = new StringWriter();

        new Trainer(Small, new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None }, train, output).Run();

        var run = train.RunDirectory;
        foreach (var file in new[] { "latest_net_G.dat", "latest_net_D.dat", "latest_optimizer_G.dat", "latest_optimizer_D.dat", "latest_rng.dat", "latest_state.json", "1_net_G.dat", "2_net_G.dat", RunRecord.FileName, LossHistory.CsvName, LossHistory.PlotName, "samples/epoch_001.png", "samples/epoch_002.png" })
        {
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} is missing");
        }

        Assert.Contains("img/s", output.ToString());
        Assert.Contains("ETA", output.ToString());
        Assert.StartsWith("epoch,step,G_GAN,G_L1,D_real,D_fake,lr", File.ReadLines(Path.Combine(run, LossHistory.CsvName)).First());
        Assert.DoesNotContain(Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories), f => f.EndsWith(".partial"));
    }

    [Fact]
    public void Plots_have_a_bold_face_for_their_titles_and_axis_labels()
    {
        PlotFonts.Ensure();

        // ScottPlot draws titles and axis labels bold; a family without a bold face leaves them out of the picture.
        using var bold = ScottPlot.Fonts.GetTypeface(ScottPlot.Fonts.Default, bold: true, italic: false);
        Assert.StartsWith("DejaVu Sans", bold.FamilyName);
        Assert.True(bold.FontWeight >= (int)SkiaSharp.SKFontStyleWeight.Bold, $"weight {bold.FontWeight}");
    }

    [Fact]
    public void Training_steps_leave_no_tensor_alive()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 2, 128, 128);
        var data = new DataOptions { Dataroot = temp["data"], Preprocess = Preprocess.None };
        var dataset = new Pix2Pix.Training.Data.AlignedPairDataset(data, Small);
        var batches = new Pix2Pix.Training.Data.PairBatches(dataset, 1, 0, false, Small);
        using var model = new Pix2PixModel(Small, Train(temp, "memory"));
        var live = new List<long>();
        for (var epoch = 1; epoch <= 15; epoch++)
        {
            foreach (var batch in batches.Epoch(epoch))
            {
                using (batch) model.OptimizeParameters(batch, (_, _, _) => { });
            }

            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }

        // The first steps create Adam's state; after that the count of live tensors must not move.
        Assert.Equal(live[2], live[^1]);
        Assert.All(live.Skip(2), count => Assert.Equal(live[2], count));
    }

    private static TrainOptions Train(TempFolder temp, string name) =>
        new() { Name = name, CheckpointsDir = temp["checkpoints"], Seed = 11, PrintFreq = 1 };
}

// The no-GC region is process-wide: other tests' allocations would spend its budget, so this one runs alone.
[CollectionDefinition(nameof(FinalizerFenceTests), DisableParallelization = true)]
public class FinalizerFenceCollection;

[Collection(nameof(FinalizerFenceTests))]
public class FinalizerFenceTests
{
    [Fact]
    public void After_the_fence_no_collection_happens_while_a_step_allocates()
    {
        // A region another test opened may be nearly spent; start from none, as a training step does after one ends.
        try
        {
            if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // It ended by itself meanwhile.
        }

        Pix2Pix.Training.Training.FinalizerFence.Enter();
        var during = GC.CollectionCount(0);
        var garbage = new List<byte[]>();
        for (var i = 0; i < 100; i++) garbage.Add(new byte[100_000]); // 10 MB, well inside the budget

        Assert.Equal(System.Runtime.GCLatencyMode.NoGCRegion, System.Runtime.GCSettings.LatencyMode);
        Assert.Equal(during, GC.CollectionCount(0));
        Assert.Equal(100, garbage.Count);
    }
}
