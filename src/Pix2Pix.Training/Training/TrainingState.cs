namespace Pix2Pix.Training.Training;

/// <summary>
/// Where training stands at a checkpoint: <see cref="Epoch"/> epochs complete, and <see cref="BatchesIntoEpoch"/> batches
/// of the next one done (a 'latest' saved mid-epoch by --save_latest_freq or a stop; 0 at an epoch's end).
/// The learning rate follows from the epoch.
/// </summary>
public sealed record TrainingState(int Epoch, long Step, double LearningRate, double SecondsTrained, int BatchesIntoEpoch = 0)
{
    /// <summary>"7", or "7 + 1200 steps" for a checkpoint taken inside epoch 8.</summary>
    public string Describe() => BatchesIntoEpoch == 0
        ? Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Epoch} + {BatchesIntoEpoch} steps");
}
