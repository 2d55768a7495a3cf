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
            options.DocumentFilter<HealthEndpointsFilter>();
            // With keys on, the document says which operations need one, so that Swagger UI's Authorize button sends it.
            if (Access.AuthOptions.From(builder.Configuration).Enabled)
            {
                options.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Access.ApiKeyAuthentication.Header,
                    Description = "One of the service's API keys (Auth:ApiKeys)",
                });
                options.OperationFilter<ApiKeyRequirementFilter>();
            }
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

    /// <summary>Documents /translate's two upload forms and its binary answer (the handler reads the body itself).</summary>
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

    /// <summary>The operations under access control (<see cref="Access.AccessExtensions.RequireClientAccess"/>) need the
    /// API key, and may answer 401 without a valid one and 429 past the client's rate.</summary>
    private sealed class ApiKeyRequirementFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var policies = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Select(a => a.Policy);
            if (!policies.Contains(Access.AccessExtensions.ClientPolicy)) return;
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] }];
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or not one of the service's (problem details)" });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Past this client's rate; Retry-After says when to try again (problem details)" });
        }
    }

    /// <summary>The health endpoints (mapped as health checks, which the API explorer does not see) in the document too.</summary>
    private sealed class HealthEndpointsFilter : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Paths ??= new OpenApiPaths();
            document.Tags ??= new HashSet<OpenApiTag>();
            document.Tags.Add(new OpenApiTag { Name = "Health" });
            document.Paths["/health/live"] = Get(document, "Liveness: 200 while the process runs", ("200", "alive"));
            document.Paths["/health/ready"] = Get(document, "Readiness: 200 once every model is loaded and warmed up; 503 with the reason otherwise (and while shutting down)",
                ("200", "ready: each model's state as JSON"), ("503", "not ready: which model is loading or failed, as JSON"));
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
