using Microsoft.ML.OnnxRuntime;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Data;
using Pix2Pix.Training.Export;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

/// <summary>The export and import verbs end to end, on a run trained through the CLI.</summary>
public class OnnxExportTests : IClassFixture<CliTests.TrainedRun>
{
    private readonly CliTests.TrainedRun run;

    public OnnxExportTests(CliTests.TrainedRun run) => this.run = run;

    [Fact]
    public void The_exported_file_declares_what_a_server_needs_in_its_metadata_and_its_card()
    {
        var path = run.Temp["exported/tiny.onnx"];
        var result = Cli.Run(["export", "--output", path, .. run.Checkpoint]);

        Assert.Equal(0, result.ExitCode);
        using var session = OnnxSessions.Open(path);
        var card = ModelCard.FromMetadata(session.ModelMetadata.CustomMetadataMap);
        Assert.Equal(("unet_128", 8, "batch", 128, 128), (card.Architecture, card.Ngf, card.Norm, card.NativeSize, card.SizeMultiple));
        Assert.Equal(("AtoB", "[-1,1]", NormalizationAtTest.Image, "data", "1"), (card.Direction, card.ValueRange, card.NormalizationAtTest, card.Dataset, card.Epoch)); // "latest" is recorded as the epoch it was
        Assert.Equal(GeneratorExporter.Version, card.ExporterVersion);
        Assert.Equal(card, System.Text.Json.JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(run.Temp["exported/tiny.json"]), ModelCard.Json));
        var input = session.InputMetadata[GeneratorExporter.InputName];
        Assert.Equal([-1, 3, -1, -1], input.Dimensions);
    }

    [Fact]
    public void A_licence_given_to_export_travels_in_the_model_as_onnx_model_license_and_in_its_card()
    {
        const string terms = "CC BY-SA 4.0; trained on OpenMoji (https://openmoji.org)";
        var path = run.Temp["licensed/tiny.onnx"];

        var result = Cli.Run(["export", "--output", path, "--license", terms, .. run.Checkpoint]);

        Assert.True(result.ExitCode == 0, result.Error);
        using var session = OnnxSessions.Open(path);
        Assert.Equal(terms, session.ModelMetadata.CustomMetadataMap["model_license"]);
        Assert.Equal(terms, ModelCard.FromMetadata(session.ModelMetadata.CustomMetadataMap).License);
        Assert.Contains("\"license\": \"CC BY-SA 4.0;", File.ReadAllText(run.Temp["licensed/tiny.json"]));
    }

    [Fact]
    public void An_export_without_a_licence_has_none_in_its_card_and_a_blank_one_is_refused_before_anything_is_written()
    {
        var unlicensed = run.Temp["unlicensed/tiny.onnx"];
        var blank = run.Temp["blank/tiny.onnx"];

        var plain = Cli.Run(["export", "--output", unlicensed, .. run.Checkpoint]);
        var refused = Cli.Run(["export", "--output", blank, "--license", "  ", .. run.Checkpoint]);

        Assert.True(plain.ExitCode == 0, plain.Error);
        Assert.DoesNotContain("license", File.ReadAllText(run.Temp["unlicensed/tiny.json"]));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--license is empty", refused.Error);
        Assert.False(File.Exists(blank));
    }

    [Fact]
    public void A_ResNet_generator_trains_exports_and_runs_through_the_command_line_like_the_U_Net()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp["data"], 2, 64, 64);
        string[] checkpoint = ["--name", "resnet", "--checkpoints_dir", temp["runs"]];
        var trained = Cli.Run(["train", "--dataroot", temp["data"], .. checkpoint, "--netG", "resnet_6blocks", "--ngf", "8", "--ndf", "8",
            "--preprocess", "none", "--crop_size", "64", "--n_epochs", "1", "--n_epochs_decay", "0"]);
        Assert.True(trained.ExitCode == 0, trained.Error);
        var path = temp["resnet.onnx"];

        Assert.Equal(0, Cli.Run(["export", "--output", path, .. checkpoint]).ExitCode);
        var translated = Cli.Run(["translate", "--input", temp["data/train/pair_001.png"], "--output", temp["out.png"], .. checkpoint]);

        Assert.True(translated.ExitCode == 0, translated.Error);
        using var session = OnnxSessions.Open(path);
        var card = ModelCard.FromMetadata(session.ModelMetadata.CustomMetadataMap);
        Assert.Equal(("resnet_6blocks", 8, 64, 4), (card.Architecture, card.Ngf, card.NativeSize, card.SizeMultiple));
        Assert.Equal(3 * 68 * 64, OnnxSessions.Run(session, new float[3 * 68 * 64], [1, 3, 68, 64]).Length);   // any multiple of 4
    }

    [Fact]
    public void A_wrong_shaped_input_fails_with_a_clear_message_not_a_crash()
    {
        var path = run.Temp["exported/shape.onnx"];
        Assert.Equal(0, Cli.Run(["export", "--output", path, .. run.Checkpoint]).ExitCode);
        using var session = OnnxSessions.Open(path);

        var rank = Assert.Throws<OnnxRuntimeException>(() => OnnxSessions.Run(session, new float[3 * 128 * 128], [3, 128, 128]));
        Assert.Contains("rank", rank.Message, StringComparison.OrdinalIgnoreCase);
        var channels = Assert.Throws<OnnxRuntimeException>(() => OnnxSessions.Run(session, new float[128 * 128], [1, 1, 128, 128]));
        Assert.Contains("dimensions", channels.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<OnnxRuntimeException>(() => OnnxSessions.Run(session, new float[3 * 100 * 100], [1, 3, 100, 100]));
    }

    [Fact]
    public void Translate_and_the_exported_model_give_the_same_picture_within_one_level()
    {
        var onnx = run.Temp["exported/same.onnx"];
        var source = run.Temp["data/test/pair_001.png"];
        Assert.Equal(0, Cli.Run(["export", "--output", onnx, .. run.Checkpoint]).ExitCode);
        Assert.Equal(0, Cli.Run(["translate", "--input", source, "--output", run.Temp["same/torch.png"], .. run.Checkpoint]).ExitCode);

        using var image = Image.Load<Rgb24>(source);
        var native = new float[3 * 128 * 128];
        var content = Letterbox.Fit(image, 128, native);   // the service's steps
        using var session = OnnxSessions.Open(onnx);
        var values = OnnxSessions.Run(session, native, [1, 3, 128, 128]);
        using var translated = Letterbox.Restore(values, 3, 128, content, image.Size());
        using var fromTorch = Image.Load<Rgb24>(run.Temp["same/torch.png"]);

        var worst = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var (a, b) = (translated[x, y], fromTorch[x, y]);
                worst = Math.Max(worst, Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B))));
            }
        }

        Assert.InRange(worst, 0, 1);
    }

    [Fact]
    public void Export_refuses_an_output_that_is_not_an_onnx_file()
    {
        var result = Cli.Run(["export", "--output", run.Temp["model.bin"], .. run.Checkpoint]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("must end in .onnx", result.Error);
    }

    [Fact]
    public void A_reference_state_dict_imports_and_translates_exactly_as_it_was_saved()
    {
        var network = new NetworkOptions { NetG = "unet_128", Ngf = 8 };
        manual_seed(5);
        using var original = Networks.CreateGenerator(network);
        var pth = run.Temp["reference/latest_net_G.pth"];
        Directory.CreateDirectory(run.Temp["reference"]);
        // The reference's files carry exactly these keys (model.model.N...), written in PyTorch's zip format.
        original.save_py(pth);

        var result = Cli.Run("import", "--pth", pth, "--netG", "unet_128", "--ngf", "8", "--norm", "batch", "--output", run.Temp["imported/ref"]);
        Assert.Equal(0, result.ExitCode);

        var record = Pix2Pix.Training.Training.RunRecord.Load(run.Temp["imported/ref"]);
        using var imported = new Pix2Pix.Training.Training.CheckpointStore(run.Temp["imported/ref"]).LoadGenerator(record, "latest");
        using var scope = NewDisposeScope();
        var input = rand(1, 3, 128, 128);
        original.eval();
        imported.eval();
        using var noGrad = no_grad();
        Assert.Equal(0f, (original.forward(input) - imported.forward(input)).abs().max().item<float>());
        Assert.Equal(0, Cli.Run("export", "--name", "ref", "--checkpoints_dir", run.Temp["imported"], "--output", run.Temp["imported/ref.onnx"]).ExitCode);
    }

    [Fact]
    public void Training_under_an_imported_generators_name_is_refused_and_leaves_it_as_it_was()
    {
        using var generator = Networks.CreateGenerator(new NetworkOptions { NetG = "unet_128", Ngf = 8 });
        var pth = run.Temp["retrain/latest_net_G.pth"];
        Directory.CreateDirectory(run.Temp["retrain"]);
        generator.save_py(pth);
        Assert.Equal(0, Cli.Run("import", "--pth", pth, "--netG", "unet_128", "--ngf", "8", "--output", run.Temp["retrain/runs/imported"]).ExitCode);
        var before = File.ReadAllBytes(run.Temp["retrain/runs/imported/latest_net_G.dat"]);

        var result = Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "imported", "--checkpoints_dir", run.Temp["retrain/runs"],
            "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128", "--n_epochs", "1", "--n_epochs_decay", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already holds a run; resume it with --continue_train or choose another --name", result.Error);
        Assert.Equal(before, File.ReadAllBytes(run.Temp["retrain/runs/imported/latest_net_G.dat"]));
    }

    [Fact]
    public void A_ResNet_imported_without_a_crop_size_works_at_the_references_256()
    {
        using var generator = Networks.CreateGenerator(new NetworkOptions { NetG = "resnet_6blocks", Ngf = 4, Norm = NormKind.Instance });
        var pth = run.Temp["resnet/latest_net_G.pth"];
        Directory.CreateDirectory(run.Temp["resnet"]);
        generator.save_py(pth);

        var imported = Cli.Run("import", "--pth", pth, "--netG", "resnet_6blocks", "--ngf", "4", "--norm", "instance", "--output", run.Temp["resnet/run"]);
        var tooSmall = Cli.Run("import", "--pth", pth, "--netG", "resnet_6blocks", "--ngf", "4", "--norm", "instance", "--crop_size", "4", "--output", run.Temp["resnet/small"]);

        Assert.Equal(0, imported.ExitCode);
        Assert.Equal(256, Pix2Pix.Training.Training.RunRecord.Load(run.Temp["resnet/run"]).Data!.CropSize);
        Assert.Equal(2, tooSmall.ExitCode);
        Assert.Contains("--crop_size 4: resnet_6blocks translates images whose side is a multiple of 4, at least 8", tooSmall.Error);
        Assert.False(Directory.Exists(run.Temp["resnet/small"]));
    }

    [Fact]
    public void Importing_a_state_dict_of_another_shape_names_the_missing_and_mismatched_keys()
    {
        using var other = Networks.CreateGenerator(new NetworkOptions { NetG = "unet_128", Ngf = 16 });
        var state = other.state_dict();
        state.Remove("model.model.0.weight");
        var pth = run.Temp["wrong/latest_net_G.pth"];
        Directory.CreateDirectory(run.Temp["wrong"]);
        PyTorchPickler.PickleStateDict(pth, state);

        var result = Cli.Run("import", "--pth", pth, "--netG", "unet_128", "--ngf", "8", "--output", run.Temp["imported/wrong"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("missing keys: model.model.0.weight", result.Error);
        Assert.Contains("model.model.1.model.1.weight has shape [32, 16, 4, 4]", result.Error);
        Assert.False(Directory.Exists(run.Temp["imported/wrong"]));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("100")]
    public void Importing_at_a_size_the_generator_cannot_translate_is_refused_before_anything_is_written(string cropSize)
    {
        var result = Cli.Run("import", "--pth", run.Temp["missing.pth"], "--netG", "unet_128", "--ngf", "8", "--crop_size", cropSize, "--output", run.Temp[$"imported/size{cropSize}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--crop_size {cropSize}: unet_128 translates images whose side is a multiple of 128", result.Error);
        Assert.False(Directory.Exists(run.Temp[$"imported/size{cropSize}"]));
    }

    [Fact]
    public void Importing_a_file_that_is_not_a_state_dict_says_so()
    {
        File.WriteAllText(run.Temp["junk.pth"], "not a pickle");

        var result = Cli.Run("import", "--pth", run.Temp["junk.pth"], "--output", run.Temp["imported/junk"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not a PyTorch state dict", result.Error);
    }
}
