using System.Diagnostics;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>What a call to <see cref="Trainer.Run"/> did.</summary>
public sealed record TrainingOutcome(int FirstEpoch, int LastCompletedEpoch, long Steps, double ImagesPerSecond, bool Interrupted, IReadOnlyList<StepLosses> Losses);

/// <summary>
/// The reference's train.py: for every epoch, set the learning rate, optimise on every batch, then save
/// a sample grid, the loss history and the checkpoints. --continue_train restores everything the last
/// complete epoch saved, so the steps that follow are the ones an uninterrupted run would take.
/// </summary>
public sealed class Trainer(NetworkOptions network, DataOptions data, TrainOptions options, TextWriter output, bool interactive = false, DeviceContext? device = null)
{
    private readonly DeviceContext device = device ?? DeviceContext.Cpu;

    // The fast step (matrix-product convolutions, Adam in one pass over host memory, bfloat16 on AMX) is CPU tuning and
    // FusedAdam takes CPU tensors only: on a GPU the first-written step runs, on cuDNN's convolutions and TorchSharp's Adam.
    private readonly TrainOptions train = device?.IsCuda == true ? options with { FastStep = false } : options;
    private readonly bool fastStepLeftToTheCpu = device?.IsCuda == true && options.FastStep;

    public TrainingOutcome Run(CancellationToken cancellation = default)
    {
        network.Validate();
        var store = new CheckpointStore(train.RunDirectory);
        var saved = train.ContinueTrain ? CheckSameArchitecture(store) : null;
        // A run with a latest checkpoint, or a generator `import` wrote (a record without training options): never overwritten.
        var imported = !train.ContinueTrain && File.Exists(RunRecord.PathIn(store.RunDirectory)) && RunRecord.Load(store.RunDirectory).Train is null;
        if (!train.ContinueTrain && (store.Has(CheckpointStore.Latest) || imported))
        {
            throw new UserInputException($"{store.RunDirectory} already holds a run; resume it with --continue_train or choose another --name");
        }

        var dataset = new AlignedPairDataset(data, network);
        var record = new RunRecord(network, data, train, Path.GetFileName(Path.GetFullPath(data.Dataroot).TrimEnd(Path.DirectorySeparatorChar))) { Pairs = dataset.Count };
        var batches = new PairBatches(dataset, train.BatchSize, train.Seed, data.SerialBatches, network, device);
        // A resumed run keeps the first epoch it was started with, and so its learning-rate schedule.
        var schedule = saved?.Train is { } started ? train with { EpochCount = started.EpochCount } : train;
        using var runLock = RunLock.Acquire(train.RunDirectory);
        manual_seed(train.Seed);
        using var model = new Pix2PixModel(network, train, device);

        var state = new TrainingState(train.EpochCount - 1, 0, train.LearningRateAt(train.EpochCount), 0);
        if (train.ContinueTrain)
        {
            state = store.Restore(train.ContinueFrom, model);
            if (state.BatchesIntoEpoch > 0 && saved is not null && DataOrderChange(saved, dataset.Count) is { } change)
            {
                throw new UserInputException($"cannot continue {store.RunDirectory} inside epoch {state.Epoch + 1}: {change.Option} was {change.Saved} when it was "
                    + $"saved, {change.Given} now, and its steps there took the data in the saved order; resume with the saved value, or change it at an epoch's end");
            }

            device.ReseedAt(train.Seed, state.Step);
        }

        if (state.Epoch >= train.TotalEpochs)
        {
            output.WriteLine($"nothing to train: {store.RunDirectory} has trained {state.Epoch} epochs, --n_epochs + --n_epochs_decay is {train.TotalEpochs}; raise them to train longer");
            return new TrainingOutcome(state.Epoch + 1, state.Epoch, 0, 0, false, []);
        }

        (record with { Train = schedule }).Save(store.RunDirectory);
        var history = new LossHistory(store.RunDirectory, state.Step);
        var progress = new ProgressReporter(output, train.PrintFreq, train.TotalEpochs, batches.BatchesPerEpoch, interactive);
        var resumeAt = state.BatchesIntoEpoch == 0 ? "" : $" (from step {state.BatchesIntoEpoch + 1} of epoch {state.Epoch + 1})";
        if (saved?.Train?.PoolSize is { } pool && pool != train.PoolSize)
        {
            progress.Line($"note: the run was saved with --pool_size {pool}; --pool_size {train.PoolSize} keeps {(train.PoolSize == 0 ? "none" : $"at most {train.PoolSize}")} of its pooled fakes");
        }

        var split = train.Replicas > 1 ? $", batch {train.BatchSize} over {train.Replicas} replicas on threads of their own" : "";
        var objective = train.IsAdversarialIn(state.Epoch + 1) ? ""
            : train.GanMode == GanMode.None ? ", λ·L1 alone" : $", λ·L1 alone until the cGAN joins in epoch {train.GanStartEpoch}";
        progress.Line($"training {network.NetG}/ngf {network.Ngf} + {network.NetD} on {dataset.Count} pairs from {data.Dataroot}, epochs {state.Epoch + 1}..{train.TotalEpochs}{resumeAt}{objective}, on {device}{split}, {(train.FastStep ? $"fast step ({train.Precision.ToString().ToLowerInvariant()} discriminator)" : fastStepLeftToTheCpu ? "first-written float32 step (the fast step is CPU tuning)" : "first-written float32 step")}, run folder {store.RunDirectory}");

        var step = state.Step;
        var lastEpoch = state.Epoch;
        var stepsThisRun = 0L;
        var losses = new List<StepLosses>();
        TrainingState Reached(int epoch, int batchesIntoEpoch) =>
            new(epoch, step, model.LearningRate, state.SecondsTrained + progress.StepTime.TotalSeconds, batchesIntoEpoch);
        void SaveLatest(TrainingState reached)
        {
            var saving = Stopwatch.StartNew();
            store.Save(CheckpointStore.Latest, model, reached);
            device.ReseedAt(train.Seed, reached.Step);
            progress.Exclude(saving.Elapsed);
        }

        for (var epoch = state.Epoch + 1; epoch <= train.TotalEpochs; epoch++)
        {
            model.LearningRate = schedule.LearningRateAt(epoch);
            var batchIndex = epoch == state.Epoch + 1 ? state.BatchesIntoEpoch : 0;
            using var loading = batches.Epoch(epoch, skip: batchIndex).GetEnumerator();
            while (NextBatch(loading, epoch, batchIndex) is { } batch)
            {
                using (batch)
                {
                    var last = batchIndex + 1 == batches.BatchesPerEpoch;
                    var stepLosses = model.OptimizeParameters(batch, last ? (a, f, b) => SampleGrid.Save(store.RunDirectory, epoch, a, f, b) : null, train.IsAdversarialIn(epoch));
                    step++;
                    stepsThisRun++;
                    if (!stepLosses.AreNumbers)
                    {
                        throw new TrainingDivergedException($"the losses stopped being numbers at step {step} (epoch {epoch}: {stepLosses}); nothing was saved after the last checkpoint in {store.RunDirectory}; train again from it with a lower --lr, or with --no_fast_step");
                    }

                    losses.Add(stepLosses);
                    history.Add(epoch, step, stepLosses, model.LearningRate);
                    progress.Step(epoch, batchIndex, batch.Size, stepLosses, step);
                    if (stepsThisRun == 1 && ConvolutionCheck.Distrusted.Count > 0)
                    {
                        progress.Line($"note: this CPU's LibTorch gets some convolutions wrong, so they run in a wider type (bfloat16 ones in float32, float32 ones in float64): {string.Join("; ", ConvolutionCheck.Distrusted)}");
                    }
                }

                batchIndex++;
                if (batchIndex == batches.BatchesPerEpoch) continue;
                if (StopRequested(cancellation, stepsThisRun))
                {
                    SaveLatest(Reached(epoch - 1, batchIndex));
                    progress.Line($"stopped in epoch {epoch} at step {step}; saved '{CheckpointStore.Latest}' there (resume with --continue_train)");
                    return new TrainingOutcome(state.Epoch + 1, lastEpoch, stepsThisRun, progress.ImagesPerSecond, true, losses);
                }

                if (PassedLatestFrequency(step))
                {
                    SaveLatest(Reached(epoch - 1, batchIndex));
                    progress.Line($"saved '{CheckpointStore.Latest}' at step {step} ({batchIndex} of epoch {epoch})");
                }
            }

            lastEpoch = epoch;
            var trained = Reached(epoch, 0);
            // The epoch's own checkpoint first: a stop between the two then repeats part of the epoch and saves it again,
            // where the other order would leave 'latest' past an epoch whose checkpoint never gets written.
            var saving = Stopwatch.StartNew();
            if (epoch % train.SaveEpochFreq == 0 || epoch == train.TotalEpochs) store.Save(epoch.ToString(), model, trained);
            progress.Exclude(saving.Elapsed);
            SaveLatest(trained);
            saving.Restart();
            history.Plot();
            if (train.WebPage) TrainingPage.Write(store.RunDirectory, train.Name);
            progress.Exclude(saving.Elapsed);
            progress.Line($"end of epoch {epoch}/{train.TotalEpochs}: lr {model.LearningRate:G4}, {progress.ImagesPerSecond:F2} img/s, saved '{CheckpointStore.Latest}'");
            if (StopRequested(cancellation, stepsThisRun) && epoch < train.TotalEpochs)
            {
                return new TrainingOutcome(state.Epoch + 1, lastEpoch, stepsThisRun, progress.ImagesPerSecond, true, losses);
            }
        }

        return new TrainingOutcome(state.Epoch + 1, lastEpoch, stepsThisRun, progress.ImagesPerSecond, false, losses);

        // The next batch; an image file that cannot be read (found only when its turn comes) first saves the steps taken
        // since the last save, so fixing the file and resuming loses nothing.
        PairBatch? NextBatch(IEnumerator<PairBatch> loading, int epoch, int batchIndex)
        {
            try
            {
                return loading.MoveNext() ? loading.Current : null;
            }
            catch (UnreadableImageException e) when (stepsThisRun > 0)
            {
                SaveLatest(Reached(epoch - 1, batchIndex));
                throw new UserInputException($"{e.Message} (step {step + 1}, {batchIndex} into epoch {epoch}; saved '{CheckpointStore.Latest}' before it: fix or replace the file and resume with --continue_train)", e);
            }
        }
    }

