using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Tests;

/// <summary>The generator shipped in models/ (OpenMoji line drawings → coloured emoji), served as users get it.</summary>
public class DefaultModelTests : IClassFixture<DefaultModelTests.Service>
{
    private readonly Service service;
    private readonly ITestOutputHelper output;

    public DefaultModelTests(Service service, ITestOutputHelper output) => (this.service, this.output) = (service, output);

    public sealed class Service : IAsyncLifetime
    {
        public ServiceFactory Factory { get; } = new(ShippedModels.Folder);
        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync() => Client = await Factory.ReadyClientAsync();

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task The_shipped_OpenMoji_model_is_served_with_its_card()
    {
        using var models = JsonDocument.Parse(await service.Client.GetStringAsync("/models"));

        var openmoji = models.RootElement.EnumerateArray().Single(m => m.GetProperty("name").GetString() == ShippedModels.Name);
        var card = openmoji.GetProperty("card");
        Assert.Equal("unet_128", card.GetProperty("architecture").GetString());
        Assert.Equal(128, card.GetProperty("nativeSize").GetInt32());
        Assert.Equal("openmoji128", card.GetProperty("dataset").GetString());
        Assert.True(new FileInfo(Path.Combine(ShippedModels.Folder, ShippedModels.Name + ".onnx")).Length <= 60_000_000);
        Assert.True(File.Exists(Path.Combine(ShippedModels.Folder, ShippedModels.Name + ".md")));
    }

    public static TheoryData<string> Sketches() => new(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Sketches"), "*.png").Select(Path.GetFileNameWithoutExtension)!);

    [Theory]
    [MemberData(nameof(Sketches))]
    public async Task A_hand_drawn_sketch_keeps_dark_outlines_and_a_white_background_and_its_shapes_fill_with_colour(string sketch)
    {
        using var drawing = Image.Load<Rgb24>(Path.Combine(AppContext.BaseDirectory, "Sketches", sketch + ".png"));
        using var content = new ByteArrayContent(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Sketches", sketch + ".png")));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");

        using var response = await service.Client.PostAsync($"/translate?model={ShippedModels.Name}", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var picture = Image.Load<Rgb24>(await response.Content.ReadAsByteArrayAsync());
        var regions = SketchRegions.Of(drawing);
        var (outline, background, inside) = (regions.Mean(picture, regions.Outline, Luma), regions.Mean(picture, regions.Background, Luma), regions.Mean(picture, regions.Inside, Saturation));
        var report = $"{sketch}: outline luma {outline:F2}, background luma {background:F2}, inside saturation {inside:F2}";
        output.WriteLine(report);
        Assert.True(outline < 0.35, report);
        Assert.True(background > 0.85, report);
        Assert.True(inside > 0.25, report);
    }

    private static double Luma(Rgb24 p) => (0.299 * p.R + 0.587 * p.G + 0.114 * p.B) / 255.0;

    private static double Saturation(Rgb24 p)
    {
        var (max, min) = (Math.Max(p.R, Math.Max(p.G, p.B)), Math.Min(p.R, Math.Min(p.G, p.B)));
        return max == 0 ? 0 : (max - min) / (double)max;
    }
}

/// <summary>The repository's models/ folder, where the default generator is committed.</summary>
internal static class ShippedModels
{
    public const string Name = "openmoji";

    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Pix2Pix.sln"))) return Path.Combine(dir.FullName, "models");
            }

            throw new InvalidOperationException("the repository root (Pix2Pix.sln) is not above the test binaries");
        }
    }
}

/// <summary>
/// A line drawing's regions: its strokes (dark pixels), the background (white pixels connected to the border)
/// and the inside of closed shapes (white pixels the border cannot reach). Background and inside keep a margin
/// from the strokes, where any renderer blends.
/// </summary>
internal sealed class SketchRegions
{
    private SketchRegions(bool[] outline, bool[] background, bool[] inside, int width)
    {
        (Outline, Background, Inside, Width) = (outline, background, inside, width);
    }

    public bool[] Outline { get; }
    public bool[] Background { get; }
    public bool[] Inside { get; }
    private int Width { get; }

    public static SketchRegions Of(Image<Rgb24> drawing, int margin = 4)
    {
        var (w, h) = (drawing.Width, drawing.Height);
        var ink = new bool[w * h];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++) ink[y * w + x] = drawing[x, y].R + drawing[x, y].G + drawing[x, y].B < 3 * 128;

        var outside = new bool[w * h];
        var stack = new Stack<int>();
        for (var x = 0; x < w; x++) { stack.Push(x); stack.Push((h - 1) * w + x); }
        for (var y = 0; y < h; y++) { stack.Push(y * w); stack.Push(y * w + w - 1); }
        while (stack.Count > 0)
        {
            var i = stack.Pop();
            if (outside[i] || ink[i]) continue;
            outside[i] = true;
            var (x, y) = (i % w, i / w);
            if (x > 0) stack.Push(i - 1);
            if (x < w - 1) stack.Push(i + 1);
            if (y > 0) stack.Push(i - w);
            if (y < h - 1) stack.Push(i + w);
        }

        var nearInk = new bool[w * h];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            if (!ink[y * w + x]) continue;
            for (var dy = -margin; dy <= margin; dy++)
            for (var dx = -margin; dx <= margin; dx++)
            {
                var (nx, ny) = (x + dx, y + dy);
                if (nx >= 0 && ny >= 0 && nx < w && ny < h) nearInk[ny * w + nx] = true;
            }
        }

        var background = outside.Select((o, i) => o && !nearInk[i]).ToArray();
        var inside = ink.Select((k, i) => !k && !outside[i] && !nearInk[i]).ToArray();
        return new SketchRegions(ink, background, inside, w);
    }

    public double Mean(Image<Rgb24> picture, bool[] region, Func<Rgb24, double> measure)
    {
        double sum = 0;
        var count = 0;
        for (var i = 0; i < region.Length; i++)
        {
            if (!region[i]) continue;
            sum += measure(picture[i % Width, i / Width]);
            count++;
        }

        return count == 0 ? double.NaN : sum / count;
    }
}
