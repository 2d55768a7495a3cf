using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Pix2Pix.Api.Imaging;

/// <summary>
/// Takes the PNG out of a request, raw (image/png) or as the multipart field "image", never reading more
/// than the configured limit: a declared Content-Length over it is refused before reading anything.
/// </summary>
public static class UploadReader
{
    public const string FormField = "image";

    public static async Task<byte[]> ReadAsync(HttpRequest request, UploadOptions options, CancellationToken cancellation)
    {
        if (request.ContentLength > options.MaxBodyBytes) throw UploadRejected.TooLarge(options.MaxBodyBytes);
        var sizeLimit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false }) sizeLimit.MaxRequestBodySize = options.MaxBodyBytes + 64 * 1024;

        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellation);
            }
            catch (InvalidDataException e)
            {
                throw e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                    ? UploadRejected.TooLarge(options.MaxBodyBytes)
                    : UploadRejected.Missing($"The multipart form could not be read: {e.Message}");
            }

            var file = form.Files.GetFile(FormField)
                ?? throw UploadRejected.Missing($"The form has no file field named '{FormField}'; send the PNG as '{FormField}'.");
            await using var stream = file.OpenReadStream();
            return await ReadLimited(stream, options.MaxBodyBytes, cancellation);
        }

        var type = request.ContentType is null ? null : MediaTypeHeaderValue.Parse(request.ContentType).MediaType.Value;
        if (type is not (null or "image/png" or "application/octet-stream"))
        {
            throw UploadRejected.NotPng($"Content-Type '{type}' is not accepted; send image/png, or multipart/form-data with the field '{FormField}'.");
        }

        return await ReadLimited(request.Body, options.MaxBodyBytes, cancellation);
    }

    private static async Task<byte[]> ReadLimited(Stream body, long limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
            {
                if (buffer.Length + read > limit) throw UploadRejected.TooLarge(limit);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw UploadRejected.TooLarge(limit);
        }

        return buffer.ToArray();
    }
}
