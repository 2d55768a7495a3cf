using Microsoft.AspNetCore.Diagnostics;

namespace Pix2Pix.Api.Apis;

/// <summary>
/// The server's own verdicts on a request (Kestrel's BadHttpRequestException: a body sent too slowly, cut short,
/// larger than allowed, malformed) answered with their own 4xx status as problem details, logged as the client's
/// doing, not as the server's error.
/// </summary>
internal sealed class ClientErrorHandler(ILogger<ClientErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        logger.LogInformation("Bad request from the client ({Status}): {Reason}", bad.StatusCode, bad.Message);
        if (context.Response.HasStarted) return true;
        var title = bad.StatusCode switch
        {
            StatusCodes.Status408RequestTimeout => "Upload too slow",
            StatusCodes.Status413PayloadTooLarge => "Body too large",
            _ => "Bad request",
        };
        await Problems.Create(context, bad.StatusCode, title, bad.Message).ExecuteAsync(context);
        return true;
    }
}
