using System.Net;
using Pix2Pix.Contracts;
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
    public async Task The_shipped_OpenMoji_model_is_served_with_its_card_and_its_licence()
    {
        using var models = JsonDocument.Parse(await service.Client.GetStringAsync("/models"));

        var openmoji = models.RootElement.EnumerateArray().Single(m => m.GetProperty("name").GetString() == ShippedModels.Name);
        var card = openmoji.GetProperty("card");
        Assert.Equal("unet_128", card.GetProperty("architecture").GetString());
        Assert.Equal(128, card.GetProperty("nativeSize").GetInt32());
        Assert.Equal("openmoji128-clean", card.GetProperty("dataset").GetString());
        Assert.Contains("CC BY-SA 4.0", card.GetProperty("license").GetString());   // the attribution OpenMoji's licence asks for travels with the model
        Assert.Contains("OpenMoji", card.GetProperty("license").GetString());
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
