namespace Pix2Pix.Api.Access;

/// <summary>
/// Response headers that keep a browser from misreading or framing what the service sends: no MIME sniffing, no
/// referrer, no framing by other sites, and for the sketch pad a content security policy that allows only its own
/// files (its result images are blob: URLs, which it may also read back; the canvas exports data: URLs). Swagger UI gets the same minus the
/// policy, whose inline bootstrapping it needs.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self' blob:; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers.XFrameOptions = "DENY";
                if (!context.Request.Path.StartsWithSegments("/swagger")) headers.ContentSecurityPolicy = ContentSecurityPolicy;
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
