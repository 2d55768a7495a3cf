using Pix2Pix.Training.Options;
using Pix2Pix.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

/// <summary>The command line end to end, including every error a user can cause: one line, exit code 2, no stack trace.</summary>
public class CliTests : IClassFixture<CliTests.TrainedRun>
{
    private readonly TrainedRun run;

    public CliTests(TrainedRun run) => this.run = run;

    /// <summary>One tiny run trained through the CLI, shared by the tests that need a checkpoint.</summary>
    public sealed class TrainedRun : IDisposable
    {
        public TrainedRun()
        {
            SyntheticPairs.Write(Temp["data"], 2, 128, 128);
            SyntheticPairs.Write(Temp["data"], 2, 160, 128, split: "test");
            Train = Cli.Run("train", "--dataroot", Temp["data"], "--name", "tiny", "--checkpoints_dir", Temp["checkpoints"],
                "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128", "--n_epochs", "1", "--n_epochs_decay", "0");
        }

        public TempFolder Temp { get; } = new();
        public Cli.Result Train { get; }

        public string[] Checkpoint => ["--name", "tiny", "--checkpoints_dir", Temp["checkpoints"]];

        public void Dispose() => Temp.Dispose();
    }

    [Fact]
    public void Train_through_the_command_line_reports_speed_and_saves_the_run()
    {
        Assert.Equal(0, run.Train.ExitCode);
        Assert.Contains("img/s", run.Train.Output);
        Assert.True(File.Exists(run.Temp["checkpoints/tiny/latest_net_G.dat"]));
    }

    [Fact]
    public void Train_takes_the_fast_step_by_default_and_records_it()
    {
        Assert.Contains("fast step (bfloat16 discriminator)", run.Train.Output);
        var record = File.ReadAllText(run.Temp["checkpoints/tiny/train_options.json"]);
        Assert.Contains("\"fast_step\": true", record);
        Assert.Contains("\"precision\": \"bfloat16\"", record);
    }

