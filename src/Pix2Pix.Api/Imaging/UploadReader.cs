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

    /// <summary>
    /// The upload's bytes, drawn from <paramref name="account"/> as they arrive (and held until the account is disposed).
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpRequest request, UploadOptions options, UploadBuffers.Account account, CancellationToken cancellation)
    {
        if (request.ContentLength > options.MaxBodyBytes) throw UploadRejected.TooLarge(options.MaxBodyBytes);
        var sizeLimit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false }) sizeLimit.MaxRequestBodySize = options.MaxBodyBytes + 64 * 1024;

        MediaTypeHeaderValue? media = null;
        if (request.ContentType is { } declared && !MediaTypeHeaderValue.TryParse(declared, out media))
        {
            throw UploadRejected.NotPng($"The Content-Type '{ClientText.Printable(declared)}' could not be read; send image/png, or multipart/form-data with the field '{FormField}'.");
        }

        if (request.HasFormContentType) return await ReadImagePart(media!, request, options, account, cancellation);

        var type = media?.MediaType.Value?.ToLowerInvariant();
        if (type is not (null or "image/png" or "application/octet-stream"))
        {
            throw UploadRejected.NotPng($"Content-Type '{ClientText.Printable(type ?? "")}' is not accepted; send image/png, or multipart/form-data with the field '{FormField}'.");
        }

        return await ReadLimited(request.Body, request.ContentLength, options.MaxBodyBytes, account, cancellation);
    }

    /// <summary>
    /// Streams the multipart body section by section and keeps only the first part named "image": other parts are read
    /// past without being stored (no temp files), and a form of more than <see cref="MaxParts"/> parts is refused.
    /// </summary>
    private static async Task<byte[]> ReadImagePart(MediaTypeHeaderValue media, HttpRequest request, UploadOptions options, UploadBuffers.Account account, CancellationToken cancellation)
    {
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (!media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw UploadRejected.Missing($"A {media.MediaType} form carries no file; send the PNG as multipart/form-data in the field '{FormField}', or raw as image/png.");
        }

        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw UploadRejected.MalformedForm($"The multipart boundary must be 1 to {MaxBoundaryLength} characters (RFC 2046).");
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
                    return await ReadLimited(section.Body, null, options.MaxBodyBytes, account, cancellation);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException || (e is IOException && e is not BadHttpRequestException))
        {
            // A client that went away is not a malformed form: it ends as an aborted request (no answer, nothing logged as
            // an error).
            if (cancellation.IsCancellationRequested || e is Microsoft.AspNetCore.Connections.ConnectionResetException) throw new ClientGone(e);
            throw UploadRejected.MalformedForm($"The multipart form could not be read: {e.Message}");
        }

        throw UploadRejected.Missing($"The form has no field named '{FormField}'; send the PNG as '{FormField}'.");
    }

    /// <summary>
    /// Reads the body, never more than <paramref name="limit"/>. Memory follows what has arrived, not what was declared: the
    /// data goes into chunks of at most <see cref="ChunkBytes"/>, each drawn from <paramref name="account"/> just before it
    /// is filled and no larger than what the body may still bring (its declared length, else one byte past the limit, to
    /// see that it is over), then into one array of the body's exact size, drawn too (both are held while it is copied).
    /// A body that fits one chunk of its declared length (a sketch) is returned as it is, without a copy.
    /// </summary>
    private static async Task<byte[]> ReadLimited(Stream body, long? declared, long limit, UploadBuffers.Account account, CancellationToken cancellation)
    {
        var room = declared is >= 0 ? Math.Min(declared.Value, limit) : limit + 1;
        var chunks = new List<byte[]>();
        var (filled, total) = (0, 0L);
        try
        {
            while (total < room)
            {
                if (chunks.Count == 0 || filled == chunks[^1].Length)
                {
                    var size = (int)Math.Min(ChunkBytes, room - total);
                    account.Draw(size);
                    chunks.Add(GC.AllocateUninitializedArray<byte>(size));
                    filled = 0;
                }

                var read = await body.ReadAsync(chunks[^1].AsMemory(filled), cancellation);
                if (read == 0) break;
                (filled, total) = (filled + read, total + read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw UploadRejected.TooLarge(limit);
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            // Kestrel's verdicts on the body (too slow, cut short, too large) are BadHttpRequestExceptions; any other
            // failure of the read is the connection's.
            throw new ClientGone(e);
        }

        if (total > limit) throw UploadRejected.TooLarge(limit);
        if (chunks.Count == 1 && filled == chunks[0].Length) return chunks[0];
        account.Draw((int)total);   // the chunks are still held while they are copied
        var bytes = GC.AllocateUninitializedArray<byte>((int)total);
        var at = 0;
        foreach (var chunk in chunks)
        {
            var length = (int)Math.Min(chunk.Length, total - at);
            chunk.AsSpan(0, length).CopyTo(bytes.AsSpan(at));
            at += length;
        }

        return bytes;
    }

    /// <summary>The most a body is given before its data arrives, whatever its Content-Length says: one chunk (under the
    /// large-object heap's 85,000 bytes, so chunks are short-lived small objects).</summary>
    private const int ChunkBytes = 80 * 1024;
}
