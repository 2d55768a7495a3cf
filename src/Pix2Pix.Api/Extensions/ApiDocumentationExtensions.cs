using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Pix2Pix.Api.Extensions;

public static class ApiDocumentationExtensions
{
    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo { Title = "Pix2Pix.NET", Version = "v1", Description = "pix2pix image-to-image translation as a service" });
            options.OperationFilter<TranslateBodyFilter>();
            options.OperationFilter<ModelParameterFilter>();
            var keysOn = Access.AuthOptions.From(builder.Configuration).Enabled;
            var rateLimited = (builder.Configuration.GetSection(Access.RateLimitOptions.Section).Get<Access.RateLimitOptions>() ?? new Access.RateLimitOptions()).Enabled;
            options.DocumentFilter<HealthEndpointsFilter>(keysOn);
            // With keys on, the document says which operations need one, so that Swagger UI's Authorize button sends it.
            if (keysOn)
            {
                options.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Access.ApiKeyAuthentication.Header,
                    Description = "One of the service's API keys (Auth:ApiKeys)",
                });
            }

            if (keysOn || rateLimited) options.OperationFilter<ClientAccessFilter>(keysOn, rateLimited);
        });
        return builder;
    }

    private const string ApiKeyScheme = "ApiKey";

    /// <summary>Swagger (the OpenAPI document and its UI at /swagger) unless Swagger:Enabled is false, in any environment.</summary>
    public static WebApplication UseApiDocumentation(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Swagger:Enabled", true)) return app;
        app.UseSwagger();
        app.UseSwaggerUI(ui => ui.SwaggerEndpoint("/swagger/v1/swagger.json", "Pix2Pix.NET v1"));
        return app;
    }

    /// <summary>Documents /translate's upload forms (the PNG raw, or in a form) and its binary answer (the handler reads the body itself).</summary>
    private sealed class TranslateBodyFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName != "Translate") return;
            var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
            var form = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema> { ["image"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "the PNG image" } },
                Required = new HashSet<string> { "image" },
            };
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "A PNG image (any colour type and bit depth; alpha is composited on white)",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["image/png"] = new() { Schema = binary },
                    ["application/octet-stream"] = new() { Schema = binary },
                    ["multipart/form-data"] = new() { Schema = form },
                },
            };
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
            {
                content["image/png"] = new OpenApiMediaType { Schema = binary };
            }
        }
    }

    /// <summary>Says what /translate's optional 'model' query parameter picks.</summary>
    private sealed class ModelParameterFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>().Where(p => p.Name == "model") ?? [])
            {
                parameter.Description = "The model to translate with, by name as GET /models lists them; the default model when left out.";
            }
        }
    }

    /// <summary>The operations under access control (<see cref="Access.AccessExtensions.RequireClientAccess"/>): with keys
    /// on they need the API key and may answer 401 without a valid one; with a rate limit, 429 past the client's rate.</summary>
    private sealed class ClientAccessFilter(bool keysOn, bool rateLimited) : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var policies = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Select(a => a.Policy);
            if (!policies.Contains(Access.AccessExtensions.ClientPolicy)) return;
            operation.Responses ??= new OpenApiResponses();
            if (keysOn)
            {
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] }];
                operation.Responses.TryAdd("401", Problem("No API key, or not one of the service's", context));
            }

            if (rateLimited) operation.Responses.TryAdd("429", Problem("Past this client's rate; Retry-After says when to try again", context));
        }

        private static OpenApiResponse Problem(string description, OperationFilterContext context) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository) },
            },
        };
    }

    /// <summary>The health endpoints (mapped as health checks, which the API explorer does not see) in the document too.</summary>
    private sealed class HealthEndpointsFilter(bool keysOn) : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Paths ??= new OpenApiPaths();
            document.Tags ??= new HashSet<OpenApiTag>();
            document.Tags.Add(new OpenApiTag { Name = "Health" });
            document.Paths["/health/live"] = Get(document, "Liveness: 200 while the process runs", ("200", "alive"));
            // With keys on, readiness tells anonymous callers (the probes) only its status.
            var detail = keysOn ? "the status only, as JSON (models and devices: GET /models, with a key)" : "the status and each model's state, as JSON";
            document.Paths["/health/ready"] = Get(document, "Readiness: 200 once the models found at start-up are loaded and warmed up and the default model serves; 503 with the reason otherwise (and while shutting down)",
                ("200", $"ready: {detail}"), ("503", $"not ready: {detail}"));
        }

        private static OpenApiPathItem Get(OpenApiDocument document, string summary, params (string Status, string Description)[] responses)
        {
            var answers = new OpenApiResponses();
            foreach (var (status, description) in responses) answers[status] = new OpenApiResponse { Description = description };
            return new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Get] = new() { Summary = summary, Responses = answers, Tags = new HashSet<OpenApiTagReference> { new("Health", document) } },
                },
            };
        }
    }
}
