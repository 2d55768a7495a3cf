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
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .DisableAntiforgery()
            .RequireClientAccess()
            .WithRequestTimeout(Extensions.ServerLimitsExtensions.TranslatePolicy);
        return app;
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Translate(
        HttpContext context, ModelRegistry registry, ImageTranslator translator, IOptions<UploadOptions> uploads, string? model = null)
    {
        var name = string.IsNullOrWhiteSpace(model) ? registry.DefaultName : model;
        var generator = name is null ? null : registry.Find(name);
        try
        {
            if (registry.Stopping) throw new ServiceUnavailable("Shutting down", "The service is shutting down and takes no new work; retry on another instance.", 5);
            if (!registry.Loaded) throw new ServiceUnavailable("Models are loading", "The service is still loading its models; retry shortly.", 2);
            if (generator is null)
            {
                return name is null
                    ? Problems.Create(context, StatusCodes.Status503ServiceUnavailable, "No model", $"No models are installed in {registry.Folder}.")
                    : Problems.Create(context, StatusCodes.Status404NotFound, "Unknown model", $"There is no model named '{name}'; GET /models lists them.");
            }

            var png = await UploadReader.ReadAsync(context.Request, uploads.Value, context.RequestAborted);
            var result = await translator.TranslateAsync(png, generator, context.RequestAborted);
            return TypedResults.File(result, "image/png");
        }
        catch (UploadRejected e)
        {
            return Problems.Create(context, e.StatusCode, e.Title, e.Message);
        }
        catch (ServiceUnavailable e)
        {
            return Problems.Unavailable(context, e);
        }
        catch (InferenceFailed e)
        {
            return Problems.Create(context, StatusCodes.Status500InternalServerError, "Inference failed", $"{e.Message}; the service goes on serving. Quote the traceId when reporting this.");
        }
    }
}