    [Fact]
    public void The_first_written_step_cannot_be_asked_for_in_bfloat16()
    {
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "x", "--checkpoints_dir", run.Temp["c"], "--no_fast_step", "--precision", "bfloat16"),
            "--no_fast_step trains in float32");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "x", "--checkpoints_dir", run.Temp["c"], "--precision", "float16"),
            "float16");
    }

    [Fact]
    public void Test_writes_input_output_and_target_images_and_a_gallery()
    {
        var results = run.Temp["results"];
        var result = Cli.Run(["test", "--dataroot", run.Temp["data"], "--results_dir", results, .. run.Checkpoint]);

        Assert.Equal(0, result.ExitCode);
        var page = File.ReadAllText(Path.Combine(results, "tiny", "test_latest", "index.html"));
        Assert.Contains("pair_001_fake_B.png", page);
        using var fake = Image.Load<Rgb24>(Path.Combine(results, "tiny", "test_latest", "images", "pair_000_fake_B.png"));
        Assert.Equal((160, 128), (fake.Width, fake.Height));
    }

    [Fact]
    public void Test_in_the_other_direction_writes_beside_the_trained_directions_results_not_over_them()
    {
        var results = run.Temp["results-direction"];
        Assert.Equal(0, Cli.Run(["test", "--dataroot", run.Temp["data"], "--results_dir", results, .. run.Checkpoint]).ExitCode);
        var trained = Path.Combine(results, "tiny", "test_latest", "images", "pair_000_fake_B.png");
        var before = File.ReadAllBytes(trained);

        var reversed = Cli.Run(["test", "--dataroot", run.Temp["data"], "--results_dir", results, "--direction", "BtoA", .. run.Checkpoint]);

        Assert.Equal(0, reversed.ExitCode);
        Assert.Contains("test_latest_BtoA", reversed.Output);
        Assert.True(File.Exists(Path.Combine(results, "tiny", "test_latest_BtoA", "index.html")));
        Assert.Equal(before, File.ReadAllBytes(trained));
    }

    [Fact]
    public void Dataset_folders_read_webp_and_tiff_images_too()
    {
        var folder = run.Temp["formats"];
        Directory.CreateDirectory(folder);
        using (var image = new Image<Rgb24>(8, 4, new Rgb24(200, 10, 10)))
        {
            image.SaveAsWebp(Path.Combine(folder, "a.webp"), new SixLabors.ImageSharp.Formats.Webp.WebpEncoder { FileFormat = SixLabors.ImageSharp.Formats.Webp.WebpFileFormatType.Lossless });
            image.SaveAsTiff(Path.Combine(folder, "b.tif"));
            image.SaveAsPng(Path.Combine(folder, "c.png"));
        }

        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");

        var files = Data.ImageFiles.In(folder);

        Assert.Equal(["a.webp", "b.tif", "c.png"], files.Select(Path.GetFileName));
        using var webp = Data.ImageFiles.Load(files[0]);
        Assert.Equal(new Rgb24(200, 10, 10), webp[3, 2]);
    }

    [Fact]
    public void Transparent_pixels_are_read_on_white_as_the_service_composites_them()
    {
        var path = run.Temp["alpha/sketch.png"];
        Directory.CreateDirectory(run.Temp["alpha"]);
        using (var image = new Image<Rgba32>(4, 2, new Rgba32(0, 0, 0, 0)))
        {
            image[1, 0] = new Rgba32(200, 0, 0, 128);
            image[2, 0] = new Rgba32(0, 0, 0, 255);
            image.SaveAsPng(path);
        }

        using var read = Data.ImageFiles.Load(path);

        Assert.Equal(new Rgb24(255, 255, 255), read[0, 0]); // transparent black reads as the white behind it, not black
        Assert.Equal(new Rgb24(0, 0, 0), read[2, 0]);
        Assert.InRange(read[1, 0].R, 220, 234);              // half-transparent red over white
        Assert.InRange(read[1, 0].G, 120, 134);
    }

    [Fact]
    public void Translating_a_folder_where_two_inputs_would_make_one_output_is_refused_before_anything_is_written()
    {
        var folder = run.Temp["clash"];
        Directory.CreateDirectory(folder);
        using (var image = new Image<Rgb24>(16, 16, new Rgb24(10, 200, 30)))
        {
            image.SaveAsPng(Path.Combine(folder, "a.png"));
            image.SaveAsJpeg(Path.Combine(folder, "a.jpg"));
        }

        var result = Cli.Run(["translate", "--input", folder, "--output", run.Temp["clash-out"], .. run.Checkpoint]);

        AssertUserError(result, "a.jpg and a.png would both be written to");
        Assert.False(Directory.Exists(run.Temp["clash-out"]));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(37, 1)]
    public async Task Narrow_interlaced_pngs_that_hang_ImageSharps_decoder_are_translated_or_refused_in_one_line(int width, int height)
    {
        // ImageSharp's own encoder writes these; its 2.1 decoder never returns on some of them (the service's HostileInputTests).
        var path = run.Temp[$"adam7_{width}x{height}.png"];
        using (var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255)))
        {
            image.SaveAsPng(path, new SixLabors.ImageSharp.Formats.Png.PngEncoder
            {
                ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale,
                BitDepth = SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit1,
                InterlaceMethod = SixLabors.ImageSharp.Formats.Png.PngInterlaceMode.Adam7,
            });
        }

        var translating = Task.Run(() => Cli.Run(["translate", "--input", path, "--output", run.Temp[$"adam7_{width}x{height}_out.png"], .. run.Checkpoint]));

        var result = await translating.WaitAsync(TimeSpan.FromSeconds(60));   // a TimeoutException if it hangs
        Assert.True(result.ExitCode == 0 || (result.ExitCode == 2 && result.Error.Contains("cannot read image", StringComparison.Ordinal)), $"exit {result.ExitCode}: {result.Error}");
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void Translate_keeps_the_size_of_any_input_image()
    {
        using var input = new Image<Rgb24>(301, 77, new Rgb24(10, 200, 30));
        var path = run.Temp["odd.png"];
        input.SaveAsPng(path);

        var result = Cli.Run(["translate", "--input", path, "--output", run.Temp["out/odd.png"], .. run.Checkpoint]);

        Assert.Equal(0, result.ExitCode);
        using var output = Image.Load<Rgb24>(run.Temp["out/odd.png"]);
        Assert.Equal((301, 77), (output.Width, output.Height));
    }

    [Fact]
    public void Translate_refuses_to_overwrite_its_input()
    {
        var path = run.Temp["keep.png"];
        using (var input = new Image<Rgb24>(64, 64)) input.SaveAsPng(path);
        var before = File.ReadAllBytes(path);

        var result = Cli.Run(["translate", "--input", path, "--output", path, .. run.Checkpoint]);

        AssertUserError(result, "would overwrite the input");
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void An_unknown_option_value_is_one_line_and_exit_code_2()
    {
        AssertUserError(Cli.Run("summary", "--netG", "unet_512"), "'unet_512' not recognized");
    }

    [Fact]
    public void A_missing_dataroot_names_the_folder()
    {
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["nowhere"], "--name", "x", "--checkpoints_dir", run.Temp["c"]), "--dataroot not found");
    }

    [Fact]
    public void A_dataroot_without_a_train_folder_says_what_it_expected()
    {
        Directory.CreateDirectory(run.Temp["empty"]);
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["empty"], "--name", "x", "--checkpoints_dir", run.Temp["c"]), "no 'train' folder");
    }

    [Fact]
    public void An_unreadable_image_is_named()
    {
        SyntheticPairs.Write(run.Temp["broken"], 1, 128, 128);
        File.WriteAllText(run.Temp["broken/train/zz_not_an_image.png"], "this is text");

        var result = Cli.Run("train", "--dataroot", run.Temp["broken"], "--name", "b", "--checkpoints_dir", run.Temp["c"],
            "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--serial_batches", "--n_epochs", "1", "--n_epochs_decay", "0");

        AssertUserError(result, "cannot read image");
        Assert.Contains("zz_not_an_image.png", result.Error);
    }

    [Fact]
    public void A_too_small_image_is_named_with_its_size()
    {
        SyntheticPairs.Write(run.Temp["small"], 1, 64, 64);
        var result = Cli.Run("train", "--dataroot", run.Temp["small"], "--name", "s", "--checkpoints_dir", run.Temp["c"], "--preprocess", "crop");

        AssertUserError(result, "is 64x64 after preprocessing, smaller than --crop_size 256");
    }

    [Fact]
    public void Continuing_with_another_architecture_says_which_setting_differs()
    {
        var result = Cli.Run(["train", "--dataroot", run.Temp["data"], .. run.Checkpoint, "--netG", "unet_128", "--ngf", "16", "--ndf", "8", "--preprocess", "none", "--continue_train"]);

        AssertUserError(result, "trained with another architecture (ngf 8 vs 16");
    }

    [Fact]
    public void A_checkpoint_from_another_architecture_is_refused_with_its_path()
    {
        var other = run.Temp["checkpoints/other"];
        Directory.CreateDirectory(other);
        var record = RunRecord.Load(run.Temp["checkpoints/tiny"]);
        (record with { Network = record.Network with { Ngf = 16 } }).Save(other);
        File.Copy(run.Temp["checkpoints/tiny/latest_net_G.dat"], Path.Combine(other, "latest_net_G.dat"));

        var result = Cli.Run("translate", "--input", run.Temp["data/test/pair_000.png"], "--output", run.Temp["x.png"], "--name", "other", "--checkpoints_dir", run.Temp["checkpoints"]);

        AssertUserError(result, "does not fit this generator's architecture");
        Assert.Contains("latest_net_G.dat", result.Error);
    }

    [Fact]
    public void A_missing_run_or_epoch_is_named()
    {
        AssertUserError(Cli.Run("test", "--dataroot", run.Temp["data"], "--name", "nope", "--checkpoints_dir", run.Temp["checkpoints"]), "no run found");
        AssertUserError(Cli.Run(["translate", "--input", run.Temp["data/test/pair_000.png"], "--output", run.Temp["y.png"], "--epoch", "7", .. run.Checkpoint]), "7_net_G.dat");
        AssertUserError(Cli.Run(["translate", "--input", run.Temp["data/test/pair_000.png"], "--output", run.Temp["y.png"], "--epoch", "seven", .. run.Checkpoint]), "--epoch must be");
    }

    [Fact]
    public void Training_again_under_an_existing_name_refuses_rather_than_overwrite_the_run()
    {
        var before = File.ReadAllBytes(run.Temp["checkpoints/tiny/latest_net_G.dat"]);

        var result = Cli.Run(["train", "--dataroot", run.Temp["data"], .. run.Checkpoint, "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128"]);

        AssertUserError(result, "already holds a run; resume it with --continue_train");
        Assert.Equal(before, File.ReadAllBytes(run.Temp["checkpoints/tiny/latest_net_G.dat"]));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{ \"epoch\": ")]
    public void A_run_whose_state_file_is_damaged_is_named_in_one_line_not_a_stack_trace(string damaged)
    {
        using var temp = new TempFolder();
        foreach (var file in Directory.GetFiles(run.Temp["checkpoints/tiny"])) File.Copy(file, Path.Combine(temp.Path, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(temp.Path, "latest_state.json"), damaged);
        string[] copy = ["--name", Path.GetFileName(temp.Path), "--checkpoints_dir", Path.GetDirectoryName(temp.Path)!];

        AssertUserError(Cli.Run(["export", .. copy, "--output", temp["out.onnx"]]), "latest_state.json is not a training state this program wrote");
        Assert.False(File.Exists(temp["out.onnx"]));
    }

    [Fact]
    public void An_export_whose_card_would_replace_another_json_file_is_refused()
    {
        var record = File.ReadAllBytes(run.Temp["checkpoints/tiny/train_options.json"]);

        var result = Cli.Run(["export", .. run.Checkpoint, "--output", run.Temp["checkpoints/tiny/train_options.onnx"]]);

        AssertUserError(result, "which is not the card of a model there");
        Assert.Equal(record, File.ReadAllBytes(run.Temp["checkpoints/tiny/train_options.json"]));
        Assert.False(File.Exists(run.Temp["checkpoints/tiny/train_options.onnx"]));
    }

    [Fact]
    public void Continuing_from_an_epoch_needs_continue_train_and_a_kept_checkpoint_and_changes_nothing_otherwise()
    {
        var before = File.ReadAllBytes(run.Temp["checkpoints/tiny/latest_net_G.dat"]);
        string[] train = ["train", "--dataroot", run.Temp["data"], .. run.Checkpoint, "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128"];

        AssertUserError(Cli.Run([.. train, "--epoch", "1"]), "--epoch 1 chooses the checkpoint to continue from: add --continue_train");
        AssertUserError(Cli.Run([.. train, "--continue_train", "--epoch", "9"]), "no '9' checkpoint in");
        AssertUserError(Cli.Run([.. train, "--continue_train", "--epoch", "nine"]), "--epoch must be");
        Assert.Equal(before, File.ReadAllBytes(run.Temp["checkpoints/tiny/latest_net_G.dat"]));
    }

    [Fact]
    public void A_checkpoints_folder_the_system_will_not_write_is_one_line_and_exit_code_1()
    {
        var file = run.Temp["not-a-folder"];
        File.WriteAllText(file, "a file where the checkpoints folder should be");

        var result = Cli.Run(["train", "--dataroot", run.Temp["data"], "--name", "n", "--checkpoints_dir", file, "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("pix2pix train: ", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Equal("a file where the checkpoints folder should be", File.ReadAllText(file));
    }

    [Fact]
    public void Bad_numbers_are_refused_before_anything_runs()
    {
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--batch_size", "0"), "--batch_size must be at least 1");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--load_size", "200"), "--crop_size 256 is larger than --load_size 200");
        AssertUserError(Cli.Run("summary", "--crop_size", "100"), "multiple of 256");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--beta1", "1"), "--beta1 1: Adam's beta1 is at least 0 and below 1");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--beta1", "-0.5"), "--beta1 -0.5");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--lr", "NaN"), "--lr must be a positive number");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--n_epochs", "2", "--n_epochs_decay", "1", "--gan_start_epoch", "4"),
            "--gan_start_epoch must be between 1 and --n_epochs + --n_epochs_decay (3)");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--gan_mode", "none", "--gan_start_epoch", "2"),
            "--gan_mode none has none: drop one of them");
        // A discriminator's size given as 0 or less is refused, not replaced by the default.
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--netD", "n_layers", "--n_layers_D", "0"), "--n_layers_D must be 1 to 20");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--ndf", "0"), "--ngf and --ndf must be positive");
        AssertUserError(Cli.Run("summary", "--netG", "unet_128", "--crop_size", "128", "--unnormalised_levels", "7"), "--unnormalised_levels 7: unet_128 has 6 levels inside its outermost");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--rotate", "90"), "--rotate must be between 0 and 45 degrees");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--shear", "-5"), "--shear must be between 0 and 30 degrees");
        // Crops the networks cannot take: LibTorch's own errors otherwise, from inside the first step.
        AssertUserError(Cli.Run("summary", "--netG", "resnet_6blocks", "--crop_size", "16"), "--crop_size 16 is smaller than the basic discriminator's smallest input, 24");
        AssertUserError(Cli.Run("summary", "--netG", "resnet_6blocks", "--crop_size", "4"), "at least 8");
        AssertUserError(Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "n", "--netG", "resnet_6blocks", "--load_size", "16", "--crop_size", "16"),
            "--crop_size 16 is smaller than the basic discriminator's smallest input, 24");
    }

    [Theory]
    [InlineData("basic", 3, 24)]
    [InlineData("n_layers", 1, 6)]
    [InlineData("n_layers", 5, 96)]
    [InlineData("pixel", 3, 1)]
    public void The_discriminators_smallest_input_is_the_smallest_side_it_scores_a_patch_of(string netD, int layers, int side)
    {
        var network = new Options.NetworkOptions { NetD = netD, NLayersD = layers };
        using var discriminator = Models.Networks.CreateDiscriminator(network);
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var _ = TorchSharp.torch.no_grad();

        Assert.Equal(side, network.DiscriminatorMinimumSide);
        Assert.Equal(1, discriminator.forward(TorchSharp.torch.zeros(1, 6, side, side)).shape[2]);
        if (side > 1) Assert.ThrowsAny<Exception>(() => discriminator.forward(TorchSharp.torch.zeros(1, 6, side - 1, side - 1)));
    }

    [Fact]
    public void An_unreadable_image_met_mid_epoch_saves_the_steps_before_it_and_the_fixed_file_resumes_from_there()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 3, 128, 128);
        var files = Directory.GetFiles(temp["data/train"]).Order(StringComparer.Ordinal).ToArray();
        var good = File.ReadAllBytes(files[2]);
        File.WriteAllText(files[2], "not a png");
        string[] train = ["train", "--dataroot", temp["data"], "--name", "broken", "--checkpoints_dir", temp["runs"], "--netG", "unet_128", "--ngf", "8", "--ndf", "8",
            "--preprocess", "none", "--crop_size", "128", "--serial_batches", "--n_epochs", "1", "--n_epochs_decay", "0"];

        var failed = Cli.Run(train);
        File.Delete(files[2]);   // without it, the saved steps' data order is not this one
        var fewer = Cli.Run([.. train, "--continue_train"]);
        File.WriteAllBytes(files[2], good);
        var resumed = Cli.Run([.. train, "--continue_train"]);

        AssertUserError(failed, $"cannot read image {files[2]}");
        Assert.Contains("(step 3, 2 into epoch 1; saved 'latest' before it", failed.Error);
        AssertUserError(fewer, "the split's number of pairs was 3 when it was saved, 2 now");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("from step 3 of epoch 1", resumed.Output);
    }

    [Fact]
    public void A_resumed_run_keeps_its_direction_unless_another_is_given_which_is_refused()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 1, 128, 128);
        string[] common = ["train", "--dataroot", temp["data"], "--name", "reverse", "--checkpoints_dir", temp["runs"], "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128", "--n_epochs_decay", "0"];
        Assert.Equal(0, Cli.Run([.. common, "--direction", "BtoA", "--n_epochs", "1"]).ExitCode);

        var forward = Cli.Run([.. common, "--n_epochs", "2", "--continue_train", "--direction", "AtoB"]);
        var resumed = Cli.Run([.. common, "--n_epochs", "2", "--continue_train"]);

        AssertUserError(forward, "it was trained --direction BtoA, and AtoB would teach it the reverse mapping");
        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("last complete epoch 2", resumed.Output);
        Assert.Equal(Options.Direction.BtoA, Training.RunRecord.Load(temp["runs/reverse"]).Data!.Direction);
    }

    [Fact]
    public void Replicas_are_refused_where_they_cannot_split_a_batch_or_repeat_a_run()
    {
        string[] train = ["train", "--dataroot", run.Temp["data"], "--name", "replicas", "--checkpoints_dir", run.Temp["replicas"], "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128"];
        AssertUserError(Cli.Run([.. train, "--replicas", "2"]), "--replicas 2 splits each batch over 2 copies: use --batch_size 2 or more");
        AssertUserError(Cli.Run([.. train, "--replicas", "0"]), "--replicas must be at least 1");
        AssertUserError(Cli.Run([.. train, "--replicas", "2", "--batch_size", "2"]), "--replicas above 1 needs --no_dropout");
        AssertUserError(Cli.Run([.. train, "--replicas", "2", "--batch_size", "2", "--no_dropout", "--pool_size", "4"]), "--replicas above 1 needs --pool_size 0");
        Assert.False(File.Exists(run.Temp["replicas/replicas/latest_net_G.dat"]));
    }

    [Fact]
    public void Train_with_replicas_says_so_and_records_them()
    {
        var result = Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "two", "--checkpoints_dir", run.Temp["two"], "--netG", "unet_128", "--ngf", "8", "--ndf", "8",
            "--preprocess", "none", "--crop_size", "128", "--n_epochs", "1", "--n_epochs_decay", "0", "--batch_size", "2", "--replicas", "2", "--no_dropout");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("batch 2 over 2 replicas", result.Output);
        Assert.Contains("\"replicas\": 2", File.ReadAllText(run.Temp["two/two/train_options.json"]));
    }

    private static void AssertUserError(Cli.Result result, string expected)
    {
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.DoesNotContain("Exception", result.Error);
    }
}

