using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// 8-bit RGB PNG encoding on the runtime's zlib (zlib-ng), rows filtered with Up: ImageSharp 2.1 deflates in managed code,
/// several times slower and into a larger file (README, "Notes for contributors"). The format is the PNG specification's
/// minimum: signature, IHDR, one IDAT, IEND, each chunk with its CRC-32.
/// </summary>
public static class PngWriter
{
    private const byte FilterUp = 2;

    /// <summary>
    /// The deflate buffers' own pool: buffers up to 4 MiB (answers up to about 1,100² pixels), a few per core. A larger answer
    /// gets a buffer of its own, which goes when it is written, not one that a shared pool would keep after a burst.
    /// </summary>
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(4 * 1024 * 1024, 2 * Environment.ProcessorCount);
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(Image<Rgb24> image)
    {
        int width = image.Width, height = image.Height, stride = width * 3;
        // Deflate into a pooled buffer that no stream of these rows can overflow (zlib's conservative deflateBound: nine bits
        // a byte at worst, with every block's overhead), so nothing is allocated for it or copied as it grows.
        var raw = height * (1 + stride);
        var bound = raw + (raw + 7) / 8 + (raw + 63) / 64 + 64;
        var buffer = Buffers.Rent(bound);
        try
        {
            using var compressed = new MemoryStream(buffer, 0, bound, writable: true, publiclyVisible: true);
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                var filtered = new byte[1 + stride];
                var previous = new byte[stride];
                filtered[0] = FilterUp;
                image.ProcessPixelRows(rows =>
                {
                    for (var y = 0; y < rows.Height; y++)
                    {
                        var row = MemoryMarshal.AsBytes(rows.GetRowSpan(y));
                        Up(row, previous, filtered.AsSpan(1));
                        zlib.Write(filtered);
                        row.CopyTo(previous);
                    }
                });
            }

            return File(width, height, buffer.AsSpan(0, (int)compressed.Position));
        }
        finally
        {
            Buffers.Return(buffer);
        }
    }

    // The file, written once into an array of its exact size: the signature, then three chunks of 12 bytes around their data.
    private static byte[] File(int width, int height, ReadOnlySpan<byte> data)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bits per sample
        header[9] = 2;   // colour type: RGB (compression, filter and interlace methods 0)
        var png = new byte[Signature.Length + 3 * 12 + header.Length + data.Length];
        var at = Signature.Length;
        Signature.CopyTo(png, 0);
        at += WriteChunk(png.AsSpan(at), "IHDR"u8, header);
        at += WriteChunk(png.AsSpan(at), "IDAT"u8, data);
        WriteChunk(png.AsSpan(at), "IEND"u8, []);
        return png;
    }

    // Each byte minus the one above it (modulo 256), a vector at a time.
    private static void Up(ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> filtered)
    {
        var i = 0;
        for (; i <= row.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(row[i..]) - new Vector<byte>(above[i..])).CopyTo(filtered[i..]);
        }

        for (; i < row.Length; i++) filtered[i] = (byte)(row[i] - above[i]);
    }

    // Length, type, data and the CRC-32 of type and data; returns how many bytes it wrote.
    private static int WriteChunk(Span<byte> png, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        BinaryPrimitives.WriteInt32BigEndian(png, data.Length);
        type.CopyTo(png[4..]);
        data.CopyTo(png[8..]);
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(png[(8 + data.Length)..], crc.GetCurrentHashAsUInt32());
        return 12 + data.Length;
    }
}
