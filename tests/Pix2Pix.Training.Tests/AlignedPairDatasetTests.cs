using Pix2Pix.Training.Data;
using Pix2Pix.Training.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

public class AlignedPairDatasetTests
{
    private static readonly NetworkOptions Unet128 = new() { NetG = "unet_128" };

    [Theory]
    [InlineData("resize_and_crop", 0, 0)]
    [InlineData("crop", 0, 0)]
    [InlineData("scale_width_and_crop", 0, 0)]
    [InlineData("resize_and_crop", 15, 10)]
    public void A_and_B_get_the_same_crop_flip_turn_and_shear(string preprocess, double rotate, double shear)
    {
        using var temp = new TempFolder();
        // B equals A here, so any difference after preprocessing means the halves were treated differently.
        SyntheticPairs.Write(temp.Path, 6, 200, 160, map: p => p);
        var options = Data(temp.Path, preprocess) with { LoadSize = 150, CropSize = 128, Rotate = rotate, Shear = shear };
        var dataset = new AlignedPairDataset(options, Unet128);
        var (random, twin) = (new Random(5), new Random(5));   // the twin draws the parameters each Get draws
        var preprocessing = new Preprocessing(options, Unet128.SizeMultiple);
        var seen = new List<(int Index, TransformParameters Drawn, float[] A)>();
        for (var i = 0; i < 24; i++)
        {
            var index = i % dataset.Count;
            var drawn = preprocessing.Draw(AlignedImage.HalfSize(dataset.Paths[index]), twin);
            var pair = dataset.Get(index, random);

            Assert.Equal(pair.A, pair.B);
            foreach (var earlier in seen.Where(s => s.Index == index))
            {
                // The same draw gives the same picture, another draw another picture: crops and flips really happen.
                Assert.Equal(earlier.Drawn == drawn, earlier.A.SequenceEqual(pair.A));
            }

            seen.Add((index, drawn, pair.A));
        }

        Assert.Contains(seen, s => s.Drawn.Flip);
        Assert.Contains(seen, s => !s.Drawn.Flip);
        Assert.True(seen.Select(s => (s.Drawn.CropX, s.Drawn.CropY)).Distinct().Count() > 6, "the crops hardly vary");
        Assert.All(seen, s => Assert.InRange(Math.Abs(s.Drawn.Rotation), 0, rotate));
        Assert.All(seen, s => Assert.InRange(Math.Abs(s.Drawn.Shear), 0, shear));
        if (rotate == 0) return;
        Assert.Contains(seen, s => s.Drawn.Rotation < -rotate / 3);
        Assert.Contains(seen, s => s.Drawn.Rotation > rotate / 3);
        Assert.Contains(seen, s => s.Drawn.Shear < -shear / 3);
        Assert.Contains(seen, s => s.Drawn.Shear > shear / 3);
    }

    [Fact]
    public void Without_a_turn_or_a_shear_a_pair_takes_the_references_draws_and_no_more()
    {
        // A run without --rotate and --shear must draw its data as runs before them did, or a resumed or reproduced run
        // (scripts/default-model) would see other crops and flips.
        var options = new DataOptions { Dataroot = "unused", LoadSize = 143, CropSize = 128 };
        var preprocessing = new Preprocessing(options, Unet128.SizeMultiple);
        var (random, reference) = (new Random(9), new Random(9));
        for (var i = 0; i < 20; i++)
        {
            var drawn = preprocessing.Draw(new Size(128, 128), random);
            var expected = new TransformParameters(reference.Next(0, 16), reference.Next(0, 16), reference.NextDouble() > 0.5);
            Assert.Equal(expected, drawn);
        }

        Assert.Equal(reference.Next(), random.Next());
    }

