using Pix2Pix.Training.Inference;
using Pix2Pix.Training.Options;
using SixLabors.ImageSharp;
using TorchSharp;

namespace Pix2Pix.Training.Tests;

/// <summary>A user of the reference implementation pastes its command lines: they run, with the reference's meaning.</summary>
public class ReferenceCommandTests
{
    // The reference's README and scripts/{train,test}_pix2pix.sh, after "python train.py" / "python test.py", with only
    // the dataset's path changed; each test appends what keeps it small (tiny networks, one step, a temp folder).
    private const string ReadmeTrain = "--dataroot DATA --name facades_pix2pix --model pix2pix --direction BtoA";
    private const string ScriptTrain = "--dataroot DATA --name facades_pix2pix --model pix2pix --netG unet_256 --direction BtoA --lambda_L1 100 --dataset_mode aligned --norm batch --pool_size 0";
    private const string ReadmeTest = "--dataroot DATA --name facades_pix2pix --model pix2pix --direction BtoA";
    private const string ScriptTest = "--dataroot DATA --name facades_pix2pix --model pix2pix --netG unet_256 --direction BtoA --dataset_mode aligned --norm batch";

    [Fact]
    public void The_reference_READMEs_and_scripts_train_and_test_command_lines_run_as_they_are()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 2, 300, 300);
        SyntheticPairs.Write(temp["data"], 2, 256, 256, split: "test");
        string[] small = ["--ngf", "8", "--ndf", "8", "--max_steps", "1", "--checkpoints_dir", temp["runs"], "--gpu_ids", "-1", "--display_id", "0"];
        string[] where = ["--checkpoints_dir", temp["runs"], "--results_dir", temp["results"]];

        var trained = new[] { ReadmeTrain, ScriptTrain }.Select(line => Cli.Run(["train", .. Args(line, temp), .. small, .. (line == ScriptTrain ? ["--continue_train"] : Array.Empty<string>())])).ToArray();
        var tested = new[] { ReadmeTest, ScriptTest }.Select(line => Cli.Run(["test", .. Args(line, temp), .. where, "--eval"])).ToArray();

        Assert.All(trained.Concat(tested), r => Assert.True(r.ExitCode == 0, r.Error));
        Assert.Contains("ignored: --display_id", trained[0].Output);
        Assert.True(File.Exists(Path.Combine(temp["runs"], "facades_pix2pix", "latest_net_G.dat")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(temp["results"], "facades_pix2pix", "test_latest", "images"), "*_fake_B.png").Length);
    }

    [Fact]
    public void A_test_line_that_repeats_the_training_lines_architecture_runs_and_one_that_contradicts_the_run_is_refused()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 1, 128, 128);
        SyntheticPairs.Write(temp["data"], 3, 128, 128, split: "test");
        string[] architecture = ["--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--no_dropout", "--norm", "batch", "--input_nc", "3", "--output_nc", "3", "--netD", "basic", "--n_layers_D", "3"];
        var trained = Cli.Run(["train", "--dataroot", temp["data"], "--name", "sketches", "--checkpoints_dir", temp["runs"], "--max_steps", "1", .. architecture]);
        string[] test = ["test", "--dataroot", temp["data"], "--name", "sketches", "--checkpoints_dir", temp["runs"], "--results_dir", temp["results"], "--model", "pix2pix"];

        // The reference's test.py needs the architecture again, and users pass its loader settings along with it.
        var repeated = Cli.Run([.. test, .. architecture, "--batch_size", "1", "--serial_batches", "--no_flip", "--num_threads", "0", "--max_dataset_size", "2", "--init_type", "normal", "--init_gain", "0.02"]);
        var widerThanTrained = Cli.Run([.. test, "--ngf", "16"]);
        var otherDiscriminator = Cli.Run([.. test, "--netD", "pixel"]);
        var otherLevels = Cli.Run([.. test, "--unnormalised_levels", "2"]);
        var noTest = Cli.Run([.. test, "--num_test", "0"]);

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.True(repeated.ExitCode == 0, repeated.Error);
        Assert.Contains("ignored: --batch_size, --serial_batches, --no_flip", repeated.Output);
        Assert.Contains("ignored: --init_type, --init_gain (test loads the run's weights)", repeated.Output);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(temp["results"], "sketches", "test_latest", "images"), "*_fake_B.png").Length);
        Assert.Equal((2, 2, 2), (widerThanTrained.ExitCode, otherDiscriminator.ExitCode, noTest.ExitCode));
        Assert.Contains("--ngf 16: the run was trained with --ngf 8", widerThanTrained.Error);
        Assert.Contains("--netD pixel: the run was trained with --netD basic", otherDiscriminator.Error);
        Assert.Contains("--unnormalised_levels 2: the run was trained with --unnormalised_levels 0", otherLevels.Error);
        Assert.Contains("--num_test and --max_dataset_size must be at least 1", noTest.Error);

        // A run trained with dropout is tested with --no_dropout as the reference allows (test runs without dropout anyway).
        var withDropout = Cli.Run(["train", "--dataroot", temp["data"], "--name", "dropout", "--checkpoints_dir", temp["runs"], "--max_steps", "1", "--netG", "unet_128", "--ngf", "8", "--ndf", "8"]);
        var testedWithout = Cli.Run(["test", "--dataroot", temp["data"], "--name", "dropout", "--checkpoints_dir", temp["runs"], "--results_dir", temp["results"], "--no_dropout", "--num_test", "1"]);
        Assert.Equal((0, 0), (withDropout.ExitCode, testedWithout.ExitCode));
    }

    [Fact]
    public void Wgangp_trains_with_the_critics_mean_scores_and_no_gradient_penalty_as_the_references_pix2pix()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 1, 128, 128);
        using var scores = TorchSharp.torch.tensor(new float[] { 1, 2, 6 });
        var loss = new Training.GanLoss(GanMode.Wgangp);

        var trained = Cli.Run("train", "--dataroot", temp["data"], "--name", "critic", "--checkpoints_dir", temp["runs"], "--gan_mode", "wgangp",
            "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128", "--max_steps", "2");

        Assert.Equal(-3f, loss.Compute(scores, targetIsReal: true).item<float>());
        Assert.Equal(3f, loss.Compute(scores, targetIsReal: false).item<float>());
        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains("\"gan_mode\": \"wgangp\"", File.ReadAllText(Path.Combine(temp["runs"], "critic", "train_options.json")));
    }

    [Theory]
    [InlineData("--gpu_ids 0,1", "training on several GPUs at once is not implemented here")]
    [InlineData("--pool_size -1", "the pool holds 0 or more images")]
    [InlineData("--load_iter 5000", "no iteration checkpoints are kept here")]
    [InlineData("--epoch_count 300", "--epoch_count must be between 1 and")]
    [InlineData("--model cycle_gan", "cycle_gan")]
    [InlineData("--dataset_mode unaligned", "unaligned")]
    public void What_the_reference_chooses_that_is_not_here_is_refused_in_one_line(string options, string expected)
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 1, 128, 128);

        var result = Cli.Run(["train", .. Args("--dataroot DATA --name facades_pix2pix --direction BtoA", temp), "--checkpoints_dir", temp["runs"], .. options.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.False(Directory.Exists(temp["runs"]) && Directory.EnumerateFileSystemEntries(temp["runs"]).Any());
    }

    [Fact]
    public void A_suffix_names_the_run_from_its_options_and_web_index_html_shows_its_epochs_unless_no_html()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 1, 128, 128);
        string[] common = ["--dataroot", temp["data"], "--checkpoints_dir", temp["runs"], "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--n_epochs", "2", "--n_epochs_decay", "0"];

        var withPage = Cli.Run(["train", .. common, "--name", "sketches", "--suffix", "{netG}_size{load_size}", "--verbose"]);
        var withoutPage = Cli.Run(["train", .. common, "--name", "plain", "--no_html"]);

        Assert.Equal((0, 0), (withPage.ExitCode, withoutPage.ExitCode));
        Assert.Contains("generator unet_128 (ngf 8, batch norm):", withPage.Output);
        var page = File.ReadAllText(Path.Combine(temp["runs"], "sketches_unet_128_size286", "web", "index.html"));
        Assert.True(page.IndexOf("../samples/epoch_002.png", StringComparison.Ordinal) < page.IndexOf("../samples/epoch_001.png", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(temp["runs"], "plain", "web")));

        // test resolves the suffix as the reference's test.py does: given options by their value, others by the reference's
        // defaults (unet_256; test's load_size is its crop_size, 256), so the training line's values find the run.
        string[] test = ["test", "--dataroot", temp["data"], "--phase", "train", "--checkpoints_dir", temp["runs"], "--results_dir", temp["results"], "--name", "sketches", "--suffix", "{netG}_size{load_size}"];
        var found = Cli.Run([.. test, "--netG", "unet_128", "--load_size", "286"]);
        var defaults = Cli.Run(test);
        Assert.True(found.ExitCode == 0, found.Error);
        Assert.Equal(2, defaults.ExitCode);
        Assert.Contains("sketches_unet_256_size256", defaults.Error);
    }

    [Theory]
    [InlineData(LearningRatePolicy.Step, new[] { 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.01 })]               // lr_decay_iters 3
    [InlineData(LearningRatePolicy.Plateau, new[] { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.2 })]  // the 7th scheduler step reduces
    [InlineData(LearningRatePolicy.Cosine, new[] { 1.0, 0.75, 0.25, 0.0, 0.25 })]                    // half a cosine over n_epochs 3
    public void Each_lr_policy_follows_the_references_scheduler_stepped_once_an_epoch(LearningRatePolicy policy, double[] factors)
    {
        var options = new TrainOptions { Name = "x", LrPolicy = policy, NEpochs = 3, NEpochsDecay = 10, LrDecayIters = 3 };

        var rates = Enumerable.Range(1, factors.Length).Select(options.LearningRateAt).ToArray();

        Assert.Equal(factors.Select(f => 0.0002 * f), rates, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void A_schedulers_epochs_count_from_epoch_count()
    {
        var options = new TrainOptions { Name = "x", LrPolicy = LearningRatePolicy.Step, NEpochs = 3, NEpochsDecay = 10, LrDecayIters = 3, EpochCount = 4 };

        Assert.Equal([0.0002, 0.0002, 0.0002, 0.00002], new[] { 4, 5, 6, 7 }.Select(options.LearningRateAt).ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Init_types_give_the_references_weight_statistics()
    {
        var network = new NetworkOptions { NetG = "unet_128", Ngf = 16 };

        using var kaiming = Models.Networks.CreateGenerator(network, init: new Initialisation(InitType.Kaiming));
        using var orthogonal = Models.Networks.CreateGenerator(network, init: new Initialisation(InitType.Orthogonal, 0.5));
        using var xavier = Models.Networks.CreateGenerator(network, init: new Initialisation(InitType.Xavier, 2.0));

        var conv = (Func<torch.nn.Module, torch.Tensor>)(g => g.named_parameters().First(p => p.name.EndsWith("weight", StringComparison.Ordinal) && p.parameter.dim() == 4 && p.parameter.shape[0] == 32 && p.parameter.shape[1] == 16).parameter);
        var k = conv(kaiming);   // a 32×16×4×4 convolution: fan in 256
        Assert.InRange(k.std().item<float>(), 0.9 * Math.Sqrt(2.0 / 256), 1.1 * Math.Sqrt(2.0 / 256));
        var o = conv(orthogonal).reshape(32, -1);
        Assert.True(torch.eye(32).mul(0.25).allclose(o.matmul(o.t()), atol: 1e-5));
        Assert.InRange(conv(xavier).std().item<float>(), 0.9 * 2.0 * Math.Sqrt(2.0 / (256 + 512)), 1.1 * 2.0 * Math.Sqrt(2.0 / (256 + 512)));
    }

    [Fact]
    public void Aspect_ratio_widens_or_heightens_saved_images_as_the_reference_does()
    {
        Assert.Equal(new Size(384, 256), TestRun.AtAspectRatio(new Size(256, 256), 1.5));
        Assert.Equal(new Size(256, 512), TestRun.AtAspectRatio(new Size(256, 256), 0.5));
    }

    private static string[] Args(string line, TempFolder temp) => line.Replace("DATA", temp["data"]).Split(' ');
}
