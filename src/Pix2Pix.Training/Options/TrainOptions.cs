namespace Pix2Pix.Training.Options;

/// <summary>The adversarial loss; <see cref="None"/> is the paper's L1-only ablation (no GAN term, D unused).</summary>
public enum GanMode { Vanilla, Lsgan, None }

/// <summary>The objective and its optimisation, with the paper's defaults (λ = 100, Adam 2e-4, β 0.5/0.999, 100 + 100 epochs).</summary>
public sealed record TrainOptions
{
    public required string Name { get; init; }
    public string CheckpointsDir { get; init; } = "checkpoints";
    public GanMode GanMode { get; init; } = GanMode.Vanilla;
    public double LambdaL1 { get; init; } = 100.0;
    public double Lr { get; init; } = 0.0002;
    public double Beta1 { get; init; } = 0.5;
    public int BatchSize { get; init; } = 1;
    public int NEpochs { get; init; } = 100;
    public int NEpochsDecay { get; init; } = 100;
    public int Seed { get; init; } = 0;
    public int PrintFreq { get; init; } = 100;
    public int SaveEpochFreq { get; init; } = 5;
    public bool ContinueTrain { get; init; }
    /// <summary>Stop after this many optimisation steps in this invocation (for smoke runs and tests); 0 = no limit.</summary>
    public int MaxSteps { get; init; }

    public int TotalEpochs => NEpochs + NEpochsDecay;

    public string RunDirectory => Path.Combine(CheckpointsDir, Name);

    /// <summary>The reference's 'linear' policy: constant for n_epochs, then linearly to zero over n_epochs_decay.</summary>
    public double LearningRateAt(int epoch) => Lr * (1.0 - Math.Max(0, epoch - NEpochs) / (double)(NEpochsDecay + 1));
}