    /// <summary>The reference's save_latest_freq: 'latest' each time the images seen pass a multiple of it.</summary>
    private bool PassedLatestFrequency(long step) =>
        train.SaveLatestFreq > 0 && step * train.BatchSize / train.SaveLatestFreq > (step - 1) * train.BatchSize / train.SaveLatestFreq;

    private bool StopRequested(CancellationToken cancellation, long stepsThisRun) =>
        cancellation.IsCancellationRequested || (train.MaxSteps > 0 && stepsThisRun >= train.MaxSteps);

    // Refuses another architecture; returns the saved run's record.
    private RunRecord CheckSameArchitecture(CheckpointStore store)
    {
        var saved = RunRecord.Load(store.RunDirectory);
        var mismatch = network.DescribeMismatch(saved.Network);
        if (mismatch is not null)
        {
            throw new UserInputException($"cannot continue {store.RunDirectory}: it was trained with another architecture ({mismatch}; saved vs given)");
        }

        if (saved.Data is { } was && was.Direction != data.Direction)
        {
            throw new UserInputException($"cannot continue {store.RunDirectory}: it was trained --direction {was.Direction}, and {data.Direction} would teach it the reverse mapping");
        }

        return saved;
    }

    // The first option that orders or draws an epoch's data differently from the saved run's, or null: inside an epoch,
    // the batches a resumed run skips must be the ones the saved run took.
    private (string Option, object? Saved, object? Given)? DataOrderChange(RunRecord saved, int pairs)
    {
        if (saved.Train is not { } before || saved.Data is not { } was) return null;
        (string Option, object? Saved, object? Given)[] orders =
        [
            ("--batch_size", before.BatchSize, train.BatchSize),
            ("--seed", before.Seed, train.Seed),
            ("--dataroot", Path.GetFullPath(was.Dataroot), Path.GetFullPath(data.Dataroot)),
            ("--phase", was.Phase, data.Phase),
            ("--serial_batches", was.SerialBatches, data.SerialBatches),
            ("--max_dataset_size", was.MaxDatasetSize, data.MaxDatasetSize),
            ("--preprocess", was.Preprocess, data.Preprocess),
            // Sizes only where --preprocess uses them: none takes neither, crop no load size (a run refused a crop size
            // its generator cannot take can then go on with another).
            ("--load_size", data.Preprocess is Preprocess.None or Preprocess.Crop ? null : was.LoadSize, data.Preprocess is Preprocess.None or Preprocess.Crop ? null : data.LoadSize),
            ("--crop_size", data.Preprocess is Preprocess.None ? null : was.CropSize, data.Preprocess is Preprocess.None ? null : data.CropSize),
            ("--no_flip", was.NoFlip, data.NoFlip),
            ("--rotate", was.Rotate, data.Rotate),
            ("--shear", was.Shear, data.Shear),
            ("the split's number of pairs", saved.Pairs ?? pairs, pairs),
        ];
        return orders.Where(o => !Equals(o.Saved, o.Given)).Select(o => ((string, object?, object?)?)o).FirstOrDefault();
    }
}
