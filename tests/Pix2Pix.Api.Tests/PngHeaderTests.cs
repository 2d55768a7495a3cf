using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Pix2Pix.Api.Imaging;

namespace Pix2Pix.Api.Tests;

/// <summary>What a PNG's header and chunk lengths say is checked before a decoder allocates anything for it.</summary>
public class PngHeaderTests
{
    [Fact]
    public void A_few_bytes_declaring_4096_squared_pixels_are_refused_before_decoding()
    {
        var bomb = Png(4096, 4096, PngCases.Zlib(new byte[64]));

        var refused = Assert.Throws<UploadRejected>(() => PngHeader.Read(bomb, 4096));

        Assert.True(bomb.Length < 120, $"{bomb.Length} bytes");
        Assert.Equal(StatusCodes.Status400BadRequest, refused.StatusCode);
        Assert.StartsWith("The PNG declares 4096x4096 pixels but holds ", refused.Message);
        Assert.EndsWith("too little for them (deflate expands at most about 1032:1).", refused.Message);
    }

    [Fact]
    public void A_valid_PNG_compressed_as_hard_as_zlib_can_is_never_refused()
    {
        const int side = 4096;
        var rows = new byte[side * (1 + side * 3)];   // one solid colour: filter byte 0 and zero pixels, deflate's best case
        var png = Png(side, side, PngCases.Zlib(rows));

        var header = PngHeader.Read(png, side);

        var idat = png.Length - 8 - 25 - 12 - 12;
        Assert.True(header.MinimumPixelBytes > idat * 1000L, $"zlib reached only {header.MinimumPixelBytes / (double)idat:F0}:1, so this does not test the bound");
    }

    [Fact]
    public async Task The_service_answers_such_a_file_400_with_its_reason()
    {
        await using var factory = new ServiceFactory();
        var client = await factory.ReadyClientAsync();

        using var response = await client.PostAsync("/translate", TranslateTests.Raw(Png(4096, 4096, PngCases.Zlib(new byte[64]))));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("too little for them", (await response.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["detail"].ToString());
    }

    /// <summary>Signature, an 8-bit RGB IHDR, one IDAT with <paramref name="compressed"/>, IEND.</summary>
    private static byte[] Png(int width, int height, byte[] compressed)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. PngCases.Chunk("IHDR", ihdr), .. PngCases.Chunk("IDAT", compressed), .. PngCases.Chunk("IEND", [])];
    }
}
