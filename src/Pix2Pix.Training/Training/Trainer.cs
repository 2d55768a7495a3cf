using System.Diagnostics;
using Pix2Pix.Training.Data;
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
public sealed class Trainer(NetworkOptions network, DataOptions data, TrainOptions train, TextWriter output, bool interactive = false)
{
    public TrainingOutcome Run(CancellationToken cancellation = default)
    {
        network.Validate();
        var store = new CheckpointStore(train.RunDirectory);
        var record = new RunRecord(network, data, train, Path.GetFileName(Path.GetFullPath(data.Dataroot).TrimEnd(Path.DirectorySeparatorChar)));
        if (train.ContinueTrain) CheckSameArchitecture(store);
        else if (store.Has(CheckpointStore.Latest))
        {
            throw new UserInputException($"{store.RunDirectory} already holds a run; resume it with --continue_train or choose another --name");
        }

        var dataset = new AlignedPairDataset(data, network);
        var batches = new PairBatches(dataset, train.BatchSize, train.Seed, data.SerialBatches, network);
        manual_seed(train.Seed);
        using var model = new Pix2PixModel(network, train);

        var state = new TrainingState(0, 0, train.Lr, 0);
        if (train.ContinueTrain) state = store.Restore(CheckpointStore.Latest, model);
        record.Save(store.RunDirectory);
        var history = new LossHistory(store.RunDirectory, state.Epoch);
        var progress = new ProgressReporter(output, train.PrintFreq, train.TotalEpochs, batches.BatchesPerEpoch, interactive);
        progress.Line($"training {network.NetG}/ngf {network.Ngf} + {network.NetD} on {dataset.Count} pairs from {data.Dataroot}, epochs {state.Epoch + 1}..{train.TotalEpochs}, {get_num_threads()} CPU threads, {(train.FastStep ? $"fast step ({train.Precision.ToString().ToLowerInvariant()} discriminator)" : "first-written float32 step")}, run folder {store.RunDirectory}");

        var clock = Stopwatch.StartNew();
        var step = state.Step;
        var lastEpoch = state.Epoch;
        var stepsThisRun = 0L;
        var losses = new List<StepLosses>();
        for (var epoch = state.Epoch + 1; epoch <= train.TotalEpochs; epoch++)
        {
            model.LearningRate = train.LearningRateAt(epoch);
            var batchIndex = 0;
            foreach (var batch in batches.Epoch(epoch))
            {
                using (batch)
                {
                    var last = batchIndex + 1 == batches.BatchesPerEpoch;
                    var stepLosses = model.OptimizeParameters(batch, last ? (a, f, b) => SampleGrid.Save(store.RunDirectory, epoch, a, f, b) : null);
                    step++;
                    stepsThisRun++;
                    losses.Add(stepLosses);
                    history.Add(epoch, step, stepLosses, model.LearningRate);
                    progress.Step(epoch, batchIndex, batch.Size, stepLosses, step);
                }

                batchIndex++;
                if (StopRequested(cancellation, stepsThisRun) && batchIndex < batches.BatchesPerEpoch)
                {
                    progress.Line($"stopped in epoch {epoch} at step {step}; the last complete epoch is {lastEpoch} (resume with --continue_train)");
                    return new TrainingOutcome(state.Epoch + 1, lastEpoch, stepsThisRun, progress.ImagesPerSecond, true, losses);
                }
            }

            lastEpoch = epoch;
            var saving = Stopwatch.StartNew();
            var trained = new TrainingState(epoch, step, model.LearningRate, state.SecondsTrained + clock.Elapsed.TotalSeconds);
            store.Save(CheckpointStore.Latest, model, trained);
            if (epoch % train.SaveEpochFreq == 0 || epoch == train.TotalEpochs) store.Save(epoch.ToString(), model, trained);
            history.Plot();
            progress.Exclude(saving.Elapsed);
            progress.Line($"end of epoch {epoch}/{train.TotalEpochs}: lr {model.LearningRate:G4}, {progress.ImagesPerSecond:F2} img/s, saved '{CheckpointStore.Latest}'");
            if (StopRequested(cancellation, stepsThisRun) && epoch < train.TotalEpochs)
            {
                return new TrainingOutcome(state.Epoch + 1, lastEpoch, stepsThisRun, progress.ImagesPerSecond, true, losses);
            }
        }

        return new TrainingOutcome(state.Epoch + 1, lastEpoch, stepsThisRun, progress.ImagesPerSecond, false, losses);
    }

    private bool StopRequested(CancellationToken cancellation, long stepsThisRun) =>
        cancellation.IsCancellationRequested || (train.MaxSteps > 0 && stepsThisRun >= train.MaxSteps);

    private void CheckSameArchitecture(CheckpointStore store)
    {
        var saved = RunRecord.Load(store.RunDirectory);
        var mismatch = network.DescribeMismatch(saved.Network);
        if (mismatch is not null)
        {
            throw new UserInputException($"cannot continue {store.RunDirectory}: it was trained with another architecture ({mismatch}; saved vs given)");
        }
    }
}