    [Fact]
    public void A_quarter_turn_stands_a_bar_upright_about_the_centre_and_brings_in_white()
    {
        // A black bar across the middle of a grey square: turned by 90° it runs down the middle. Turned by 30°, the
        // corners come from outside the square and are the paper's white.
        using var image = new Image<Rgb24>(64, 64, new Rgb24(128, 128, 128));
        for (var x = 8; x < 56; x++) for (var y = 30; y < 34; y++) image[x, y] = new Rgb24(0, 0, 0);
        using var turned = image.Clone();
        Preprocessing.Warp(turned, 90, 0);
        using var tilted = image.Clone();
        Preprocessing.Warp(tilted, 30, 0);

        Assert.Equal(new Rgb24(0, 0, 0), turned[32, 12]);
        Assert.Equal(new Rgb24(0, 0, 0), turned[32, 50]);
        Assert.Equal(new Rgb24(128, 128, 128), turned[12, 32]);
        Assert.Equal(new Rgb24(128, 128, 128), turned[50, 32]);
        Assert.Equal(new Rgb24(255, 255, 255), tilted[0, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), tilted[63, 63]);
        Assert.Equal(new Rgb24(0, 0, 0), tilted[32, 32]);
    }

    [Fact]
    public void A_shear_slants_an_upright_bar_and_keeps_its_centre()
    {
        using var image = new Image<Rgb24>(64, 64, new Rgb24(255, 255, 255));
        for (var y = 8; y < 56; y++) for (var x = 30; x < 34; x++) image[x, y] = new Rgb24(0, 0, 0);
        Preprocessing.Warp(image, 0, 20);

        int Middle(int y) => (int)Enumerable.Range(0, 64).Where(x => image[x, y].R < 128).Average();
        Assert.InRange(Middle(32), 30, 33);
        // tan 20° ≈ 0.36: 20 rows above or below the centre, the bar has moved about 7 pixels sideways, in opposite directions.
        Assert.InRange(Math.Abs(Middle(12) - Middle(52)), 12, 17);
    }

