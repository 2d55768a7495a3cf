using System.Buffers.Binary;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// The PNG signature and IHDR chunk, read before any decoding so that size limits are enforced on what the
/// file claims, not on what a decoder allocates.
/// </summary>
public readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngHeader Read(ReadOnlySpan<byte> file, int maxSide)
    {
        if (file.Length == 0) throw UploadRejected.Missing("The request body is empty; send a PNG image.");
        if (file.Length < Signature.Length || !file[..Signature.Length].SequenceEqual(Signature))
        {
            throw UploadRejected.NotPng("The body does not start with the PNG signature; only PNG images are accepted.");
        }

        if (file.Length < 33) throw UploadRejected.Malformed("The PNG ends before its header (IHDR) is complete.");
        var length = BinaryPrimitives.ReadUInt32BigEndian(file[8..]);
        if (length != 13 || !file.Slice(12, 4).SequenceEqual("IHDR"u8)) throw UploadRejected.Malformed("The PNG does not begin with a valid IHDR chunk.");
        var width = BinaryPrimitives.ReadUInt32BigEndian(file[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(file[20..]);
        int bitDepth = file[24], colorType = file[25], interlace = file[28];
        if (width == 0 || height == 0) throw UploadRejected.Dimensions($"The PNG declares {width}x{height} pixels; both sides must be at least 1.");
        if (width > maxSide || height > maxSide)
        {
            throw UploadRejected.Dimensions($"The PNG declares {width}x{height} pixels; each side may be at most {maxSide}.");
        }

        var validDepth = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!validDepth) throw UploadRejected.Malformed($"The PNG header has colour type {colorType} with bit depth {bitDepth}, which PNG does not allow.");
        if (interlace > 1) throw UploadRejected.Malformed($"The PNG header names interlace method {interlace}; only 0 and 1 exist.");
        var header = new PngHeader((int)width, (int)height, bitDepth, colorType, interlace == 1);
        header.CheckCompressedDataCanHoldPixels(file);
        return header;
    }

    /// <summary>Deflate expands at most about 1032:1 (a 258-byte match per two bits); a little more, to be safe.</summary>
    public const int MaxInflationRatio = 1040;

    /// <summary>The bytes the declared pixels need at the least (without PNG's per-row filter bytes).</summary>
    public long MinimumPixelBytes => ((long)Width * Height * Channels * BitDepth + 7) / 8;

    private int Channels => ColorType switch { 2 => 3, 4 => 2, 6 => 4, _ => 1 };

    /// <summary>
    /// A file whose IDAT chunks together cannot inflate to the pixels it declares is refused here, before a decoder
    /// allocates the frame for them: a hundred bytes declaring 4096×4096 would otherwise cost 64 MiB.
    /// </summary>
    private void CheckCompressedDataCanHoldPixels(ReadOnlySpan<byte> file)
    {
        long compressed = 0;
        for (var offset = Signature.Length; offset + 8 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(file[offset..]);
            var type = file.Slice(offset + 4, 4);
            var available = Math.Min(length, (uint)(file.Length - offset - 8));
            if (type.SequenceEqual("IDAT"u8)) compressed += available;
            if (type.SequenceEqual("IEND"u8) || length > file.Length) break;
            offset += 12 + (int)length;
        }

        if (MinimumPixelBytes > compressed * MaxInflationRatio)
        {
            throw UploadRejected.Malformed($"The PNG declares {Width}x{Height} pixels but holds {compressed} bytes of compressed image data, "
                + $"too little for them (deflate expands at most about 1032:1).");
        }
    }
}
