using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Pix2Pix.Api.Access;
using Pix2Pix.Api.Imaging;
using Pix2Pix.Api.Inference;

namespace Pix2Pix.Api.Apis;

/// <summary>POST /translate: a PNG in (raw or multipart field "image"), the translated PNG of the same size out.</summary>
public static class TranslateApi
{
    public static IEndpointRouteBuilder MapTranslateApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/translate", Translate)
            .WithName("Translate")
            .WithTags("Translate")
            .WithSummary("Translate a PNG image with a pix2pix generator")
            .WithDescription("Send the PNG as the raw body (Content-Type: image/png) or as multipart/form-data in the field 'image'. "
                + "The result is a PNG of the same width and height. Optional query 'model' picks a model from GET /models.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .DisableAntiforgery()
            .RequireClientAccess()
            .WithRequestTimeout(Extensions.ServerLimitsExtensions.TranslatePolicy);
        return app;
    }

    // What can go wrong (no such model, none that serves, a rejected upload, an inference error) is thrown and
    // answered by ProblemExceptionHandler.
    public static async Task<FileContentHttpResult> Translate(
        HttpContext context, ModelRegistry registry, ImageTranslator translator, UploadBuffers buffers, IOptions<UploadOptions> uploads, string? model = null)
    {
        using var lease = registry.Lease(model);
        using var upload = buffers.Open();
        var png = await UploadReader.ReadAsync(context.Request, uploads.Value, upload, context.RequestAborted);
        var result = await translator.TranslateAsync(png, lease.Model, context.RequestAborted, warmUp: HttpPathWarmUp.IsWarmUp(context));
        return TypedResults.File(result, "image/png");
    }
}
