using System.CommandLine;
using Pix2Pix.Training.Options;

namespace Pix2Pix.Training.Commands;

/// <summary>The objective and optimisation options, named as in the reference.</summary>
internal sealed class TrainArguments
{
    private static readonly TrainOptions Defaults = new() { Name = "" };

    private readonly Option<string> ganMode = new("--gan_mode") { Description = "vanilla (BCE with logits) | lsgan (MSE) | wgangp (Wasserstein, without a gradient penalty, as the reference's pix2pix) | none (the L1-only ablation)", DefaultValueFactory = _ => "vanilla" };
    private readonly Option<int> ganStartEpoch = new("--gan_start_epoch") { Description = "the epoch in which the cGAN term joins λ·L1; the epochs before it train G on λ·L1 alone and leave D untouched (1: from the start, as the reference)", DefaultValueFactory = _ => Defaults.GanStartEpoch };
    private readonly Option<double> lambdaL1 = new("--lambda_L1") { Description = "weight of the L1 term", DefaultValueFactory = _ => Defaults.LambdaL1 };
    private readonly Option<double> lr = new("--lr") { Description = "initial Adam learning rate", DefaultValueFactory = _ => Defaults.Lr };
    private readonly Option<double> beta1 = new("--beta1") { Description = "Adam beta1", DefaultValueFactory = _ => Defaults.Beta1 };
    private readonly Option<int> batchSize = new("--batch_size") { Description = "images per step", DefaultValueFactory = _ => Defaults.BatchSize };
    private readonly Option<int> nEpochs = new("--n_epochs") { Description = "epochs at the initial learning rate", DefaultValueFactory = _ => Defaults.NEpochs };
    private readonly Option<int> nEpochsDecay = new("--n_epochs_decay") { Description = "epochs of linear decay to zero", DefaultValueFactory = _ => Defaults.NEpochsDecay };
    private readonly Option<int> seed = new("--seed") { Description = "random seed (weights, data order, crops, dropout)", DefaultValueFactory = _ => Defaults.Seed };
    private readonly Option<int> printFreq = new("--print_freq") { Description = "steps between progress lines when output is not a terminal", DefaultValueFactory = _ => Defaults.PrintFreq };
    private readonly Option<int> saveEpochFreq = new("--save_epoch_freq") { Description = "keep a numbered checkpoint every this many epochs", DefaultValueFactory = _ => Defaults.SaveEpochFreq };
    private readonly Option<int> saveLatestFreq = new("--save_latest_freq") { Description = "also save 'latest' inside an epoch every this many images, for an exact resume (0 = only at epochs' ends)", DefaultValueFactory = _ => Defaults.SaveLatestFreq };
    private readonly Option<int> epochCount = new("--epoch_count") { Description = "the number of a new run's first epoch (a resumed run continues from its checkpoint's)", DefaultValueFactory = _ => Defaults.EpochCount };
    private readonly Option<string> lrPolicy = new("--lr_policy") { Description = "linear | step | plateau | cosine", DefaultValueFactory = _ => "linear" };
    private readonly Option<int> lrDecayIters = new("--lr_decay_iters") { Description = "epochs between the step policy's ×0.1 decays", DefaultValueFactory = _ => Defaults.LrDecayIters };
    private readonly Option<string> initType = new("--init_type") { Description = "weight init: normal | xavier | kaiming | orthogonal", DefaultValueFactory = _ => "normal" };
    private readonly Option<double> initGain = new("--init_gain") { Description = "scale for normal, xavier and orthogonal init", DefaultValueFactory = _ => Defaults.Init.Gain };
    private readonly Option<bool> continueTrain = new("--continue_train") { Description = "resume from the run's latest checkpoint (or the one --epoch names)" };
    private readonly Option<string> epoch = new("--epoch") { Description = "with --continue_train: the checkpoint to continue from, latest or an epoch number", DefaultValueFactory = _ => "latest" };
    private readonly Option<string> precision = new("--precision") { Description = "the discriminator's convolutions in a training step: bfloat16 (float32 weights and optimiser) | float32", DefaultValueFactory = _ => "bfloat16" };
    private readonly Option<bool> noFastStep = new("--no_fast_step") { Description = "train with LibTorch's convolutions and TorchSharp's Adam in float32 (the slower, first-written step)" };
    private readonly Option<int> replicas = new("--replicas") { Description = "split each batch over N copies of the networks, one thread each, gradients averaged (DataParallel on CPU cores; --batch_size at least N)", DefaultValueFactory = _ => Defaults.Replicas };
    private readonly Option<int> maxSteps = new("--max_steps") { Description = "stop after this many steps (0 = train to the end)", DefaultValueFactory = _ => 0 };

    public TrainArguments(Command command)
    {
        ganMode.AcceptOnlyFromAmong("vanilla", "lsgan", "wgangp", "none");
        precision.AcceptOnlyFromAmong("bfloat16", "float32");
        lrPolicy.AcceptOnlyFromAmong(Names<LearningRatePolicy>());
        initType.AcceptOnlyFromAmong(Names<InitType>());
        foreach (var option in new Option[] { ganMode, ganStartEpoch, lambdaL1, lr, beta1, batchSize, nEpochs, nEpochsDecay, seed, printFreq, saveEpochFreq, saveLatestFreq, epochCount, lrPolicy, lrDecayIters, initType, initGain, continueTrain, epoch, precision, noFastStep, replicas, maxSteps })
        {
            command.Options.Add(option);
        }
    }

