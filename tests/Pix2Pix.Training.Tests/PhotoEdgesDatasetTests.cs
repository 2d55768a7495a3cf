using Pix2Pix.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Tests;

public class PhotoEdgesDatasetTests
{
    [Fact]
    public void Canny_draws_the_outline_of_a_filled_square_as_thin_black_lines_on_white()
    {
        using var photo = new Image<Rgb24>(64, 64, new Rgb24(200, 220, 240));
        for (var y = 16; y < 48; y++)
        for (var x = 16; x < 48; x++) photo[x, y] = new Rgb24(120, 30, 20);

        using var edges = new CannyEdges().Draw(photo);

        Assert.Equal(new Rgb24(0, 0, 0), Darkest(edges, 14, 18, 32));       // left side of the square
        Assert.Equal(new Rgb24(0, 0, 0), Darkest(edges, 45, 49, 32));       // right side
        Assert.Equal(new Rgb24(255, 255, 255), edges[32, 32]);              // inside stays white
        Assert.Equal(new Rgb24(255, 255, 255), edges[4, 4]);                // background stays white
        var black = 0;
        for (var x = 10; x < 24; x++) if (edges[x, 32].R == 0) black++;
        Assert.InRange(black, 1, 2);                                        // one line, not a smear
    }

    [Fact]
    public void Prepare_edges_writes_edge_photo_pairs_in_the_split_and_counts_unreadable_files()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["photos/shoes"]);
        for (var i = 0; i < 6; i++)
        {
            using var photo = new Image<Rgb24>(90 + i * 10, 60, new Rgb24(250, 250, 250));
            for (var y = 20; y < 40; y++)
            for (var x = 30; x < 70; x++) photo[x, y] = new Rgb24(30, 60, (byte)(40 * i));
            photo.SaveAsJpeg(temp[$"photos/shoes/{i}.jpg"]);
        }

        File.WriteAllText(temp["photos/broken.png"], "not a png");

        var result = Cli.Run("prepare", "edges", "--input", temp["photos"], "--size", "32", "--out", temp["edges2shoes"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("wrote 6 pairs", result.Output);
        Assert.Contains("skipped 1 unreadable", result.Output);
        var pairs = Directory.GetFiles(temp["edges2shoes"], "*.png", SearchOption.AllDirectories);
        Assert.Equal(6, pairs.Length);
        var first = Assert.Single(pairs, p => Path.GetFileName(p) == "shoes_0.png");
        Assert.Equal(DatasetSplit.Of("shoes_0"), Path.GetFileName(Path.GetDirectoryName(first)));
        using var pair = Image.Load<Rgb24>(first);
        Assert.Equal((64, 32), (pair.Width, pair.Height));
        Assert.Equal(new Rgb24(255, 255, 255), pair[1, 1]);                 // edge map: white where the photo is flat
        Assert.True(pair[32 + 1, 1].R > 200);                               // the photo itself on the right
        Assert.Contains("| all | 6 |", File.ReadAllText(temp["edges2shoes/DATASET.md"]));
    }

    [Fact]
    public void Prepare_edges_names_a_folder_without_photos()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["empty"]);

        var result = Cli.Run("prepare", "edges", "--input", temp["empty"], "--out", temp["out"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no .png, .jpg, .jpeg or .bmp files in", result.Error);
        Assert.False(Directory.Exists(temp["out"]));
    }

    [Theory]
    [InlineData("4")]
    [InlineData("5000")]
    public void A_size_outside_what_can_be_rendered_or_served_is_refused_before_anything_is_written(string size)
    {
        using var temp = new TempFolder();
        OnePhoto(temp);

        var result = Cli.Run("prepare", "edges", "--input", temp["photos"], "--size", size, "--out", temp["out"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--size must be between 8 and 4096", result.Error);
        Assert.False(Directory.Exists(temp["out"]));
    }

    [Fact]
    public void A_dataset_is_written_whole_into_a_new_folder_never_over_or_beside_an_existing_one()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp["photos"]);
        for (var i = 0; i < 3; i++)
        {
            using var photo = new Image<Rgb24>(40, 40, new Rgb24(250, 250, 250));
            for (var x = 10; x < 30; x++) photo[x, 20] = new Rgb24(0, 0, 0);
            photo.SaveAsPng(temp[$"photos/{i}.png"]);
        }

        // What an interrupted run left beside the folder.
        Directory.CreateDirectory(temp["ds.partial/train"]);
        File.WriteAllText(temp["ds.partial/train/stale.png"], "from an interrupted run");

        var first = Cli.Run("prepare", "edges", "--input", temp["photos"], "--size", "32", "--out", temp["ds"]);
        var written = Directory.GetFiles(temp["ds"], "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        var again = Cli.Run("prepare", "edges", "--input", temp["photos"], "--size", "16", "--out", temp["ds"]);

        Assert.Equal(0, first.ExitCode);
        Assert.DoesNotContain(written, f => f.EndsWith("stale.png", StringComparison.Ordinal));
        Assert.False(Directory.Exists(temp["ds.partial"]));
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already holds files; a dataset is written into a new or empty folder", again.Error);
        Assert.Equal(written, Directory.GetFiles(temp["ds"], "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

        // An empty folder that exists (a mount point, --out .) is filled in place: staged inside it, never removed.
        Directory.CreateDirectory(temp["empty"]);
        var intoEmpty = Cli.Run("prepare", "edges", "--input", temp["photos"], "--size", "32", "--out", temp["empty"]);
        Assert.Equal(0, intoEmpty.ExitCode);
        Assert.True(File.Exists(temp["empty/DATASET.md"]));
        Assert.False(Directory.Exists(temp["empty/.partial"]));
    }

    [Theory]
    [InlineData("photos")]
    [InlineData("photos/")]
    [InlineData("photos/pairs")]
    public void Prepare_edges_into_its_own_input_folder_is_refused_and_the_photos_stay_as_they_were(string output)
    {
        using var temp = new TempFolder();
        OnePhoto(temp);
        var before = File.ReadAllBytes(temp["photos/a.png"]);

        var result = Cli.Run("prepare", "edges", "--input", temp["photos"] + "/", "--size", "32", "--out", temp[output]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--out must not be --input or a folder inside it", result.Error);
        Assert.Equal(["a.png"], Directory.GetFileSystemEntries(temp["photos"]).Select(Path.GetFileName));
        Assert.Equal(before, File.ReadAllBytes(temp["photos/a.png"]));
    }

    // photos/a.png: one flat photo, enough for prepare edges to have an input.
    private static void OnePhoto(TempFolder temp)
    {
        Directory.CreateDirectory(temp["photos"]);
        using var photo = new Image<Rgb24>(40, 40, new Rgb24(200, 50, 50));
        photo.SaveAsPng(temp["photos/a.png"]);
    }

    private static Rgb24 Darkest(Image<Rgb24> image, int fromX, int toX, int y)
    {
        var darkest = new Rgb24(255, 255, 255);
        for (var x = fromX; x <= toX; x++) if (image[x, y].R < darkest.R) darkest = image[x, y];
        return darkest;
    }
}
