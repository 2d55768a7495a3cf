namespace Pix2Pix.Api.Imaging;

/// <summary>An upload the service will not take, with the HTTP status and a reason a person can act on.</summary>
public sealed class UploadRejected(int statusCode, string title, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
    public string Title { get; } = title;

    public static UploadRejected NotPng(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Not a PNG image", detail);

    public static UploadRejected Malformed(string detail) => new(StatusCodes.Status400BadRequest, "Unreadable PNG", detail);

    public static UploadRejected MalformedForm(string detail) => new(StatusCodes.Status400BadRequest, "Malformed form", detail);

    public static UploadRejected TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "Upload too large", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The request body exceeds the limit of {limit:N0} bytes."));

    public static UploadRejected Dimensions(string detail) => new(StatusCodes.Status422UnprocessableEntity, "Image dimensions not accepted", detail);

    public static UploadRejected TooSlow(TimeSpan limit) =>
        new(StatusCodes.Status422UnprocessableEntity, "Image could not be decoded in time", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The PNG took longer than {limit.TotalMilliseconds:N0} ms to decode and was abandoned."));

    public static UploadRejected Missing(string detail) => new(StatusCodes.Status400BadRequest, "No image in the request", detail);
}
