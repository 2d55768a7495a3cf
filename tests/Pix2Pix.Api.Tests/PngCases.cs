using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Tests;

/// <summary>
/// Valid PNGs across every colour type, bit depth and interlace method, and hostile ones made from them
/// by mutation (bytes, chunk lengths, CRCs, truncation, zlib streams, dimensions). Seeded: a failing case
/// can be replayed from its description.
/// </summary>
internal static class PngCases
{
    public static readonly (PngColorType Type, PngBitDepth[] Depths)[] Kinds =
    [
        (PngColorType.Grayscale, [PngBitDepth.Bit1, PngBitDepth.Bit2, PngBitDepth.Bit4, PngBitDepth.Bit8, PngBitDepth.Bit16]),
        (PngColorType.Rgb, [PngBitDepth.Bit8, PngBitDepth.Bit16]),
        (PngColorType.Palette, [PngBitDepth.Bit1, PngBitDepth.Bit2, PngBitDepth.Bit4, PngBitDepth.Bit8]),
        (PngColorType.GrayscaleWithAlpha, [PngBitDepth.Bit8, PngBitDepth.Bit16]),
        (PngColorType.RgbWithAlpha, [PngBitDepth.Bit8, PngBitDepth.Bit16]),
    ];

    public static byte[] Valid(Random random, int width, int height, PngColorType type, PngBitDepth depth, bool interlaced)
    {
        using var image = new Image<Rgba64>(width, height);
        var (r, g, b) = (random.Next(65536), random.Next(65536), random.Next(65536));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgba64((ushort)(r + x * 4099), (ushort)(g + y * 7919), (ushort)(b ^ (x * y)), (ushort)(x * 65535 / Math.Max(1, width - 1)));
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder
        {
            ColorType = type,
            BitDepth = depth,
            InterlaceMethod = interlaced ? PngInterlaceMode.Adam7 : PngInterlaceMode.None,
            TransparentColorMode = PngTransparentColorMode.Preserve,
        });
        return stream.ToArray();
    }

    /// <summary>The mutations, each named so a failure says what was done to the file.</summary>
    public static (string Name, byte[] Png) Mutate(byte[] png, Random random)
    {
        var copy = (byte[])png.Clone();
        var chunks = Chunks(copy);
        switch (random.Next(9))
        {
            case 0:
                var flips = random.Next(1, 12);
                for (var i = 0; i < flips; i++) copy[random.Next(8, copy.Length)] ^= (byte)random.Next(1, 256);
                return ($"{flips} random bytes flipped", copy);
            case 1:
                var chunk = chunks[random.Next(chunks.Count)];
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(chunk.Offset), (uint)random.Next());
                return ($"length of {chunk.Type} set to a random value", copy);
            case 2:
                var crcChunk = chunks[random.Next(chunks.Count)];
                copy[crcChunk.Offset + 8 + crcChunk.Length + random.Next(4)] ^= 0x5A;
                return ($"CRC of {crcChunk.Type} broken", copy);
            case 3:
                var cut = random.Next(8, copy.Length);
                return ($"truncated at {cut} of {copy.Length}", copy[..cut]);
            case 4:
                return ("IDAT replaced by random bytes", ReplaceIdat(copy, chunks, RandomBytes(random, random.Next(1, 4000))));
            case 5:
                return ("IDAT replaced by a zlib stream of random data", ReplaceIdat(copy, chunks, Zlib(RandomBytes(random, random.Next(1, 200_000)))));
            case 6:
                return ("IDAT replaced by a zlib stream of 64 MB of zeros", ReplaceIdat(copy, chunks, Zlib(new byte[64 << 20])));
            case 7:
                var (w, h) = (random.Next(0, 3) switch { 0 => 0, 1 => random.Next(1, 600), _ => random.Next() }, random.Next(1, 600));
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(16), (uint)w);
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(20), (uint)h);
                return ($"dimensions rewritten to {w}x{h}", copy);
            default:
                var drop = chunks[random.Next(chunks.Count)];
                return ($"{drop.Type} chunk removed", [.. copy[..drop.Offset], .. copy[(drop.Offset + 12 + drop.Length)..]]);
        }
    }

    private static readonly Dictionary<int, byte[]> ZlibCache = [];

    public static byte[] Zlib(byte[] data)
    {
        if (data.All(b => b == 0) && ZlibCache.TryGetValue(data.Length, out var cached)) return cached;
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true)) zlib.Write(data);
        var result = output.ToArray();
        if (data.All(b => b == 0)) ZlibCache[data.Length] = result;
        return result;
    }

    /// <summary>A valid PNG plus a zTXt chunk whose text inflates to <paramref name="inflatedBytes"/>.</summary>
    public static byte[] WithTextBomb(byte[] png, int inflatedBytes)
    {
        var payload = "Comment\0\0"u8.ToArray().Concat(Zlib(new byte[inflatedBytes])).ToArray();
        return Insert(png, Chunks(png)[0], Chunk("zTXt", payload));
    }

    public static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        System.Text.Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), System.IO.Hashing.Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    public sealed record PngChunk(int Offset, int Length, string Type);

    public static List<PngChunk> Chunks(byte[] png)
    {
        var chunks = new List<PngChunk>();
        var offset = 8;
        while (offset + 12 <= png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            if (length < 0 || offset + 12 + length > png.Length) break;
            chunks.Add(new PngChunk(offset, length, System.Text.Encoding.ASCII.GetString(png, offset + 4, 4)));
            offset += 12 + length;
        }

        return chunks;
    }

    private static byte[] ReplaceIdat(byte[] png, List<PngChunk> chunks, byte[] data)
    {
        var idats = chunks.Where(c => c.Type == "IDAT").ToArray();
        var first = idats[0];
        var last = idats[^1];
        return [.. png[..first.Offset], .. Chunk("IDAT", data), .. png[(last.Offset + 12 + last.Length)..]];
    }

    private static byte[] Insert(byte[] png, PngChunk after, byte[] chunk) =>
        [.. png[..(after.Offset + 12 + after.Length)], .. chunk, .. png[(after.Offset + 12 + after.Length)..]];

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
