namespace Pix2Pix.Training.Options;

/// <summary>
/// The reference's --lr_policy, as a function of the epoch (its schedulers stepped once per epoch from --epoch_count):
/// linear (constant for n_epochs, then to zero over n_epochs_decay), step (×0.1 every lr_decay_iters epochs),
/// plateau (×0.2 after more than 5 epochs without a 1 % improvement of the metric, which pix2pix leaves at 0: so every
/// 6 epochs after the first), cosine (half a cosine from lr to 0 over n_epochs).
/// </summary>
public enum LearningRatePolicy { Linear, Step, Plateau, Cosine }

public static class LearningRatePolicies
{
    /// <summary>The factor on --lr during <paramref name="epoch"/> of a run that started counting at <paramref name="epochCount"/>.</summary>
    public static double Factor(this LearningRatePolicy policy, int epoch, int epochCount, int nEpochs, int nEpochsDecay, int lrDecayIters)
    {
        var stepped = Math.Max(0, epoch - epochCount);   // scheduler steps taken before this epoch
        return policy switch
        {
            LearningRatePolicy.Linear => 1.0 - Math.Max(0, epoch - nEpochs) / (double)(nEpochsDecay + 1),
            LearningRatePolicy.Step => Math.Pow(0.1, stepped / lrDecayIters),
            LearningRatePolicy.Plateau => Math.Pow(0.2, Math.Max(0, (stepped - 1) / 6)),
            _ => (1 + Math.Cos(Math.PI * stepped / nEpochs)) / 2,
        };
    }
}
