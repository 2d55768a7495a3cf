using Microsoft.AspNetCore.Diagnostics;
using Pix2Pix.Api.Imaging;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.Api.Apis;

/// <summary>
/// The one place where what went wrong with a request becomes its answer, as problem details with the request's
/// trace id: an upload the service will not take (its 4xx), no model to serve it (404, or 503 with a Retry-After only
/// where retrying can help), an inference error (500, logged where it happened), and Kestrel's own verdicts on the
/// request (BadHttpRequestException: a body sent too slowly, cut short, too large, malformed), logged as the client's
/// doing; a client whose connection failed mid-upload is not answered (499). Anything else is left to the default handler:
/// a 500 without details, logged as the server's error.
/// </summary>
internal sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is ClientGone gone)
        {
            // Nobody to answer: as the framework ends an aborted request (499), without an error in the log.
            logger.LogDebug("The client's connection failed during its upload: {Reason}", gone.InnerException?.Message);
            if (!context.Response.HasStarted) context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return true;
        }

        var answer = exception switch
        {
            UploadRejected e => (e.StatusCode, e.Title, e.Message),
            UnknownModel e => (StatusCodes.Status404NotFound, "Unknown model", e.Message),
            ServiceUnavailable e => (StatusCodes.Status503ServiceUnavailable, e.Title, e.Message),
            InferenceFailed e => (StatusCodes.Status500InternalServerError, "Inference failed", $"{e.Message}; the service goes on serving. Quote the traceId when reporting this."),
            BadHttpRequestException e => (e.StatusCode, e.StatusCode switch
            {
                StatusCodes.Status408RequestTimeout => "Upload too slow",
                StatusCodes.Status413PayloadTooLarge => "Body too large",
                _ => "Bad request",
            }, e.Message),
            _ => ((int, string, string)?)null,
        };
        if (answer is not var (status, title, detail)) return false;
        if (exception is BadHttpRequestException) logger.LogInformation("Bad request from the client ({Status}): {Reason}", status, detail);
        if (context.Response.HasStarted) return true;
        if (exception is ServiceUnavailable { RetryAfterSeconds: { } seconds })
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await Problems.Create(context, status, title, detail).ExecuteAsync(context);
        return true;
    }
}
