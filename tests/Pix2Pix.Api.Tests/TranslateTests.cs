using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Pix2Pix.Api.Tests;

public class TranslateTests(TranslateTests.Service service) : IClassFixture<TranslateTests.Service>
{
    public sealed class Service : IAsyncLifetime
    {
        public ServiceFactory Factory { get; } = new(settings: new Dictionary<string, string?> { ["Uploads:MaxBodyBytes"] = "300000", ["Uploads:MaxSide"] = "1024" });
        public HttpClient Client { get; private set; } = null!;

        public async Task InitializeAsync() => Client = await Factory.ReadyClientAsync();

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private HttpClient Client => service.Client;

    [Fact]
    public async Task A_raw_png_upload_comes_back_as_a_png_of_the_same_size()
    {
        var response = await Client.PostAsync("/translate", Raw(Pngs.Rgb(200, 120)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var image = Pngs.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((200, 120), (image.Width, image.Height));
    }

    [Fact]
    public async Task A_multipart_upload_in_the_image_field_comes_back_as_a_png_of_the_same_size()
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Pngs.Rgb(90, 150));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "sketch.png");

        var response = await Client.PostAsync("/translate", form);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using var image = Pngs.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((90, 150), (image.Width, image.Height));
    }

    [Fact]
    public async Task The_same_input_gives_the_same_output()
    {
        var png = Pngs.Rgb(128, 128, seed: 9);
        var first = await (await Client.PostAsync("/translate", Raw(png))).Content.ReadAsByteArrayAsync();
        var second = await (await Client.PostAsync("/translate", Raw(png))).Content.ReadAsByteArrayAsync();

        Assert.Equal(first, second);
    }

    public static TheoryData<string, byte[]> Kinds() => new()
    {
        { "grayscale", Pngs.Grey(64, 100) },
        { "16-bit", Pngs.Rgb16(100, 64) },
        { "palette", Pngs.Palette(77, 77) },
        { "alpha", Pngs.Alpha(130, 60) },
        { "1x1", Pngs.Rgb(1, 1) },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_png_colour_type_and_bit_depth_is_translated(string kind, byte[] png)
    {
        var response = await Client.PostAsync("/translate", Raw(png));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{kind}: {await response.Content.ReadAsStringAsync()}");
        using var sent = Pngs.Decode(png);
        using var image = Pngs.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((sent.Width, sent.Height), (image.Width, image.Height));
    }

    [Fact]
    public async Task A_jpeg_is_refused_with_415()
    {
        var jpeg = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0 };
        await AssertProblem(await Client.PostAsync("/translate", Raw(jpeg)), HttpStatusCode.UnsupportedMediaType, "PNG signature");
    }

    [Fact]
    public async Task A_body_declared_as_another_type_is_refused_with_415()
    {
        var content = new StringContent("hello");
        await AssertProblem(await Client.PostAsync("/translate", content), HttpStatusCode.UnsupportedMediaType, "text/plain");
    }

    [Fact]
    public async Task An_empty_body_is_a_400_that_says_to_send_a_png()
    {
        await AssertProblem(await Client.PostAsync("/translate", Raw([])), HttpStatusCode.BadRequest, "empty");
    }

    [Fact]
    public async Task A_truncated_png_is_a_400()
    {
        var png = Pngs.Rgb(120, 120);
        await AssertProblem(await Client.PostAsync("/translate", Raw(png[..(png.Length / 2)])), HttpStatusCode.BadRequest, "could not be decoded");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413()
    {
        var big = Pngs.Rgb(120, 120).Concat(new byte[400_000]).ToArray();
        await AssertProblem(await Client.PostAsync("/translate", Raw(big)), HttpStatusCode.RequestEntityTooLarge, "300,000 bytes");
    }

    [Fact]
    public async Task A_png_declaring_huge_dimensions_is_a_422_before_decoding()
    {
        var png = Pngs.Rgb(10, 10);
        // Rewrite the IHDR width to 50000 (the CRC is left stale: the header check comes before any decoding).
        png[16] = 0; png[17] = 0; png[18] = 0xC3; png[19] = 0x50;

        await AssertProblem(await Client.PostAsync("/translate", Raw(png)), HttpStatusCode.UnprocessableEntity, "at most 1024");
    }

    [Fact]
    public async Task A_form_without_the_image_field_is_a_400_that_names_the_field()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Pngs.Rgb(10, 10)), "picture", "x.png" } };
        await AssertProblem(await Client.PostAsync("/translate", form), HttpStatusCode.BadRequest, "'image'");
    }

    [Fact]
    public async Task The_image_part_is_found_after_other_parts_of_any_size_which_are_read_past()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("a note"), "note" },
            { new ByteArrayContent(new byte[200_000]), "attachment", "big.bin" },   // two thirds of the body limit here
            { new ByteArrayContent(Pngs.Rgb(40, 30)), "image", "sketch.png" },
        };

        var response = await Client.PostAsync("/translate", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var image = Pngs.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal((40, 30), (image.Width, image.Height));
    }

    [Fact]
    public async Task A_form_of_more_parts_than_allowed_before_the_image_is_a_400_and_a_bad_boundary_or_framing_a_malformed_form()
    {
        using var many = new MultipartFormDataContent();
        for (var i = 0; i < Pix2Pix.Api.Imaging.UploadReader.MaxParts + 1; i++) many.Add(new StringContent("v"), $"field{i}");
        many.Add(new ByteArrayContent(Pngs.Rgb(10, 10)), "image", "x.png");
        await AssertProblem(await Client.PostAsync("/translate", many), HttpStatusCode.BadRequest, $"more than {Pix2Pix.Api.Imaging.UploadReader.MaxParts} parts");

        var unbounded = new ByteArrayContent("--x\r\n\r\n--x--"u8.ToArray());
        unbounded.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=" + new string('b', 71));
        Assert.Equal("Malformed form", (await AssertProblem(await Client.PostAsync("/translate", unbounded), HttpStatusCode.BadRequest, "boundary")).Title);

        // A part whose headers are not headers: the form's fault, not a PNG's.
        var garbled = new ByteArrayContent("--x\r\nnot a header line\r\n\r\ndata\r\n--x--\r\n"u8.ToArray());
        garbled.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");
        Assert.Equal("Malformed form", (await AssertProblem(await Client.PostAsync("/translate", garbled), HttpStatusCode.BadRequest, "could not be read")).Title);
    }

    [Fact]
    public async Task An_unknown_model_is_a_404()
    {
        await AssertProblem(await Client.PostAsync("/translate?model=nope", Raw(Pngs.Rgb(10, 10))), HttpStatusCode.NotFound, "'nope'");
    }

    [Fact]
    public async Task An_unknown_model_name_is_quoted_back_printable_and_short()
    {
        var sent = "bad\u0007\u202Ename" + new string('x', 300);

        var response = await Client.PostAsync($"/translate?model={Uri.EscapeDataString(sent)}", Raw(Pngs.Rgb(10, 10)));

        var detail = await AssertProblem(response, HttpStatusCode.NotFound, "'bad??name");
        Assert.DoesNotContain(new string('x', 101), detail.Detail);
    }

    [Fact]
    public async Task Naming_the_model_explicitly_works()
    {
        var response = await Client.PostAsync("/translate?model=tiny", Raw(Pngs.Rgb(64, 64)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static ByteArrayContent Raw(byte[] png)
    {
        var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }

    internal static async Task<ProblemDetails> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.NotNull(problem);
        Assert.Equal((int)status, problem.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Title));
        Assert.Contains(detailContains, problem.Detail);
        return problem;
    }
}
