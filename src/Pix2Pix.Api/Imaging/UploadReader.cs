using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// Takes the PNG out of a request, raw (image/png) or as the multipart field "image", never reading more
/// than the configured limit: a declared Content-Length over it is refused before reading anything, and of a
/// multipart body only the image part is kept.
/// </summary>
public static class UploadReader
{
    public const string FormField = "image";

    /// <summary>Parts read through, at most, to find the image (a browser's form sends one).</summary>
    public const int MaxParts = 64;

    private const int MaxBoundaryLength = 70;

    public static async Task<byte[]> ReadAsync(HttpRequest request, UploadOptions options, CancellationToken cancellation)
    {
        if (request.ContentLength > options.MaxBodyBytes) throw UploadRejected.TooLarge(options.MaxBodyBytes);
        var sizeLimit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false }) sizeLimit.MaxRequestBodySize = options.MaxBodyBytes + 64 * 1024;

        MediaTypeHeaderValue? media = null;
        if (request.ContentType is { } declared && !MediaTypeHeaderValue.TryParse(declared, out media))
        {
            throw UploadRejected.NotPng($"The Content-Type '{ClientText.Printable(declared)}' could not be read; send image/png, or multipart/form-data with the field '{FormField}'.");
        }

        if (request.HasFormContentType) return await ReadImagePart(media!, request, options, cancellation);

        var type = media?.MediaType.Value?.ToLowerInvariant();
        if (type is not (null or "image/png" or "application/octet-stream"))
        {
            throw UploadRejected.NotPng($"Content-Type '{ClientText.Printable(type ?? "")}' is not accepted; send image/png, or multipart/form-data with the field '{FormField}'.");
        }

        return await ReadLimited(request.Body, request.ContentLength, options.MaxBodyBytes, cancellation);
    }

    /// <summary>
    /// Streams the multipart body section by section and keeps only the first part named "image": other parts are read
    /// past without being stored (no temp files), and a form of more than <see cref="MaxParts"/> parts is refused.
    /// </summary>
    private static async Task<byte[]> ReadImagePart(MediaTypeHeaderValue media, HttpRequest request, UploadOptions options, CancellationToken cancellation)
    {
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (!media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw UploadRejected.Missing($"A {media.MediaType} form carries no file; send the PNG as multipart/form-data in the field '{FormField}', or raw as image/png.");
        }

        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw UploadRejected.Malformed($"The multipart boundary must be 1 to {MaxBoundaryLength} characters (RFC 2046).");
        }

        var reader = new MultipartReader(boundary, request.Body);
        try
        {
            for (var parts = 1; await reader.ReadNextSectionAsync(cancellation) is { } section; parts++)
            {
                if (parts > MaxParts) throw UploadRejected.Missing($"The form has more than {MaxParts} parts before one named '{FormField}'.");
                if (section.GetContentDispositionHeader() is { } disposition && disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    && HeaderUtilities.RemoveQuotes(disposition.Name).Equals(FormField, StringComparison.OrdinalIgnoreCase))
                {
                    return await ReadLimited(section.Body, null, options.MaxBodyBytes, cancellation);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && e is not BadHttpRequestException))
        {
            throw UploadRejected.Malformed($"The multipart form could not be read: {e.Message}");
        }

        throw UploadRejected.Missing($"The form has no field named '{FormField}'; send the PNG as '{FormField}'.");
    }

    /// <summary>
    /// Reads the body, never more than <paramref name="limit"/>. Memory follows what has arrived, not what was declared: the
    /// buffer starts at the declared length up to <see cref="FirstBuffer"/> and grows as data comes; a body that fills it
    /// exactly is returned as it is, without a copy. The chunk it reads through is pooled.
    /// </summary>
    private static async Task<byte[]> ReadLimited(Stream body, long? declared, long limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream((int)Math.Clamp(declared ?? 0, 0, Math.Min(limit, FirstBuffer)));
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellation)) > 0)
            {
                if (buffer.Length + read > limit) throw UploadRejected.TooLarge(limit);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw UploadRejected.TooLarge(limit);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    /// <summary>The most a body is given before its data arrives, whatever its Content-Length says.</summary>
    private const int FirstBuffer = 64 * 1024;

    private const int ChunkBytes = 80 * 1024;
}
