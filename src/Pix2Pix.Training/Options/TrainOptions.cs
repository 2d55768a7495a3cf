namespace Pix2Pix.Training.Options;

/// <summary>The adversarial loss; <see cref="None"/> is the paper's L1-only ablation (no GAN term, D unused).</summary>
public enum GanMode { Vanilla, Lsgan, Wgangp, None }

/// <summary>What the convolutions of a training step compute in; the weights and the optimiser stay float32.</summary>
public enum TrainingPrecision { Bfloat16, Float32 }

/// <summary>The objective and its optimisation, with the paper's defaults (λ = 100, Adam 2e-4, β 0.5/0.999, 100 + 100 epochs).</summary>
public sealed record TrainOptions
{
    public required string Name { get; init; }
    public string CheckpointsDir { get; init; } = "checkpoints";
    public GanMode GanMode { get; init; } = GanMode.Vanilla;
    /// <summary>The epoch in which the cGAN term joins λ·L1 (1, the reference's: from the start). The epochs before it train
    /// G on λ·L1 alone, as the L1-only ablation does, and leave D as it was initialised.</summary>
    public int GanStartEpoch { get; init; } = 1;
    public double LambdaL1 { get; init; } = 100.0;
    public double Lr { get; init; } = 0.0002;
    public double Beta1 { get; init; } = 0.5;
    public int BatchSize { get; init; } = 1;
    public int NEpochs { get; init; } = 100;
    public int NEpochsDecay { get; init; } = 100;
    public int Seed { get; init; } = 0;
    /// <summary>The reference's --pool_size: how many generated images D's history keeps (0, pix2pix's default: D sees only the newest).</summary>
    public int PoolSize { get; init; } = 0;
    public int PrintFreq { get; init; } = 100;
    public int SaveEpochFreq { get; init; } = 5;
    /// <summary>The reference's --epoch_count: the number of a new run's first epoch (a resumed run takes its checkpoint's).</summary>
    public int EpochCount { get; init; } = 1;
    public LearningRatePolicy LrPolicy { get; init; } = LearningRatePolicy.Linear;
    /// <summary>Epochs between the step policy's ×0.1 decays (the reference's --lr_decay_iters).</summary>
    public int LrDecayIters { get; init; } = 50;
    public Initialisation Init { get; init; } = new();
    /// <summary>Write web/index.html, the reference's page of per-epoch samples (off: --no_html).</summary>
    public bool WebPage { get; init; } = true;
    /// <summary>The reference's --save_latest_freq: also save 'latest' inside an epoch every this many images (0 = only at epochs' ends), so a killed run loses at most that much.</summary>
    public int SaveLatestFreq { get; init; } = 5000;
    public bool ContinueTrain { get; init; }
    /// <summary>The checkpoint --continue_train continues from (the reference's --epoch): "latest", or the number of an epoch
    /// whose checkpoint was kept (--save_epoch_freq); training then goes on from the end of that epoch.</summary>
    public string ContinueFrom { get; init; } = "latest";
    /// <summary>The fast step: small convolutions as matrix products and Adam in one pass (both exact in float32), plus <see cref="Precision"/>.
    /// Off: LibTorch's convolutions and TorchSharp's Adam in float32, the step as it was first written.</summary>
    public bool FastStep { get; init; } = true;
    /// <summary>bfloat16 convolutions with float32 master weights (this CPU's AMX/AVX-512 BF16), or float32 throughout; only with <see cref="FastStep"/>.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Bfloat16;
    /// <summary>Split each batch over this many copies of G and D, one per core, their gradients averaged (the reference's
    /// nn.DataParallel over --gpu_ids, on CPU cores; batch norm per replica, as there). 1: one copy, LibTorch's threads inside each operation.</summary>
    public int Replicas { get; init; } = 1;
    /// <summary>Stop after this many optimisation steps in this invocation (for smoke runs and tests); 0 = no limit.</summary>
    public int MaxSteps { get; init; }

    public int TotalEpochs => NEpochs + NEpochsDecay;

    /// <summary>Whether the steps of <paramref name="epoch"/> train against D (the cGAN + λ·L1) or G on λ·L1 alone.</summary>
    public bool IsAdversarialIn(int epoch) => GanMode != GanMode.None && epoch >= GanStartEpoch;

    /// <summary>How the generator computes its convolutions during a training step: float32 (bfloat16 gains it little
    /// and would round the gradients of its deep, small levels, where batch norm works on a few pixels).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Models.ConvolutionMode GeneratorConvolutions => FastStep ? Models.ConvolutionMode.Exact : Models.ConvolutionMode.Native;

    /// <summary>How the discriminator computes its convolutions during a training step: where most of a step's arithmetic is.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Models.ConvolutionMode DiscriminatorConvolutions => !FastStep ? Models.ConvolutionMode.Native
        : Precision == TrainingPrecision.Bfloat16 ? Models.ConvolutionMode.MixedBFloat16 : Models.ConvolutionMode.Exact;

    public string RunDirectory => Path.Combine(CheckpointsDir, Name);

    /// <summary>The learning rate during <paramref name="epoch"/> under --lr_policy (linear: constant for n_epochs, then linearly to zero over n_epochs_decay).</summary>
    public double LearningRateAt(int epoch) => Lr * LrPolicy.Factor(epoch, EpochCount, NEpochs, NEpochsDecay, LrDecayIters);
}