/// <summary>The training CLI as its own process, for what only a process shows: signals and exit codes.</summary>
public class TrainingProcessTests
{
    [Theory]
    [InlineData(2)]    // SIGINT: Ctrl+C
    [InlineData(15)]   // SIGTERM: docker stop, a deleted Kubernetes Job
    public async Task A_signal_stops_training_after_the_current_step_with_its_message_on_its_own_line_and_exit_code_130(int signal)
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 16, 128, 128);
        using var process = StartTraining("--dataroot", temp["data"], "--name", "signal", "--checkpoints_dir", temp["runs"],
            "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--n_epochs", "1000", "--n_epochs_decay", "0", "--print_freq", "1");
        var lines = await ReadUntil(process, l => l.StartsWith("epoch 3/", StringComparison.Ordinal));   // a step of epoch 3 is done

        Assert.Equal(0, Kill(process.Id, signal));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        lines.AddRange((await process.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // The trainer may have gone on a few steps (on a fast machine, into a later epoch) before the signal arrived:
        // wherever it landed, it stops once, after a whole step, and saves exactly there.
        Assert.Equal(130, process.ExitCode);
        var stops = lines.Where(l => l.StartsWith("stopped in epoch ", StringComparison.Ordinal)).ToArray();
        Assert.True(stops.Length <= 1, string.Join(" | ", stops));
        var stopped = stops.SingleOrDefault() ?? lines.Last(l => l.StartsWith("end of epoch ", StringComparison.Ordinal));
        var epoch = int.Parse(stopped.Split(' ', '/')[3], System.Globalization.CultureInfo.InvariantCulture);   // "stopped in epoch E at", "end of epoch E/N:"
        Assert.True(epoch >= 3, stopped);
        Assert.Contains(lines, l => l.StartsWith($"end of epoch {epoch - 1}/", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("trained ", StringComparison.Ordinal));
        Assert.Equal("", await process.StandardError.ReadToEndAsync());
        var state = System.Text.Json.JsonSerializer.Deserialize<Training.TrainingState>(File.ReadAllText(temp["runs/signal/latest_state.json"]), Training.RunRecord.Json)!;
        if (stopped.StartsWith("stopped", StringComparison.Ordinal))   // saved where it stopped, inside the epoch
        {
            Assert.Equal((epoch - 1, $"stopped in epoch {epoch} at step {state.Step}; saved 'latest' there (resume with --continue_train)"), (state.Epoch, stopped));
            Assert.Equal(state.Step - (epoch - 1) * 16, state.BatchesIntoEpoch);
        }
        else
        {
            Assert.Equal((epoch, 0), (state.Epoch, state.BatchesIntoEpoch));
        }
    }

    [Fact]
    public async Task A_run_killed_outright_continues_from_the_latest_it_saved_inside_the_epoch()
    {
        using var temp = new TempFolder();
        // An epoch long enough that the kill lands inside it even where the trainer runs on for a while after the line read.
        const int pairs = 96;
        SyntheticPairs.Write(temp["data"], pairs, 128, 128);
        string[] run = ["--dataroot", temp["data"], "--name", "killed", "--checkpoints_dir", temp["runs"], "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none"];
        using var process = StartTraining([.. run, "--n_epochs", "1000", "--n_epochs_decay", "0", "--save_latest_freq", "2"]);
        await ReadUntil(process, l => l.StartsWith("saved 'latest' at step 4 ", StringComparison.Ordinal));

        Assert.Equal(0, Kill(process.Id, 9));   // SIGKILL: nothing of the trainer runs after it
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var state = System.Text.Json.JsonSerializer.Deserialize<Training.TrainingState>(File.ReadAllText(temp["runs/killed/latest_state.json"]), Training.RunRecord.Json)!;
        var resumed = Cli.Run(["train", .. run, "--n_epochs", "1000", "--n_epochs_decay", "0", "--continue_train", "--max_steps", "1"]);

        // Saved every 2 images, at step 4 or later; almost always inside epoch 1, but a fast machine may run on past it.
        Assert.Equal(0, state.Step % 2);
        Assert.True(state.Step >= 4, $"the latest save is of step {state.Step}");
        Assert.Equal(state.Step, state.Epoch * pairs + state.BatchesIntoEpoch);
        Assert.Equal(0, resumed.ExitCode);
        if (state.BatchesIntoEpoch > 0) Assert.Contains($"(from step {state.BatchesIntoEpoch + 1} of epoch {state.Epoch + 1})", resumed.Output);
        else Assert.Contains($"epochs {state.Epoch + 1}..", resumed.Output);
    }

    /// <summary>
    /// The training CLI as a child process whose SIGINT is at its default: a test run started in the background (nohup,
    /// CI agents) ignores SIGINT, and a child inherits that, so Ctrl+C's signal would never arrive. Perl (essential in
    /// Debian) resets it and execs the CLI in the same process. Disposing kills the child if a test failed midway.
    /// </summary>
    private static ChildProcess StartTraining(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet", Path.Combine(AppContext.BaseDirectory, "pix2pix.dll"), "train", .. args])
        {
            start.ArgumentList.Add(argument);
        }

        return new ChildProcess(System.Diagnostics.Process.Start(start)!);
    }

    /// <summary>Lines of the child's output up to and including the first that <paramref name="last"/> matches, within two minutes.</summary>
    private static async Task<List<string>> ReadUntil(ChildProcess process, Func<string, bool> last)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            lines.Add(line);
            if (last(line)) return lines;
        }

        throw new Xunit.Sdk.XunitException($"the training process ended (exit {process.ExitCode}) before the line awaited: {string.Join(" | ", lines.TakeLast(3))} {await process.StandardError.ReadToEndAsync()}");
    }

    private sealed class ChildProcess(System.Diagnostics.Process process) : IDisposable
    {
        public int Id => process.Id;
        public StreamReader StandardOutput => process.StandardOutput;
        public StreamReader StandardError => process.StandardError;
        public int ExitCode => process.ExitCode;
        public Task WaitForExitAsync() => process.WaitForExitAsync();

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);   // before the test's temp folder is removed under it
            }

            process.Dispose();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}

public class CountedTests
{
    [Theory]
    [InlineData(1, "1 image")]
    [InlineData(0, "0 images")]
    [InlineData(12, "12 images")]
    public void Counts_read_as_a_person_writes_them(int count, string expected) => Assert.Equal(expected, Commands.Counted.Of(count, "image"));

    [Fact]
    public void An_irregular_plural_is_given()
    {
        Assert.Equal("2 sketches", Commands.Counted.Of(2, "sketch", "sketches"));
        Assert.Equal("1 sketch", Commands.Counted.Of(1, "sketch", "sketches"));
    }
}