    [Fact]
    public void BtoA_swaps_the_halves()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp.Path, 1, 128, 128);
        var atob = new AlignedPairDataset(Data(temp.Path, "none"), Unet128).Get(0, new Random(1));
        var btoa = new AlignedPairDataset(Data(temp.Path, "none") with { Direction = Direction.BtoA }, Unet128).Get(0, new Random(1));

        Assert.NotEqual(atob.A, atob.B);
        Assert.Equal(atob.A, btoa.B);
        Assert.Equal(atob.B, btoa.A);
    }

    [Theory]
    [InlineData("resize_and_crop", 300, 200, 128, 128)]
    [InlineData("crop", 300, 200, 128, 128)]
    [InlineData("scale_width", 256, 512, 128, 256)]
    [InlineData("scale_width_and_crop", 200, 300, 128, 128)]
    [InlineData("none", 250, 380, 256, 384)]
    public void Every_preprocess_mode_gives_the_reference_output_size(string preprocess, int width, int height, int expectedWidth, int expectedHeight)
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp.Path, 1, width, height);
        var options = Data(temp.Path, preprocess) with { LoadSize = 128, CropSize = 128 };
        if (preprocess == "resize_and_crop") options = options with { LoadSize = 143 };
        var pair = new AlignedPairDataset(options, Unet128).Get(0, new Random(3));

        Assert.Equal((expectedWidth, expectedHeight), (pair.Width, pair.Height));
        Assert.Equal(3 * expectedWidth * expectedHeight, pair.A.Length);
        Assert.InRange(pair.A.Min(), -1f, 1f);
        Assert.InRange(pair.A.Max(), -1f, 1f);
    }

    [Fact]
    public void An_image_smaller_than_the_crop_is_refused_by_name()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp.Path, 1, 100, 100);
        var dataset = new AlignedPairDataset(Data(temp.Path, "crop"), Unet128 with { NetG = "unet_256" });

        var error = Assert.Throws<UserInputException>(() => dataset.Get(0, new Random(1)));
        Assert.Contains("pair_000.png", error.Message);
        Assert.Contains("smaller than --crop_size 256", error.Message);
    }

    [Fact]
    public void An_epoch_sees_the_same_order_crops_and_flips_whenever_it_is_replayed()
    {
        using var temp = new TempFolder();
        SyntheticPairs.Write(temp.Path, 5, 150, 150);
        var dataset = new AlignedPairDataset(Data(temp.Path, "resize_and_crop") with { LoadSize = 150, CropSize = 128 }, Unet128);
        var first = new PairBatches(dataset, 2, seed: 4, serial: false, Unet128).Epoch(3).Select(b => b.Paths.ToArray()).ToArray();
        var again = new PairBatches(dataset, 2, seed: 4, serial: false, Unet128).Epoch(3).Select(b => b.Paths.ToArray()).ToArray();
        var other = new PairBatches(dataset, 2, seed: 4, serial: false, Unet128).Epoch(4).Select(b => b.Paths.ToArray()).ToArray();

        Assert.Equal(first, again);
        Assert.Equal([2, 2, 1], first.Select(b => b.Length));
        Assert.NotEqual(first.SelectMany(p => p), other.SelectMany(p => p));
    }

    [Fact]
    public void Prepare_combine_joins_same_named_images_side_by_side_per_split()
    {
        using var temp = new TempFolder();
        foreach (var split in new[] { "train", "test" })
        {
            Directory.CreateDirectory(temp[$"A/{split}"]);
            Directory.CreateDirectory(temp[$"B/{split}"]);
            using var a = new Image<Rgb24>(40, 30, new Rgb24(255, 0, 0));
            using var b = new Image<Rgb24>(20, 15, new Rgb24(0, 0, 255));
            a.SaveAsPng(temp[$"A/{split}/x.png"]);
            b.SaveAsPng(temp[$"B/{split}/x.png"]);
            a.SaveAsPng(temp[$"A/{split}/only_a.png"]);
        }

        var result = Cli.Run("prepare", "combine", "--fold_A", temp["A"], "--fold_B", temp["B"], "--fold_AB", temp["AB"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("train: 1 pairs written, 1 without a B image, 1 B images resized", result.Output);
        using var ab = Image.Load<Rgb24>(temp["AB/test/x.png"]);
        Assert.Equal((80, 30), (ab.Width, ab.Height));
        Assert.Equal(new Rgb24(255, 0, 0), ab[10, 10]);
        Assert.Equal(new Rgb24(0, 0, 255), ab[60, 10]);
    }

    [Fact]
    public void Prepare_combine_writes_around_its_inputs_in_the_references_own_layout()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["data/A/train"]);
        Directory.CreateDirectory(temp["data/B/train"]);
        using (var a = new Image<Rgb24>(20, 20, new Rgb24(255, 0, 0))) a.SaveAsPng(temp["data/A/train/x.png"]);
        using (var b = new Image<Rgb24>(20, 20, new Rgb24(0, 0, 255))) b.SaveAsPng(temp["data/B/train/x.png"]);

        // The reference's README: --fold_A /path/to/data/A --fold_B /path/to/data/B --fold_AB /path/to/data
        var result = Cli.Run("prepare", "combine", "--fold_A", temp["data/A"], "--fold_B", temp["data/B"], "--fold_AB", temp["data"]);

        Assert.Equal(0, result.ExitCode);
        using var ab = Image.Load<Rgb24>(temp["data/train/x.png"]);
        Assert.Equal((40, 20), (ab.Width, ab.Height));
        using var a2 = Image.Load<Rgb24>(temp["data/A/train/x.png"]);
        Assert.Equal((20, 20), (a2.Width, a2.Height));
    }

    [Theory]
    [InlineData("A")]
    [InlineData("B/")]
    [InlineData("A/train")]
    public void Prepare_combine_into_one_of_its_inputs_is_refused_and_the_inputs_stay_as_they_were(string foldAB)
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["A/train"]);
        Directory.CreateDirectory(temp["B/train"]);
        using (var a = new Image<Rgb24>(20, 20, new Rgb24(255, 0, 0))) a.SaveAsPng(temp["A/train/x.png"]);
        using (var b = new Image<Rgb24>(20, 20, new Rgb24(0, 0, 255))) b.SaveAsPng(temp["B/train/x.png"]);
        var (beforeA, beforeB) = (File.ReadAllBytes(temp["A/train/x.png"]), File.ReadAllBytes(temp["B/train/x.png"]));

        var result = Cli.Run("prepare", "combine", "--fold_A", temp["A"], "--fold_B", temp["B"], "--fold_AB", temp[foldAB]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--fold_AB must not be --fold_A, --fold_B or a folder inside them", result.Error);
        Assert.Equal(beforeA, File.ReadAllBytes(temp["A/train/x.png"]));
        Assert.Equal(beforeB, File.ReadAllBytes(temp["B/train/x.png"]));
    }

    private static DataOptions Data(string root, string preprocess) =>
        new() { Dataroot = root, Preprocess = DataOptions.ParsePreprocess(preprocess) };
}
