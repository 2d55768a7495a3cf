using System.Text.Json;
using Pix2Pix.Contracts;
using Pix2Pix.Training.Evaluation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Tests;

public class EvaluationTests : IClassFixture<CliTests.TrainedRun>
{
    private readonly CliTests.TrainedRun run;

    public EvaluationTests(CliTests.TrainedRun run) => this.run = run;

    [Fact]
    public void A_perfect_output_scores_zero_L1_full_SSIM_and_a_sharpness_ratio_of_one()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var target = rand(1, 3, 64, 64);

        var scores = ImageMetrics.Score(target.clone(), target);

        Assert.Equal(0, scores.L1, 6);
        Assert.Equal(ImageMetrics.MaxPsnr, scores.Psnr);
        Assert.Equal(1, scores.Ssim, 3);
        Assert.Equal(1, scores.Sharpness, 6);
        Assert.Equal(scores.TargetColourfulness, scores.Colourfulness, 6);
    }

    [Fact]
    public void A_blurred_output_is_less_sharp_and_scores_lower_SSIM()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var target = rand(1, 3, 64, 64);
        var blurred = nn.functional.avg_pool2d(target, 3, stride: 1, padding: 1);

        var scores = ImageMetrics.Score(blurred, target);

        Assert.True(scores.Sharpness < 0.5, $"sharpness ratio {scores.Sharpness}");
        Assert.True(scores.Ssim < 0.9);
        Assert.InRange(scores.Psnr, 5, 40);
    }

    [Fact]
    public void Grey_pictures_have_no_colourfulness_and_saturated_ones_have_much()
    {
        using var scope = NewDisposeScope();
        var grey = full(1, 3, 8, 8, 0.5f);
        var red = cat([ones(1, 1, 8, 8), zeros(1, 2, 8, 8)], 1);

        Assert.Equal(0, ImageMetrics.Colourfulness(grey), 3);
        Assert.Equal(0.3 * Math.Sqrt(255 * 255 + 127.5 * 127.5), ImageMetrics.Colourfulness(red), 2); // σ = 0, μ_rgyb = |(255, 127.5)|
    }

    [Fact]
    public void Lab_conversion_matches_known_values()
    {
        Assert.Equal((100.0, 0.0, 0.0), Round(LabHistograms.Lab(new Rgb24(255, 255, 255))));
        Assert.Equal((0.0, 0.0, 0.0), Round(LabHistograms.Lab(new Rgb24(0, 0, 0))));
        Assert.Equal((53.2, 80.1, 67.2), Round(LabHistograms.Lab(new Rgb24(255, 0, 0))));   // sRGB red, D65
        Assert.Equal((87.7, -86.2, 83.2), Round(LabHistograms.Lab(new Rgb24(0, 255, 0))));
    }

    [Fact]
    public void Histogram_intersection_is_one_for_the_same_colours_and_falls_as_they_part()
    {
        Image<Rgb24> Solid(byte r, byte g, byte b, int width) => new(width, 8, new Rgb24(r, g, b));
        var (target, same, greyed, halfGreyed) = (new LabHistograms(), new LabHistograms(), new LabHistograms(), new LabHistograms());
        using (var red = Solid(210, 47, 39, 16)) target.Add(red);
        using (var red = Solid(210, 47, 39, 4)) same.Add(red);          // fewer pixels, same distribution
        using (var grey = Solid(140, 140, 140, 16)) greyed.Add(grey);
        using (var red = Solid(210, 47, 39, 8)) halfGreyed.Add(red);
        using (var grey = Solid(140, 140, 140, 8)) halfGreyed.Add(grey);

        Assert.Equal(new ColourIntersection(1, 1, 1), same.Intersect(target));
        var grey0 = greyed.Intersect(target);
        Assert.Equal(0, grey0.A, 6);                                       // red's a is far from grey's 0
        Assert.Equal(0, grey0.B, 6);
        Assert.Equal(0.5, halfGreyed.Intersect(target).A, 6);
    }

    private static (double, double, double) Round((double L, double A, double B) lab) => (Math.Round(lab.L, 1), Math.Round(lab.A, 1), Math.Round(lab.B, 1));

    [Fact]
    public void Evaluate_writes_metrics_for_the_model_and_the_identity_baseline_and_a_gallery()
    {
        var result = Cli.Run(["evaluate", "--dataroot", run.Temp["data"], "--results_dir", run.Temp["evaluation"], .. run.Checkpoint]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("identity (input as output)", result.Output);
        var folder = Path.Combine(run.Temp["evaluation"], "tiny", "evaluate_test_latest");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        Assert.Equal(2, metrics.RootElement.GetProperty("images").GetInt32());
        foreach (var who in new[] { "generator", "identity" })
        {
            var summary = metrics.RootElement.GetProperty(who);
            Assert.InRange(summary.GetProperty("l1").GetDouble(), 0, 1);
            Assert.InRange(summary.GetProperty("ssim").GetDouble(), -1, 1);
            Assert.True(summary.GetProperty("sharpness_ratio").GetDouble() > 0);
            var colours = metrics.RootElement.GetProperty(who + "_colours");
            foreach (var channel in new[] { "l", "a", "b" }) Assert.InRange(colours.GetProperty(channel).GetDouble(), 0, 1);
        }

        Assert.Contains("histogram ∩ L", result.Output);
        Assert.True(File.Exists(Path.Combine(folder, "index.html")));
    }

    [Fact]
    public void Evaluate_scores_an_exported_model_as_it_scores_the_checkpoint_it_came_from()
    {
        var onnx = run.Temp["exported/tiny.onnx"];
        Assert.Equal(0, Cli.Run(["export", .. run.Checkpoint, "--output", onnx]).ExitCode);

        var fromCheckpoint = Cli.Run(["evaluate", "--dataroot", run.Temp["data"], "--results_dir", run.Temp["evaluation"], .. run.Checkpoint]);
        var fromOnnx = Cli.Run("evaluate", "--model", onnx, "--dataroot", run.Temp["data"], "--results_dir", run.Temp["evaluation"], "--epoch", "5");

        Assert.Equal(0, fromOnnx.ExitCode);
        Assert.Contains("ignored: --epoch (they choose a run's checkpoint; --model is an exported file)", fromOnnx.Output);
        var l1 = new[] { "tiny/evaluate_test_latest", "tiny/evaluate_test_onnx" }.Select(folder =>
        {
            using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Temp["evaluation"], folder, "metrics.json")));
            return metrics.RootElement.GetProperty("generator").GetProperty("l1").GetDouble();
        }).ToArray();
        Assert.Equal(0, fromCheckpoint.ExitCode);
        Assert.Equal(l1[0], l1[1], 3);
    }

    [Fact]
    public void An_exported_model_letterboxes_a_picture_that_is_not_square_as_the_service_does()
    {
        var onnx = run.Temp["letterbox/tiny.onnx"];
        Assert.Equal(0, Cli.Run(["export", .. run.Checkpoint, "--output", onnx]).ExitCode);
        using var translator = Inference.OnnxTranslator.Open(onnx);
        using var wide = new Image<Rgb24>(256, 64, new Rgb24(255, 255, 255));
        for (var y = 16; y < 48; y++)
        for (var x = 96; x < 160; x++) wide[x, y] = new Rgb24(20, 40, 200);

        using var output = translator.Translate(wide);

        // The service's steps by hand: fit without distortion (padded with the border's colour), translate, cut out, scale back.
        var canvas = new float[3 * 128 * 128];
        var content = Pix2Pix.Contracts.Letterbox.Fit(wide, translator.NativeSize, canvas);
        Assert.Equal(new Rectangle(0, 48, 128, 32), content);
        Assert.Equal(1f, canvas[0]);                                  // padded with the border's white
        Assert.Equal(1f, canvas[2 * 128 * 128 + 127 * 128 + 127]);
        using (var expected = Pix2Pix.Contracts.Letterbox.Restore(translator.TranslateNative(canvas), 3, 128, content, wide.Size()))
        {
            Assert.Equal((256, 64), (output.Width, output.Height));
            for (var y = 0; y < 64; y += 7)
            for (var x = 0; x < 256; x += 11)
            {
                Assert.Equal(expected[x, y], output[x, y]);
            }
        }
    }

    [Fact]
    public void Evaluate_scores_sketches_by_the_colour_of_their_fill_and_names_a_sketch_without_a_colour()
    {
        var folder = run.Temp["sketches"];
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { "red-box", "blue-box" })
        {
            using var sketch = new Image<Rgb24>(128, 128, new Rgb24(255, 255, 255));
            for (var i = 24; i < 104; i++)
            for (var t = 0; t < 4; t++)
            {
                sketch[i, 24 + t] = sketch[i, 100 + t] = sketch[24 + t, i] = sketch[100 + t, i] = new Rgb24(0, 0, 0);
            }

            sketch.SaveAsPng(Path.Combine(folder, name + ".png"));
        }

        var result = Cli.Run(["evaluate", "--dataroot", run.Temp["data"], "--results_dir", run.Temp["evaluation"], "--sketches", folder, .. run.Checkpoint]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("red-box", result.Output);
        Assert.Contains("expected blue", result.Output);
        // The two sketches are the same drawing, so the model paints them alike: one colour, and one of them right at most.
        Assert.Matches(@"[01] of 2 sketches in their colour, painted in 1 colour \(one colour for every sketch would get 1: red\)", result.Output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Temp["evaluation"], "tiny", "evaluate_test_latest", "sketch_colours.json")));
        Assert.Equal(2, json.RootElement.GetProperty("sketches").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("colours_used").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("one_colour_baseline").GetProperty("in_their_colour").GetInt32());

        File.Copy(Path.Combine(folder, "red-box.png"), Path.Combine(folder, "box.png"));
        var unnamed = Cli.Run(["evaluate", "--dataroot", run.Temp["data"], "--results_dir", run.Temp["evaluation"], "--sketches", folder, .. run.Checkpoint]);
        Assert.Equal(2, unnamed.ExitCode);
        Assert.Contains("box.png: a sketch's name starts with its colour", unnamed.Error);
    }

    [Fact]
    public void The_one_colour_baseline_is_what_painting_every_sketch_in_the_most_expected_colour_would_score()
    {
        static SketchColour Sketch(ColourFamily expected, ColourFamily got) => new($"{expected}-x", expected, got, 1);
        SketchColour[] yellowEverywhere =
        [
            .. Enumerable.Repeat(Sketch(ColourFamily.Red, ColourFamily.Yellow), 6),
            .. Enumerable.Repeat(Sketch(ColourFamily.Yellow, ColourFamily.Yellow), 5),
            .. Enumerable.Repeat(Sketch(ColourFamily.Green, ColourFamily.Yellow), 5),
            .. Enumerable.Repeat(Sketch(ColourFamily.Blue, ColourFamily.Yellow), 3),
        ];

        Assert.Equal((ColourFamily.Red, 6), SketchColourCheck.OneColourBaseline(yellowEverywhere));
        Assert.Equal(1, SketchColourCheck.ColoursUsed(yellowEverywhere));
        Assert.Equal((ColourFamily.Red, 1), SketchColourCheck.OneColourBaseline([Sketch(ColourFamily.Blue, ColourFamily.Red), Sketch(ColourFamily.Red, ColourFamily.Red)]));   // a tie: the first family
        Assert.Equal(2, SketchColourCheck.ColoursUsed([Sketch(ColourFamily.Blue, ColourFamily.Blue), Sketch(ColourFamily.Red, ColourFamily.Red)]));
    }

    [Fact]
    public void Evaluate_wants_either_a_run_or_an_exported_model()
    {
        var neither = Cli.Run("evaluate", "--dataroot", run.Temp["data"]);
        var missing = Cli.Run("evaluate", "--dataroot", run.Temp["data"], "--model", run.Temp["nowhere.onnx"]);

        Assert.Equal((2, 2), (neither.ExitCode, missing.ExitCode));
        Assert.Contains("give either --name", neither.Error);
        Assert.Contains("model not found", missing.Error);
    }

    [Fact]
    public void Compare_draws_input_each_model_and_target_side_by_side()
    {
        var onnx = run.Temp["compare/tiny.onnx"];
        Assert.Equal(0, Cli.Run(["export", .. run.Checkpoint, "--output", onnx]).ExitCode);

        var grid = run.Temp["compare/grid.png"];
        var result = Cli.Run("compare", "--model", onnx, "--model", onnx, "--dataroot", run.Temp["data"], "--count", "2", "--per_row", "1", "--out", grid);
        var small = Cli.Run("compare", "--model", onnx, "--model", onnx, "--dataroot", run.Temp["data"], "--count", "2", "--per_row", "2", "--cell", "40", "--out", run.Temp["compare/small.png"]);

        Assert.Equal(0, result.ExitCode);
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(grid);
        Assert.Equal((4 * 160, 2 * 128 + 20), (image.Width, image.Height)); // two rows of input | tiny | tiny | target, 160×128 cells, a 20 px gap
        Assert.Equal(image[160 + 40, 64], image[320 + 40, 64]);               // the same model twice gives the same picture
        Assert.Equal(0, small.ExitCode);
        using var smaller = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(run.Temp["compare/small.png"]);
        Assert.Equal((2 * 4 * 40 + 5, 32), (smaller.Width, smaller.Height));  // --cell 40: 40×32 cells, two sets in one row, a 5 px gap

        // Into the dataset's test split, the grid would be read as a pair next time (or replace one): refused.
        var pairs = Directory.GetFiles(run.Temp["data/test"]).Order(StringComparer.Ordinal).ToArray();
        var intoData = Cli.Run("compare", "--model", onnx, "--dataroot", run.Temp["data"], "--count", "1", "--out", pairs[0]);
        Assert.Equal(2, intoData.ExitCode);
        Assert.Contains("is inside the dataset's splits", intoData.Error);
        Assert.Equal(pairs, Directory.GetFiles(run.Temp["data/test"]).Order(StringComparer.Ordinal));

        // Every cell is held until the grid is drawn: a grid past 64 M pixels is refused from the files' headers, before any model runs.
        var huge = Cli.Run("compare", "--model", onnx, "--dataroot", run.Temp["data"], "--count", "2", "--per_row", "2", "--cell", "4096", "--out", run.Temp["compare/huge.png"]);
        Assert.Equal(2, huge.ExitCode);
        Assert.Contains("the grid would be 25088×3276 pixels", huge.Error); // two sets of three 4096×3276 cells, a 512 px gap
        Assert.False(File.Exists(run.Temp["compare/huge.png"]));
    }

    [Fact]
    public void The_L1_only_ablation_trains_the_generator_without_any_GAN_term()
    {
        var result = Cli.Run("train", "--dataroot", run.Temp["data"], "--name", "l1only", "--checkpoints_dir", run.Temp["checkpoints"],
            "--netG", "unet_128", "--ngf", "8", "--ndf", "8", "--preprocess", "none", "--crop_size", "128", "--gan_mode", "none", "--n_epochs", "1", "--n_epochs_decay", "0");

        Assert.Equal(0, result.ExitCode);
        var log = File.ReadAllLines(run.Temp["checkpoints/l1only/loss_log.csv"]).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.NotEmpty(log);
        Assert.All(log, row => Assert.Equal(("0", "0", "0"), (row[2], row[4], row[5])));
        Assert.All(log, row => Assert.True(double.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture) > 0));
    }
}
