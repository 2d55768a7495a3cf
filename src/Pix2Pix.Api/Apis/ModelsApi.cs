using Microsoft.AspNetCore.Http.HttpResults;
using Pix2Pix.Api.Access;
using Pix2Pix.Api.Inference;
using Pix2Pix.Contracts;

namespace Pix2Pix.Api.Apis;

/// <summary>
/// One served model as GET /models describes it: the version that serves (its file's content hash) and when it was
/// loaded; <c>reloadError</c> says why a newer file of it was not swapped in (the version shown keeps serving).
/// </summary>
public sealed record ModelDescription(
    string Name, bool IsDefault, string State, string Version, DateTimeOffset LoadedAt, string? Provider, string? Device, int Sessions, string? Error, string? ReloadError, ModelCard? Card);

/// <summary>GET /models and GET /models/{name}: what is loaded, on which execution provider, and whether it serves.</summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/models").WithTags("Models").RequireClientAccess();
        models.MapGet("/", List).WithName("ListModels").WithSummary("The models found in the models folder");
        models.MapGet("/{name}", Get).WithName("GetModel").WithSummary("One model's metadata, provider and state")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static Ok<ModelDescription[]> List(ModelRegistry registry) =>
        TypedResults.Ok(registry.All.Select(m => Describe(m, registry)).ToArray());

    // An unknown name is answered by ProblemExceptionHandler, as for /translate.
    public static Ok<ModelDescription> Get(string name, ModelRegistry registry) =>
        TypedResults.Ok(Describe(registry.Find(name) ?? throw new UnknownModel(name), registry));

    private static ModelDescription Describe(GeneratorModel model, ModelRegistry registry) =>
        new(model.Name, model.Name == registry.DefaultName, model.State.ToString().ToLowerInvariant(), model.Version, model.LoadedAt,
            model.Provider, model.Device, model.Sessions, model.PublicError, registry.ReloadError(model.Name), model.Card);
}