    public TrainOptions Bind(ParseResult result, string name, string checkpointsDir)
    {
        var options = new TrainOptions
        {
            Name = name,
            CheckpointsDir = checkpointsDir,
            GanMode = result.GetValue(ganMode) switch { "lsgan" => GanMode.Lsgan, "wgangp" => GanMode.Wgangp, "none" => GanMode.None, _ => GanMode.Vanilla },
            GanStartEpoch = result.GetValue(ganStartEpoch),
            LambdaL1 = result.GetValue(lambdaL1),
            Lr = result.GetValue(lr),
            Beta1 = result.GetValue(beta1),
            BatchSize = result.GetValue(batchSize),
            NEpochs = result.GetValue(nEpochs),
            NEpochsDecay = result.GetValue(nEpochsDecay),
            Seed = result.GetValue(seed),
            PrintFreq = result.GetValue(printFreq),
            SaveEpochFreq = result.GetValue(saveEpochFreq),
            SaveLatestFreq = result.GetValue(saveLatestFreq),
            EpochCount = result.GetValue(epochCount),
            LrPolicy = Enum.Parse<LearningRatePolicy>(result.GetValue(lrPolicy)!, ignoreCase: true),
            LrDecayIters = result.GetValue(lrDecayIters),
            Init = new Initialisation(Enum.Parse<InitType>(result.GetValue(initType)!, ignoreCase: true), result.GetValue(initGain)),
            ContinueTrain = result.GetValue(continueTrain),
            ContinueFrom = RunArguments.CheckpointLabel(result.GetValue(epoch)!),
            MaxSteps = result.GetValue(maxSteps),
            Replicas = result.GetValue(replicas),
            FastStep = !result.GetValue(noFastStep),
            Precision = result.GetValue(precision) == "float32" ? TrainingPrecision.Float32 : TrainingPrecision.Bfloat16,
        };
        if (!options.FastStep && result.GetResult(precision) is { Implicit: false } && options.Precision != TrainingPrecision.Float32)
        {
            throw new UserInputException("--no_fast_step trains in float32; drop --precision bfloat16 or --no_fast_step");
        }
        if (options.BatchSize < 1) throw new UserInputException("--batch_size must be at least 1");
        if (options.Replicas < 1) throw new UserInputException("--replicas must be at least 1");
        if (options.Replicas > options.BatchSize) throw new UserInputException($"--replicas {options.Replicas} splits each batch over {options.Replicas} copies: use --batch_size {options.Replicas} or more");
        if (options.NEpochs < 0 || options.NEpochsDecay < 0 || options.TotalEpochs < 1) throw new UserInputException("--n_epochs + --n_epochs_decay must be at least 1");
        if (!(options.Lr > 0) || double.IsInfinity(options.Lr)) throw new UserInputException("--lr must be a positive number");
        if (!(options.LambdaL1 >= 0) || double.IsInfinity(options.LambdaL1)) throw new UserInputException("--lambda_L1 must be a number, 0 or more");
        if (!(options.Beta1 is >= 0 and < 1)) throw new UserInputException($"--beta1 {options.Beta1}: Adam's beta1 is at least 0 and below 1 (the paper's is 0.5)");
        if (options.PrintFreq < 1 || options.SaveEpochFreq < 1) throw new UserInputException("--print_freq and --save_epoch_freq must be at least 1");
        if (options.EpochCount < 1 || options.EpochCount > options.TotalEpochs)
        {
            throw new UserInputException($"--epoch_count must be between 1 and --n_epochs + --n_epochs_decay ({options.TotalEpochs})");
        }

        if (options.GanStartEpoch < 1 || options.GanStartEpoch > options.TotalEpochs)
        {
            throw new UserInputException($"--gan_start_epoch must be between 1 and --n_epochs + --n_epochs_decay ({options.TotalEpochs})");
        }

        if (options.GanMode == GanMode.None && options.GanStartEpoch != 1)
        {
            throw new UserInputException("--gan_start_epoch says when the cGAN term joins, and --gan_mode none has none: drop one of them");
        }

        if (options.LrDecayIters < 1) throw new UserInputException("--lr_decay_iters must be at least 1");
        if (options.LrPolicy == LearningRatePolicy.Cosine && options.NEpochs < 1) throw new UserInputException("--lr_policy cosine anneals over --n_epochs, which must be at least 1");
        if (!(options.Init.Gain > 0)) throw new UserInputException("--init_gain must be positive");
        if (options.SaveLatestFreq < 0) throw new UserInputException("--save_latest_freq must not be negative");
        if (options.MaxSteps < 0) throw new UserInputException("--max_steps must not be negative");
        if (options.ContinueFrom != "latest" && !options.ContinueTrain) throw new UserInputException($"--epoch {options.ContinueFrom} chooses the checkpoint to continue from: add --continue_train");
        return options;
    }

    /// <summary>An option's accepted values: the enum's names as the reference spells them (lower case).</summary>
    private static string[] Names<TEnum>() where TEnum : struct, Enum => Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()).ToArray();
}
