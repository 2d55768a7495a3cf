using Microsoft.Playwright;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// The sketch pad in a real browser (Debian's Chromium driven by Playwright) against the real service process.
/// Screenshots go to TestResults/screenshots beside the test binaries.
/// </summary>
public class SketchPadTests(SketchPadTests.Browser browser) : IClassFixture<SketchPadTests.Browser>
{
    public const string Chromium = "/usr/bin/chromium";

    public sealed class Browser : IAsyncLifetime
    {
        public ServiceProcess Service { get; private set; } = null!;
        public IPlaywright Playwright { get; private set; } = null!;
        public IBrowser Chromium { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Assert.True(File.Exists(SketchPadTests.Chromium), $"{SketchPadTests.Chromium} is missing: install Debian's chromium package (.ci/run does)");
            Service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Inference__ModelsFolder"] = ShippedModels.Folder });
            Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            Chromium = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = SketchPadTests.Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
            });
        }

        public async Task DisposeAsync()
        {
            await Chromium.DisposeAsync();
            Playwright.Dispose();
            Service.Dispose();
        }
    }

    private static string Screenshots => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots")).FullName;

    [Fact]
    public async Task Strokes_drawn_with_the_pointer_come_back_as_a_picture_of_the_canvas_size()
    {
        var page = await OpenAsync();
        var canvas = await page.Locator("#pad").BoundingBoxAsync() ?? throw new InvalidOperationException("no canvas");

        // A circle-ish loop and a line, drawn as real pointer strokes.
        await page.Mouse.MoveAsync(canvas.X + canvas.Width * 0.3f, canvas.Y + canvas.Height * 0.5f);
        await page.Mouse.DownAsync();
        for (var i = 0; i <= 36; i++)
        {
            var angle = i * Math.PI / 18;
            await page.Mouse.MoveAsync(canvas.X + canvas.Width * (0.5f + 0.2f * (float)Math.Cos(angle + Math.PI)), canvas.Y + canvas.Height * (0.5f + 0.2f * (float)Math.Sin(angle + Math.PI)));
        }

        await page.Mouse.UpAsync();
        await page.Mouse.MoveAsync(canvas.X + canvas.Width * 0.2f, canvas.Y + canvas.Height * 0.85f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(canvas.X + canvas.Width * 0.8f, canvas.Y + canvas.Height * 0.85f, new MouseMoveOptions { Steps = 12 });
        await page.Mouse.UpAsync();

        await page.WaitForSelectorAsync("#result[data-state='done']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "strokes.png"), FullPage = true });

        using var drawing = Image.Load<Rgb24>(await CanvasPngAsync(page));
        using var translated = Image.Load<Rgb24>(await ResultPngAsync(page));
        Assert.Equal((512, 512), (translated.Width, translated.Height));
        // The shipped OpenMoji model: a picture with colour in it, not a copy of the drawing.
        Assert.True(Spread(translated) > 5, $"the translation is blank (spread {Spread(translated):F2})");
        Assert.True(Difference(drawing, translated) > 5, "the translation is the drawing itself");
        Assert.True(Spread(drawing) > 5, "nothing was drawn");
        Assert.Matches(@"Translated in \d+ ms on CPU", await page.Locator("#status").InnerTextAsync());
    }

    [Fact]
    public async Task An_example_loads_with_one_click_and_its_result_downloads_as_a_png()
    {
        var violations = new List<string>();
        var page = await OpenAsync(onPage: p => p.Console += (_, message) => { if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal)) violations.Add(message.Text); });

        await page.Locator("button.example").First.ClickAsync();
        await page.WaitForSelectorAsync("#result[data-state='done']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "example.png"), FullPage = true });
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download").ClickAsync());
        var saved = Path.Combine(Screenshots, "downloaded-translation.png");
        await download.SaveAsAsync(saved);

        Assert.Equal("translation.png", download.SuggestedFilename);
        using var picture = Image.Load<Rgb24>(saved);
        Assert.Equal((512, 512), (picture.Width, picture.Height));
        Assert.True(Spread(picture) > 1, $"the downloaded picture is blank (spread {Spread(picture):F2})");
        Assert.Empty(violations);   // the page, its script, styles, examples and blob: results all pass the service's CSP
    }

    [Fact]
    public async Task Before_the_first_translation_the_result_is_a_blank_picture_not_a_broken_image()
    {
        var page = await OpenAsync();

        var blank = await page.EvaluateAsync<bool>("() => { const r = document.getElementById('result'); return r.complete && r.naturalWidth > 0; }");

        Assert.True(blank, "the result image has nothing loaded, so the browser draws its broken-image icon and alt text");
        Assert.NotEqual("done", await page.Locator("#result").GetAttributeAsync("data-state"));
    }

    [Fact]
    public async Task Errors_from_the_api_are_shown_as_readable_messages()
    {
        var page = await OpenAsync();
        await page.EvaluateAsync("() => { const o = new Option('missing', 'missing', true, true); document.getElementById('model').add(o); }");

        await page.Locator("#clear").ClickAsync();
        await page.WaitForSelectorAsync("#result[data-state='error']", new PageWaitForSelectorOptions { Timeout = 30_000 });

        Assert.Equal("Unknown model: There is no model named 'missing'; GET /models lists them.", await page.Locator("#error").InnerTextAsync());
    }

    [Fact]
    public async Task With_api_keys_on_the_pad_opened_with_its_key_in_the_fragment_translates_and_hides_the_key()
    {
        // A key with the characters form decoding would change ('+' into a space) or split on ('&', '=').
        using var service = await ServiceProcess.StartAsync(new Dictionary<string, string> { ["Inference__ModelsFolder"] = ShippedModels.Folder, ["Auth__ApiKeys__0"] = "pad+secret&a=b/c==" });
        var withKey = await OpenAsync(service.Url + "/#key=pad+secret&a=b/c==");
        var withoutKey = await browser.Chromium.NewPageAsync();
        await withoutKey.GotoAsync(service.Url + "/");

        await withoutKey.WaitForFunctionAsync("() => document.getElementById('status').textContent.startsWith('Could not list the models')");
        var listing = await withoutKey.Locator("#status").InnerTextAsync();
        await withKey.Locator("button.example").First.ClickAsync();
        await withKey.WaitForSelectorAsync("#result[data-state='done']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        await withoutKey.Locator("#clear").ClickAsync();
        await withoutKey.WaitForSelectorAsync("#result[data-state='error']", new PageWaitForSelectorOptions { Timeout = 30_000 });

        Assert.DoesNotContain("secret", withKey.Url);
        Assert.StartsWith("API key required", await withoutKey.Locator("#error").InnerTextAsync());
        Assert.StartsWith("Could not list the models: API key required", listing);
    }

    [Fact]
    public async Task Only_the_pointer_that_began_a_stroke_draws_it_and_only_with_the_primary_button()
    {
        var page = await OpenAsync();
        var box = await page.Locator("#pad").BoundingBoxAsync() ?? throw new InvalidOperationException("no canvas");
        float X(double f) => box.X + box.Width * (float)f;
        float Y(double f) => box.Y + box.Height * (float)f;

        // A right-button drag draws nothing.
        await page.Mouse.MoveAsync(X(0.2), Y(0.2));
        await page.Mouse.DownAsync(new MouseDownOptions { Button = MouseButton.Right });
        await page.Mouse.MoveAsync(X(0.4), Y(0.2), new MouseMoveOptions { Steps = 5 });
        await page.Mouse.UpAsync(new MouseUpOptions { Button = MouseButton.Right });
        // A stroke with the mouse; meanwhile a second finger goes down, moves away and lifts.
        await page.Mouse.MoveAsync(X(0.2), Y(0.6));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(X(0.4), Y(0.6), new MouseMoveOptions { Steps = 5 });
        await page.EvaluateAsync(SecondFinger, new { x1 = (double)X(0.8), y1 = (double)Y(0.9), x2 = (double)X(0.9), y2 = (double)Y(0.9) });
        await page.Mouse.MoveAsync(X(0.6), Y(0.6), new MouseMoveOptions { Steps = 5 });
        await page.Mouse.UpAsync();

        Assert.True(await InkAsync(page, 0.5, 0.6), "the mouse's stroke stopped when the second finger lifted");
        Assert.False(await InkAsync(page, 0.3, 0.2), "the right button drew");
        Assert.False(await InkAsync(page, 0.65, 0.75), "the second finger's move drew from the mouse's stroke");
        Assert.False(await InkAsync(page, 0.85, 0.9), "the second finger drew");
    }

    [Fact]
    public async Task Until_there_is_a_picture_the_download_link_cannot_be_followed()
    {
        var page = await OpenAsync();

        Assert.Null(await page.Locator("#download").GetAttributeAsync("href"));
    }

    // A touch pointer (id 99) down at (x1, y1), moved to (x2, y2) and lifted there.
    private const string SecondFinger =
        "({ x1, y1, x2, y2 }) => { const pad = document.getElementById('pad'); "
        + "const at = (type, x, y) => pad.dispatchEvent(new PointerEvent(type, { pointerId: 99, pointerType: 'touch', isPrimary: false, button: 0, buttons: 1, clientX: x, clientY: y, bubbles: true })); "
        + "at('pointerdown', x1, y1); at('pointermove', x2, y2); at('pointerup', x2, y2); }";

    // Whether the canvas holds ink at a point given as fractions of its width and height.
    private static async Task<bool> InkAsync(IPage page, double x, double y) =>
        await page.EvaluateAsync<int>($"() => document.getElementById('pad').getContext('2d').getImageData({(int)(x * 512)}, {(int)(y * 512)}, 1, 1).data[0]") < 128;

    private async Task<IPage> OpenAsync(string? url = null, Action<IPage>? onPage = null)
    {
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        var page = await context.NewPageAsync();
        onPage?.Invoke(page);
        await page.GotoAsync(url ?? browser.Service.Url + "/");
        await page.WaitForSelectorAsync("#model option", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await page.WaitForSelectorAsync("button.example");
        return page;
    }

    private static async Task<byte[]> CanvasPngAsync(IPage page) =>
        Convert.FromBase64String(await page.EvaluateAsync<string>("() => document.getElementById('pad').toDataURL('image/png').split(',')[1]"));

    private static async Task<byte[]> ResultPngAsync(IPage page) =>
        Convert.FromBase64String(await page.EvaluateAsync<string>("""
            async () => {
              const blob = await (await fetch(document.getElementById('result').src)).blob();
              const bytes = new Uint8Array(await blob.arrayBuffer());
              let text = '';
              for (const b of bytes) text += String.fromCharCode(b);
              return btoa(text);
            }
            """));

    // Standard deviation of the grey levels: 0 for a blank picture.
    private static double Spread(Image<Rgb24> image)
    {
        var values = new List<double>();
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y += 4)
            {
                foreach (var p in rows.GetRowSpan(y)) values.Add((p.R + p.G + p.B) / 3.0);
            }
        });
        var mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    // Mean absolute difference per channel between two same-sized pictures.
    private static double Difference(Image<Rgb24> a, Image<Rgb24> b)
    {
        double total = 0;
        for (var y = 0; y < a.Height; y += 2)
        {
            for (var x = 0; x < a.Width; x += 2)
            {
                var (p, q) = (a[x, y], b[x, y]);
                total += Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B);
            }
        }

        return total / (3.0 * (a.Width / 2) * (a.Height / 2));
    }
}
